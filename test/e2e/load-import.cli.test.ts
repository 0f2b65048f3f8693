import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from '../../src/cli/load/load-report.js';
import { CHAT_MODEL } from '../support/chat-config.js';
import { tempDataDir, uniqueSubjectPrefix } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { OllamaSimulator, type SimulatorRequest } from '../support/ollama-simulator.mjs';
import { NATS_URL } from '../support/services.js';
import { runCli, TarsProcess } from '../support/tars-process.js';
import { hashingEmbeddingsEnv } from '../support/node-env.mjs';

/**
 * Issue 5, points 6 and 7: `tars load` replays a question file against a real node (PostgreSQL,
 * the JetStream question queue, the Ollama simulator as LLM) and reports what happened; `tars
 * import answers` loads a baseline of old answers through the API, once.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are inspected field by field
type Json = any;
type Report = LoadReport & { file: string; url: string; settings: Json };

/** The simulated LLM answers a question holding one of these words with its reference (so that it validates). */
const replies = new Map<string, string>();
const letters = (i: number) => 'abcdefghijklmnop'[i];

function scriptedReply(request: SimulatorRequest): string | undefined {
  const messages = (request.body as { messages?: { content: string }[] }).messages ?? [];
  const last = messages.at(-1)?.content ?? '';
  for (const [word, reply] of replies) if (last.includes(word)) return reply;
  return undefined;
}

/** A question with a reference the LLM will give word for word. */
function referenced(word: string): { question: string; reference: string } {
  const reference = `The ${word} is kept in the blue cupboard next to the kitchen door.`;
  replies.set(word, reference);
  return { question: `Where is the ${word} kept?`, reference };
}

/** A question without a reference: scored for relevance, possibly regenerated. */
const open = (word: string) => ({ question: `Tell me something about the ${word} garden.` });

