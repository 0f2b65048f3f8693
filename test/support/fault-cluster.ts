import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { CHAT_MODEL } from './chat-config.js';
import { tempDataDir, uniqueSubjectPrefix } from './config.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { call } from './http.js';
import { OwnNatsServer } from './nats-server.js';
import { OllamaSimulator, type OllamaSimulatorOptions } from './ollama-simulator.mjs';
import { POSTGRES_ADMIN_URL } from './services.js';
import { TcpProxy } from './tcp-proxy.js';
import { freePort, TarsProcess } from './tars-process.js';
import { hashingEmbeddingsEnv } from './node-env.mjs';

/** Time limits of a fault cluster: short, so that faults are noticed (and recovered from) within a test. */
export const FAULT_TIMINGS = {
  heartbeatIntervalMs: 500,
  suspectAfterMs: 1500,
  downAfterMs: 3000,
  /** Ingestion jobs of a killed worker are delivered again after this. */
  ingestAckWaitMs: 3000,
  questionAckWaitMs: 5000,
  requestTimeoutMs: 3000,
} as const;

export interface FaultClusterOptions {
  /** Settings of the Ollama simulator that every inference node talks to. */
  sim?: OllamaSimulatorOptions;
  /** Environment of every node (after the cluster's own). */
  env?: Record<string, string>;
}

/** Polls `probe` until `done` holds or `timeoutMs` passed; returns the last value (callers assert on it). */
export async function waitUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, everyMs));
    value = await probe();
  }
  return value;
}

/**
 * A TARS cluster on loopback that a test may hurt: its own `nats-server` (JetStream, own store,
 * restartable on the same port), a TCP proxy in front of a fresh PostgreSQL database that can be
 * cut and restored, one Ollama simulator, and `tars serve` processes started, killed and restarted
 * by name with the roles they are given. `dispose()` removes all of it, also after a failed test.
 */
export class FaultCluster {
  readonly prefix = uniqueSubjectPrefix();
  nats!: OwnNatsServer;
  proxy!: TcpProxy;
  db!: TestDatabase;
  sim!: OllamaSimulator;
  /** Straight to the database (not through the proxy): what the test reads stays readable during a cut. */
  pool!: pg.Pool;
  private readonly nodes = new Map<string, TarsProcess>();
  private readonly dataDirs: string[] = [];

  private constructor(private readonly options: FaultClusterOptions) {}

