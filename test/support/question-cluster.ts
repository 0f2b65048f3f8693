import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { CHAT_MODEL } from './chat-config.js';
import { tempDataDir, uniqueSubjectPrefix } from './config.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { call } from './http.js';
import { OllamaSimulator, type OllamaSimulatorOptions, type SimulatorRequest } from './ollama-simulator.mjs';
import { NATS_URL } from './services.js';
import { freePort, TarsProcess } from './tars-process.js';
import { hashingEmbeddingsEnv } from './node-env.mjs';

/**
 * The question pipeline on several OS processes (issue 5): node A (api, memory, processing: takes
 * submissions, searches memory, scores answers) and worker nodes (orchestrator + inference: the
 * JetStream consumers that generate answers), one NATS subject prefix, one PostgreSQL database.
 * Every worker process talks to an Ollama simulator of its own, so that what a worker asked the
 * LLM (and what it was answered) is known per process, also for a process that was killed.
 */

/** One question of a test: a unique code word that the simulated LLM recognises in the prompt. */
export interface TestQuestion {
  index: number;
  code: string;
  question: string;
  reference: string;
}

/** A word of letters only (no digits: tokenisers and the router leave it whole). */
export const codeWord = () => `zq${[...randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;

export function testQuestion(index: number): TestQuestion {
  const code = codeWord();
  return {
    index,
    code,
    question: `What does ledger entry ${code} say?`,
    reference: `Ledger entry ${code} records invoice ${index}, paid in full on day ${(index % 28) + 1} of the month.`,
  };
}

/** The code word of the question a chat request is about (from its last user message), if any. */
export function codeOf(request: SimulatorRequest): string | undefined {
  const messages = (request.body as { messages?: { role: string; content: string }[] } | undefined)?.messages ?? [];
  const user = messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  return [...user.matchAll(/\bzq[a-z]{8}\b/g)].at(-1)?.[0];
}

export interface ClusterSettings {
  ackWaitMs: number;
  /** Questions one worker works on at once. */
  concurrency: number;
  overloadBaseMs: number;
  quotaDelayMs: number;
  /** Log level of the nodes (default info). */
  logLevel?: string;
}

export interface Worker {
  name: string;
  process: TarsProcess;
  sim: OllamaSimulator;
}

export class QuestionCluster {
  db!: TestDatabase;
  pool!: pg.Pool;
  nc!: NatsConnection;
  api!: TarsProcess;
  adminKey = '';
  readonly prefix = uniqueSubjectPrefix();
  /** What the simulated LLM answers, by the question's code word (unknown codes get the default reply). */
  readonly replies = new Map<string, string>();
  readonly workers: Worker[] = [];
  /** Arrival order of every request at every simulator of the cluster (one counter for all). */
  readonly arrival = new Map<SimulatorRequest, number>();
  private readonly processes: TarsProcess[] = [];
  private readonly simulators: OllamaSimulator[] = [];
  private readonly dataDirs: string[] = [];

  constructor(private readonly settings: ClusterSettings) {}

  /** The JetStream stream of the questions, its dead-letter stream, durable consumer and subject. */
  get names() {
    const stream = `${this.prefix}_questions`;
    return { stream, dead: `${stream}_dead`, consumer: `${stream}_workers`, subject: `${this.prefix}.jobs.questions` };
  }

  async start(): Promise<void> {
    this.db = await createTestDatabase('e2e_questions');
    this.pool = new pg.Pool({ connectionString: this.db.url, max: 4 });
    this.nc = await connectNats({ servers: NATS_URL });
    this.api = await this.launch('node-a', { TARS_ROLES: 'api,memory,processing' });
    this.adminKey = readFileSync(join(this.api.env.TARS_DATA_DIR, 'admin.key'), 'utf8').trim();
  }

  /** A worker process (orchestrator + inference) with an Ollama simulator of its own. */
  async startWorker(name: string, simOptions: OllamaSimulatorOptions = {}): Promise<Worker> {
    const sim = await OllamaSimulator.start({
      parallel: 16,
      ...simOptions,
      reply: (request) => {
        const code = codeOf(request);
        return code ? this.replies.get(code) : undefined;
      },
    });
    this.simulators.push(sim);
    sim.on('request', (request: SimulatorRequest) => this.arrival.set(request, this.arrival.size + 1));
    const backend = { id: 'ollama', kind: 'ollama', host: sim.url, model: CHAT_MODEL, maxConcurrent: 16, firstTokenTimeoutMs: 60_000, idleTimeoutMs: 60_000 };
    const process = await this.launch(name, { TARS_ROLES: 'orchestrator,inference', TARS_INFERENCE_BACKENDS: JSON.stringify([backend]) });
    const worker = { name, process, sim };
    this.workers.push(worker);
    return worker;
  }

  private async launch(name: string, env: Record<string, string>): Promise<TarsProcess> {
    const dir = tempDataDir(name);
    this.dataDirs.push(dir);
    const node = new TarsProcess(name, await freePort(), { ...this.commonEnv(), ...env, TARS_DATA_DIR: dir });
    this.processes.push(node);
    await node.start();
    return node;
  }

  private commonEnv(): Record<string, string> {
    const s = this.settings;
    return {
      DATABASE_URL: this.db.url,
      NATS_URL,
      TARS_NATS_SUBJECT_PREFIX: this.prefix,
      TARS_LOG_LEVEL: s.logLevel ?? 'info',
      TARS_AUTH_RATE_LIMIT_ENABLED: 'false',
      ...hashingEmbeddingsEnv(),
      TARS_ORCHESTRATOR_REWRITE_MODE: 'concat',
      TARS_QUESTIONS_QUEUE_ACK_WAIT_MS: String(s.ackWaitMs),
      TARS_QUESTIONS_QUEUE_CONCURRENCY: String(s.concurrency),
      TARS_QUESTIONS_RETRY_OVERLOAD_BASE_MS: String(s.overloadBaseMs),
      TARS_QUESTIONS_RETRY_QUOTA_DELAY_MS: String(s.quotaDelayMs),
    };
  }

  /** POST /questions on node A. */
  submit(questions: { question: string; reference?: string; idempotencyKey?: string }[], timeoutMs = 60_000) {
    return call(this.api.url, 'POST', '/questions', { key: this.adminKey, body: { questions }, timeoutMs });
  }

  async sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(text, params)).rows as T[];
  }

  /** How many of these questions are in a final state. */
  async finalCount(ids: string[]): Promise<number> {
    const [row] = await this.sql<{ n: number }>(
      `SELECT count(*)::integer AS n FROM questions WHERE id = ANY($1::uuid[]) AND state IN ('validated', 'low_quality', 'failed')`,
      [ids],
    );
    return row.n;
  }

  /** Waits until every one of `ids` is final, or `limitMs` passed (a safety limit: callers assert the states). */
  async waitFinal(ids: string[], limitMs: number, onTick?: () => Promise<void>): Promise<number> {
    const deadline = Date.now() + limitMs;
    let done = await this.finalCount(ids);
    while (done < ids.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      await onTick?.();
      done = await this.finalCount(ids);
    }
    return done;
  }

  /**
   * The final tables for these questions: per question, its rows in `answers` and in
   * `failed_questions` (each should be exactly one row in one of them).
   */
  async finalRows(ids: string[]): Promise<{ answers: Map<string, number>; failed: Map<string, number> }> {
    const count = async (table: string) =>
      new Map(
        (
          await this.sql<{ id: string; n: number }>(
            `SELECT question_id AS id, count(*)::integer AS n FROM ${table} WHERE question_id = ANY($1::uuid[]) GROUP BY question_id`,
            [ids],
          )
        ).map((r) => [r.id, r.n]),
      );
    return { answers: await count('answers'), failed: await count('failed_questions') };
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.processes.map((p) => p.kill()));
    await Promise.allSettled(this.simulators.map((s) => s.stop()));
    if (this.nc) {
      // The streams of this prefix (questions, their dead letters, ingestion) are this test's own.
      const jsm = await jetstreamManager(this.nc).catch(() => undefined);
      if (jsm) {
        for await (const name of jsm.streams.names()) if (name.startsWith(`${this.prefix}_`)) await jsm.streams.delete(name).catch(() => undefined);
      }
      await this.nc.close();
    }
    await this.pool?.end();
    await this.db?.drop();
    for (const dir of this.dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}