describe('tars load and tars import answers against a node', () => {
  let db: TestDatabase;
  let sim: OllamaSimulator;
  let node: TarsProcess;
  let dir: string;
  let adminKey: string;
  let cliEnv: Record<string, string>;

  const file = (name: string, lines: (object | string)[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
    return path;
  };
  const tars = (args: string[], env: Record<string, string> = {}) => runCli(args, { ...cliEnv, ...env }, 120_000);
  const stats = async (): Promise<Json> => {
    const res = await call(node.url, 'GET', '/questions/stats', { key: adminKey });
    expect(res.status).toBe(200);
    return res.body;
  };
  /** Questions per state that appeared between two stats. */
  const statesAdded = (before: Json, after: Json) =>
    Object.fromEntries(
      Object.entries(after.states as Record<string, number>)
        .map(([state, n]) => [state, n - (before.states[state] ?? 0)])
        .filter(([, n]) => n !== 0),
    );
  const overloads = (s: Json) => (s.errors as { errorType: string; count: number }[]).find((e) => e.errorType === 'overload')?.count ?? 0;

  async function load(args: string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
    const result = await tars(['load', ...args, '--json', '--poll-ms', '100']);
    let report: Report;
    try {
      report = JSON.parse(result.stdout) as Report;
    } catch {
      throw new Error(`tars load printed no JSON report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
    }
    return { code: result.code, report, stderr: result.stderr };
  }

  beforeAll(async () => {
    db = await createTestDatabase('e2e_load');
    sim = await OllamaSimulator.start({ tokensPerSecond: 0, parallel: 4, reply: scriptedReply });
    dir = tempDataDir('tars-load');
    node = await TarsProcess.start('load-cli', {
      DATABASE_URL: db.url,
      NATS_URL,
      TARS_NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(),
      TARS_DATA_DIR: join(dir, 'data'),
      TARS_AUTH_RATE_LIMIT_ENABLED: 'false',
      ...hashingEmbeddingsEnv(),
      TARS_INFERENCE_BACKENDS: JSON.stringify([{ id: 'ollama', kind: 'ollama', host: sim.url, model: CHAT_MODEL, maxConcurrent: 4 }]),
      TARS_ORCHESTRATOR_REWRITE_MODE: 'concat',
      TARS_QUESTIONS_RETRY_OVERLOAD_BASE_MS: '50',
      TARS_QUESTIONS_RETRY_QUOTA_DELAY_MS: '100',
    });
    adminKey = readFileSync(join(dir, 'data', 'admin.key'), 'utf8').trim();
    cliEnv = {
      TARS_URL: node.url,
      TARS_API_KEY: adminKey,
      TARS_CONFIG: '',
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_STATE_HOME: join(dir, 'state'),
    };
  });

  afterAll(async () => {
    await node?.kill();
    await sim?.stop();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('tars load', () => {
    // Three questions with a reference first (they validate, and serve the cache run below), then a mix.
    const twelve = () => {
      const withReference = Array.from({ length: 6 }, (_, i) => referenced(`zqref${letters(i)}`));
      const without = Array.from({ length: 6 }, (_, i) => open(`zqopen${letters(i)}`));
      return [
        '# twelve questions, half with a reference',
        withReference[0],
        withReference[1],
        withReference[2],
        '',
        without[0],
        withReference[3],
        without[1],
        withReference[4],
        without[2],
        withReference[5],
        without[3],
        without[4],
        without[5],
      ];
    };
    let twelvePath: string;

    it('replays a file at a concurrency, waits until every question is final, and reports counts that add up', async () => {
      twelvePath = file('twelve.jsonl', twelve());
      const before = await stats();
      const { code, report, stderr } = await load([twelvePath, '--concurrency', '4']);
      expect(code, stderr).toBe(0);

      expect(report.file).toBe(twelvePath);
      expect(report.url).toBe(node.url);
      expect(report.settings).toMatchObject({ pace: { kind: 'concurrency', limit: 4 }, batch: 1, repeat: 1, pollMs: 100 });
      expect(report.questions).toEqual({
        planned: 12,
        submitted: 12,
        accepted: 12,
        cached: 0,
        duplicates: 0,
        rejected: 0,
        notSubmitted: 0,
        final: 12,
        unfinished: 0,
      });
      expect(report.rejections).toEqual([]);
      expect(report.stoppedBy).toBeNull();

      // The states it reports are those the node counts for the questions it received.
      const after = await stats();
      expect(report.states).toEqual(statesAdded(before, after));
      expect(Object.values(report.states).reduce((a, b) => a + b, 0)).toBe(12);
      expect(report.states.validated).toBeGreaterThanOrEqual(6);
      expect(Object.keys(report.states).every((s) => ['validated', 'low_quality', 'failed'].includes(s))).toBe(true);
      expect(report.regenerations.questions).toBe(after.regenerations.regenerated - before.regenerations.regenerated);
      expect(report.errors).toEqual({ byType: {}, questionsRetried: 0, failedByType: {} });

      for (const summary of [report.timeToAcceptedMs!, report.timeToFinalMs!]) {
        expect(summary.count).toBe(12);
        expect(summary.p50).toBeLessThanOrEqual(summary.p95);
        expect(summary.p95).toBeLessThanOrEqual(summary.p99);
        expect(summary.p99).toBeLessThanOrEqual(summary.max);
      }
      expect(report.timeToFinalMs!.p50).toBeGreaterThanOrEqual(report.timeToAcceptedMs!.p50);
      expect(report.durationMs).toBeGreaterThan(0);
      expect(report.throughput!.perSecond).toBeCloseTo((12 * 1000) / report.durationMs!, 2);
      expect(report.throughput!.perMinute).toBeCloseTo(report.throughput!.perSecond * 60, 0);

      // Never more than 4 in flight: the node's own lifetimes of these questions never overlap by more than 4.
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ created_at: Date; finished_at: Date }>(
          "SELECT created_at, finished_at FROM questions WHERE text LIKE '%zqref%' OR text LIKE '%zqopen%'",
        );
        expect(rows).toHaveLength(12);
        const events = rows.flatMap((r) => [
          [r.created_at.getTime(), 1],
          [r.finished_at.getTime(), -1],
        ]);
        events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        let open = 0;
        let most = 0;
        for (const [, change] of events) most = Math.max(most, (open += change));
        expect(most).toBeLessThanOrEqual(4);
      } finally {
        await client.end();
      }
    });

    it('counts questions answered from the cache (200) at a rate, and prints tables', async () => {
      const result = await tars(['load', twelvePath, '--limit', '3', '--rate', '20', '--poll-ms', '100']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`Replayed ${twelvePath} against ${node.url} (20 questions/s, 1 per request)`);
      expect(result.stdout).toMatch(/^submitted\s+3$/m);
      expect(result.stdout).toMatch(/^accepted \(202\)\s+0$/m);
      expect(result.stdout).toMatch(/^cached \(200\)\s+3$/m);
      expect(result.stdout).toMatch(/^final\s+3$/m);
      expect(result.stdout).toMatch(/^validated\s+3$/m);
      expect(result.stdout).toMatch(/^time to accepted\s+3\s+\S+ m?s/m);
      expect(result.stdout).toMatch(/^time to final\s+3\s+/m);
      expect(result.stdout).toContain('Errors: none');
    });

    it('reports the LLM overloads it met as the error mix, and still ends with every question final', async () => {
      const busy = Array.from({ length: 4 }, (_, i) => referenced(`zqbusy${letters(i)}`));
      const path = file('busy.jsonl', busy);
      const before = await stats();
      sim.reset();
      sim.inject({ kind: 'status', status: 503, path: '/api/chat' }, 3);
      const { code, report, stderr } = await load([path, '--concurrency', '4', '--batch', '2']);
      expect(code, stderr).toBe(0);
      expect(report.questions).toMatchObject({ submitted: 4, accepted: 4, final: 4, unfinished: 0, rejected: 0 });
      expect(report.states).toEqual({ validated: 4 });
      expect(report.errors.byType).toEqual({ overload: 3 });
      expect(report.errors.questionsRetried).toBeGreaterThanOrEqual(1);
      expect(report.errors.questionsRetried).toBeLessThanOrEqual(3);
      expect(report.errors.failedByType).toEqual({});
      expect(overloads(await stats()) - overloads(before)).toBe(3);
    });

    it('refuses a file with bad lines, naming each, before sending anything', async () => {
      const path = file('bad.jsonl', [{ question: 'Fine zqbad?' }, '{"question": ', { question: '' }, { reference: 'no question' }]);
      const before = await stats();
      const result = await tars(['load', path]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`tars: ${path}: 3 bad lines`);
      expect(result.stderr).toMatch(/^ {2}line 2: not JSON/m);
      expect(result.stderr).toMatch(/^ {2}line 3: question must not be empty$/m);
      expect(result.stderr).toMatch(/^ {2}line 4: question is missing$/m);
      expect(await stats()).toEqual(before);
    });

    it('stops at once, with exit code 1, when the node refuses the key', async () => {
      const result = await tars(['load', twelvePath, '--api-key', 'tars_wrong']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^tars: the node refused the key \(401 /m);
    });
  });

  describe('tars import answers', () => {
    const baseline = [
      '# answers of the assistant we used before',
      { question: 'What is the capital of zqimport Australia?', answer: 'Canberra.', score: 0.95, askedAt: '2024-03-01T09:00:00Z', answeredAt: '2024-03-01T09:00:02Z' },
      { question: 'How many legs does a zqimport spider have?', answer: 'Eight.', score: 0.9 },
      { question: 'Who wrote zqimport Hamlet?', answer: 'William Shakespeare.' },
      '',
      { question: 'What is zqimport 12 times 12?', answer: '144.', score: 0.4, answeredAt: '2024-03-02T10:00:00Z' },
      { question: 'Which ocean is the largest, zqimport?', answer: 'The Pacific Ocean.', score: 1 },
    ];

    it('refuses a file with a bad line and imports nothing from it', async () => {
      const path = file('bad-answers.jsonl', [baseline[1], { question: 'No answer zqimport?' }, { question: 'Score?', answer: 'x', score: 2 }]);
      const result = await tars(['import', 'answers', path]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`tars: ${path}: 2 bad lines, nothing imported (--skip-invalid imports the others)`);
      expect(result.stderr).toMatch(/^ {2}line 2: answer is missing$/m);
      expect(result.stderr).toMatch(/^ {2}line 3: score must not be greater than 1$/m);
      expect((await stats()).answersBySource.import ?? 0).toBe(0);
    });

    it('imports a baseline once: a second run skips every answer, and the statistics count them as imported', async () => {
      const path = file('baseline.jsonl', baseline);
      const first = await tars(['import', 'answers', path, '--json', '--batch', '2']);
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toEqual({ file: path, imported: 5, skipped: 0, batches: 3, invalid: [] });

      const second = await tars(['import', 'answers', path]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout.trim()).toBe(`Imported 0 answers from ${path}; 5 skipped (imported before), in 1 batch.`);
      expect((await stats()).answersBySource.import).toBe(5);
    });

    it('with --skip-invalid imports the good lines and lists the others', async () => {
      const path = file('mixed.jsonl', [baseline[1], { question: 'Is zqimport new?', answer: 'Yes.' }, { question: 'zqimport broken?' }]);
      const result = await tars(['import', 'answers', path, '--skip-invalid']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`Imported 1 answer from ${path}; 1 skipped (imported before), in 1 batch.`);
      expect(result.stdout).toMatch(/^1 invalid line left out:\n {2}line 3: answer is missing$/m);
      expect((await stats()).answersBySource.import).toBe(6);
    });

    it('needs a key with the admin scope', async () => {
      const created = await call(node.url, 'POST', '/keys', { key: adminKey, body: { name: 'reader', scopes: ['read', 'write'] } });
      expect(created.status).toBe(201);
      const path = file('one.jsonl', [{ question: 'Is zqimport refused?', answer: 'Yes.' }]);
      const result = await tars(['import', 'answers', path, '--api-key', created.body.key]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/batch 1 of 1 \(lines 1–1\) was not imported: 403 .*\(importing needs a key with the admin scope\)/);
      expect((await stats()).answersBySource.import).toBe(6);
    });
  });

  describe('tars load with a time limit', () => {
    it('reports the questions not final when the time is up, and exits with 1', async () => {
      sim.ttftMs = 5000;
      const path = file('slow.jsonl', [open('zqslowa'), open('zqslowb')]);
      const { code, report } = await load([path, '--timeout', '300ms']);
      expect(code).toBe(1);
      expect(report.stoppedBy).toBe('timeout');
      expect(report.questions).toMatchObject({ planned: 2, submitted: 2, accepted: 2, final: 0, unfinished: 2 });
      expect(Object.values(report.states).reduce((a, b) => a + b, 0)).toBe(2);
      expect(Object.keys(report.states).some((s) => ['validated', 'low_quality', 'failed'].includes(s))).toBe(false);
      expect(report.timeToFinalMs).toBeNull();
    });
  });
});