  static async start(options: FaultClusterOptions = {}): Promise<FaultCluster> {
    const cluster = new FaultCluster(options);
    try {
      const target = new URL(POSTGRES_ADMIN_URL);
      [cluster.nats, cluster.proxy, cluster.db, cluster.sim] = await Promise.all([
        OwnNatsServer.start(),
        TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) }),
        createTestDatabase('faults'),
        OllamaSimulator.start({ parallel: 8, ...options.sim }),
      ]);
      cluster.pool = new pg.Pool({ connectionString: cluster.db.url, max: 3 });
    } catch (err) {
      await cluster.dispose();
      throw err;
    }
    return cluster;
  }

  /** The database URL the nodes use: through the proxy. */
  get databaseUrl(): string {
    const url = new URL(this.db.url);
    url.host = `127.0.0.1:${this.proxy.port}`;
    return url.toString();
  }

  private commonEnv(): Record<string, string> {
    const t = FAULT_TIMINGS;
    return {
      DATABASE_URL: this.databaseUrl,
      NATS_URL: this.nats.url,
      TARS_NATS_SUBJECT_PREFIX: this.prefix,
      TARS_NATS_REQUEST_TIMEOUT_MS: String(t.requestTimeoutMs),
      TARS_DATABASE_HEALTH_TIMEOUT_MS: '2000',
      TARS_HEALTH_CHECK_TIMEOUT_MS: '2500',
      TARS_AUTH_RATE_LIMIT_ENABLED: 'false',
      ...hashingEmbeddingsEnv(),
      TARS_INFERENCE_BACKENDS: JSON.stringify([
        { id: 'ollama', kind: 'ollama', host: this.sim.url, model: CHAT_MODEL, maxConcurrent: 8, firstTokenTimeoutMs: 20_000, idleTimeoutMs: 10_000 },
      ]),
      TARS_INFERENCE_PROBE_INTERVAL_MS: '300',
      TARS_ORCHESTRATOR_REWRITE_MODE: 'concat',
      TARS_PROCESSING_QUEUE_ACK_WAIT_MS: String(t.ingestAckWaitMs),
      TARS_PROCESSING_QUEUE_MAX_DELIVER: '20',
      TARS_PROCESSING_CHUNKING_CHUNK_TOKENS: '64',
      TARS_PROCESSING_CHUNKING_OVERLAP_TOKENS: '8',
      TARS_QUESTIONS_QUEUE_ACK_WAIT_MS: String(t.questionAckWaitMs),
      TARS_QUESTIONS_SCORE_THRESHOLD: '0',
      TARS_QUESTIONS_RETRY_OVERLOAD_BASE_MS: '500',
      TARS_QUESTIONS_RETRY_OVERLOAD_MAX_RETRIES: '10',
      TARS_MONITORING_HEARTBEAT_INTERVAL_MS: String(t.heartbeatIntervalMs),
      TARS_MONITORING_SUSPECT_AFTER_MS: String(t.suspectAfterMs),
      TARS_MONITORING_DOWN_AFTER_MS: String(t.downAfterMs),
      TARS_JOBS_ENABLED: 'false',
      ...this.options.env,
    };
  }

  /** Starts `tars serve` as node `name` with these roles (a preset or a module list); waits until it is ready. */
  async startNode(name: string, roles: string, env: Record<string, string> = {}): Promise<TarsProcess> {
    if (this.nodes.has(name)) throw new Error(`node ${name} exists already: restart it instead`);
    const dir = tempDataDir(`fault-${name}`);
    this.dataDirs.push(dir);
    const node = new TarsProcess(name, await freePort(), { ...this.commonEnv(), TARS_ROLES: roles, ...env, TARS_DATA_DIR: dir });
    this.nodes.set(name, node);
    await node.start(90_000);
    return node;
  }

  node(name: string): TarsProcess {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  /** The admin key that an API node created on its first start (the database is fresh). */
  adminKey(name: string): string {
    return readFileSync(join(this.node(name).env.TARS_DATA_DIR, 'admin.key'), 'utf8').trim();
  }

  /** SIGKILL: no goodbye, nothing acknowledged, nothing flushed. */
  killNode(name: string): Promise<void> {
    return this.node(name).kill();
  }

  /** SIGTERM: a graceful stop. */
  stopNode(name: string): Promise<void> {
    return this.node(name).stop();
  }

  /** Starts a stopped or killed node again with the same port, roles and data folder. */
  async restartNode(name: string): Promise<TarsProcess> {
    const node = this.node(name);
    if (node.running) await node.stop();
    await node.start(90_000);
    return node;
  }

  running(): TarsProcess[] {
    return [...this.nodes.values()].filter((n) => n.running);
  }

  /** Stops the NATS server (SIGKILL), waits `downMs`, starts it again on the same port with the same store. */
  async restartNats(downMs: number): Promise<void> {
    await this.nats.stop();
    await new Promise((r) => setTimeout(r, downMs));
    await this.nats.start();
  }

  /** Waits until every running node answers /health/ready with 200 (an LLM check aside, see TarsProcess). */
  async waitAllReady(timeoutMs: number): Promise<void> {
    await Promise.all(this.running().map((n) => n.waitUntilReady(timeoutMs)));
  }

  /** GET /health/ready of a node: its status and body. */
  async readiness(name: string) {
    return call(this.node(name).url, 'GET', '/health/ready', { timeoutMs: 10_000 });
  }

  async sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(text, params)).rows as T[];
  }

  /** The last part of every node's output, for the message of a failed assertion. */
  diagnostics(chars = 3000): string {
    return [...this.nodes.values()].map((n) => `--- ${n.name} (${n.running ? 'running' : 'stopped'})\n${n.output.slice(-chars)}`).join('\n');
  }

  /** Kills every node and removes everything the cluster created; safe to call after a partial start. */
  async dispose(): Promise<void> {
    await Promise.allSettled([...this.nodes.values()].map((n) => n.kill()));
    await Promise.allSettled([this.sim?.stop(), this.proxy?.close(), this.nats?.dispose(), this.pool?.end()]);
    await this.db?.drop().catch(() => undefined);
    for (const dir of this.dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}
