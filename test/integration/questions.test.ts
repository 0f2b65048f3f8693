import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startNode, type RunningNode } from '../../src/main.js';
import { QuestionsFacade } from '../../src/modules/orchestrator/questions/questions.facade.js';
import { chatTestConfig } from '../support/chat-config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { OllamaSimulator } from '../support/ollama-simulator.mjs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** What the simulated LLM answers, by a word of the question. */
const replies = new Map<string, string>();
const word = () => `qv${randomBytes(4).toString('hex').replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)])}`;

let database: TestDatabase;
let sim: OllamaSimulator;
let node: RunningNode;
let key: string;

beforeAll(async () => {
  database = await createTestDatabase('questions');
  sim = await OllamaSimulator.start({
    tokensPerSecond: 0,
    parallel: 4,
    reply: (request) => {
      const messages = (request.body as { messages?: { content: string }[] }).messages ?? [];
      const last = messages.at(-1)?.content ?? '';
      for (const [w, reply] of replies) if (last.includes(w)) return reply;
      return undefined;
    },
  });
  const config = chatTestConfig(sim.url, {
    DATABASE_URL: database.url,
    TARS_QUESTIONS_RETRY_OVERLOAD_BASE_MS: '50',
    TARS_QUESTIONS_RETRY_QUOTA_DELAY_MS: '100',
  });
  node = await startNode(config);
  key = readFileSync(join(config.dataDir, 'admin.key'), 'utf8').trim();
});
afterAll(async () => {
  await node?.close();
  await sim?.stop();
  await database?.drop();
});
beforeEach(() => sim.reset());

const submit = (questions: Json[]) => call(node.url, 'POST', '/questions', { key, body: { questions } });
const get = (id: string) => call(node.url, 'GET', `/questions/${id}`, { key });

async function final(id: string): Promise<Json> {
  let last: Json;
  await expect
    .poll(
      async () => {
        last = (await get(id)).body;
        return ['validated', 'low_quality', 'failed'].includes(last.state);
      },
      { timeout: 20_000, interval: 100 },
    )
    .toBe(true);
  return last;
}

describe('POST /questions and GET /questions/:id', () => {
  it('accepts a question (202), answers, scores against the reference and validates it, with its timeline', async () => {
    const w = word();
    replies.set(w, `The ${w} festival takes place every June in the old harbour.`);
    const res = await submit([{ question: `When is the ${w} festival?`, reference: `The ${w} festival takes place every June in the old harbour.` }]);
    expect(res.status).toBe(202);
    expect(res.body.questions).toEqual([{ id: expect.any(String), state: 'pending', cached: false, duplicate: false }]);

    const q = await final(res.body.questions[0].id);
    expect(q).toMatchObject({ state: 'validated', scoreMethod: 'bertscore_f1', answer: replies.get(w) });
    expect(q.score).toBeCloseTo(1, 5);
    expect(q.attempts).toEqual([expect.objectContaining({ generation: 1, try: 1, outcome: 'answered', scoreMethod: 'bertscore_f1' })]);
    expect(q.timeline.map((t: Json) => t.state)).toEqual(['pending', 'generating', 'scoring', 'validated']);
  });

  it('answers the same question at once (200) from a validated answer', async () => {
    const w = word();
    replies.set(w, `Answer about ${w}.`);
    const first = await submit([{ question: `What about ${w}?`, reference: `Answer about ${w}.` }]);
    await final(first.body.questions[0].id);
    const again = await submit([{ question: `  what ABOUT ${w}  ` }]);
    expect(again.status).toBe(200);
    expect(again.body.questions[0]).toMatchObject({ state: 'validated', cached: true, answer: `Answer about ${w}.` });
    expect((await get(again.body.questions[0].id)).body.state).toBe('validated');
  });

  it('regenerates a low-scoring answer at most 3 times, then keeps the best one as low_quality', async () => {
    const w = word();
    replies.set(w, `Bananas are yellow ${w}.`);
    const res = await submit([{ question: `Explain ${w} thermodynamics`, reference: 'Entropy of an isolated system never decreases over time.' }]);
    const q = await final(res.body.questions[0].id);
    expect(q.state).toBe('low_quality');
    expect(q.attempts.map((a: Json) => a.generation)).toEqual([1, 2, 3, 4]);
    expect(q.attempts.every((a: Json) => typeof a.score === 'number' && a.score < 0.75)).toBe(true);
    expect(q.answer).toBe(`Bananas are yellow ${w}.`);
    expect(q.timeline.filter((t: Json) => t.state === 'pending' && /regenerating/.test(t.detail ?? ''))).toHaveLength(3);
  });

  it('retries LLM overload with backoff and keeps every failed attempt', async () => {
    const w = word();
    replies.set(w, `Overload answer ${w}.`);
    sim.inject({ kind: 'status', status: 503, path: '/api/chat' }, 2);
    const res = await submit([{ question: `Overload ${w}?`, reference: `Overload answer ${w}.` }]);
    const q = await final(res.body.questions[0].id);
    expect(q.state).toBe('validated');
    expect(q.attempts.map((a: Json) => [a.try, a.outcome, a.errorType ?? null])).toEqual([
      [1, 'error', 'overload'],
      [2, 'error', 'overload'],
      [3, 'answered', null],
    ]);
    expect(q.timeline.filter((t: Json) => t.state === 'retrying')).toHaveLength(2);
  });

  it('retries a spent quota after the fixed delay', async () => {
    const w = word();
    replies.set(w, `Quota answer ${w}.`);
    sim.inject({ kind: 'status', status: 402, path: '/api/chat' }, 1);
    const q = await final((await submit([{ question: `Quota ${w}?`, reference: `Quota answer ${w}.` }])).body.questions[0].id);
    expect(q.attempts.map((a: Json) => a.errorType ?? a.outcome)).toEqual(['quota', 'answered']);
    expect(q.state).toBe('validated');
  });

  it('fails after 3 overload retries, with the whole history kept', async () => {
    sim.inject({ kind: 'status', status: 503, path: '/api/chat' }, 4);
    const q = await final((await submit([{ question: `Always busy ${word()}?` }])).body.questions[0].id);
    expect(q.state).toBe('failed');
    expect(q.failure).toMatch(/^overload:/);
    expect(q.attempts.map((a: Json) => a.errorType)).toEqual(['overload', 'overload', 'overload', 'overload']);
  });

  it('fails at once, with its reason, on an error that is not worth retrying', async () => {
    sim.inject({ kind: 'status', status: 400, body: { error: 'invalid options' }, path: '/api/chat' }, 1);
    const q = await final((await submit([{ question: `Bad request ${word()}?` }])).body.questions[0].id);
    expect(q.state).toBe('failed');
    expect(q.attempts).toHaveLength(1);
    expect(q.failure).toMatch(/^permanent: .*invalid options/);
  });

  it('returns the first question again for a repeated idempotency key', async () => {
    const idempotencyKey = randomUUID();
    const first = await submit([{ question: `Once ${word()}?`, idempotencyKey }]);
    const second = await submit([{ question: 'Something else entirely?', idempotencyKey }]);
    expect(second.body.questions[0]).toMatchObject({ id: first.body.questions[0].id, duplicate: true });
  });
});

describe('GET /questions', () => {
  const list = (query: string) => call(node.url, 'GET', `/questions${query}`, { key });

  /** Stores questions directly, dated in the future so that they lead the list (newest first). */
  async function insert(rows: { text: string; state: string; at: string }[]): Promise<string[]> {
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const ids: string[] = [];
      for (const row of rows) {
        const id = randomUUID();
        await db.query(
          `INSERT INTO questions (id, text, normalized_hash, state, created_at, updated_at) VALUES ($1, $2, 'x', $3, $4, $4)`,
          [id, row.text, row.state, row.at],
        );
        ids.push(id);
      }
      return ids;
    } finally {
      await db.end();
    }
  }

  it('lists a submitted question first, with its attempts and score', async () => {
    const w = word();
    replies.set(w, `Listed answer ${w}.`);
    const id = (await submit([{ question: `Listed ${w}?`, reference: `Listed answer ${w}.` }])).body.questions[0].id;
    const q = await final(id);
    const res = await list('?limit=1');
    expect(res.status).toBe(200);
    expect(res.body.questions).toEqual([
      { id, question: `Listed ${w}?`, truncated: false, state: 'validated', attempts: 1, score: q.score, createdAt: q.createdAt, updatedAt: q.updatedAt },
    ]);
    expect(res.body.total).toBeGreaterThan(1);
  });

  it('lists newest first, filters by state, pages with a total, and cuts long texts', async () => {
    const w = word();
    const [oldest, middle, newest] = await insert([
      { text: `${w} oldest ${'x'.repeat(300)}`, state: 'failed', at: '2101-01-01T00:00:00Z' },
      { text: `${w} middle`, state: 'low_quality', at: '2101-01-02T00:00:00Z' },
      { text: `${w} newest`, state: 'failed', at: '2101-01-03T00:00:00Z' },
    ]);
    const everything = await list('');
    expect(everything.body.questions.slice(0, 3).map((q: Json) => q.id)).toEqual([newest, middle, oldest]);
    const dates = everything.body.questions.map((q: Json) => q.createdAt);
    expect(dates).toEqual([...dates].sort().reverse());
    const long = everything.body.questions[2];
    expect(long).toMatchObject({ truncated: true, attempts: 0, state: 'failed' });
    expect(long.question).toHaveLength(200);
    expect(long).not.toHaveProperty('score');

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const counts = await db.query(`SELECT count(*)::integer AS "all", count(*) FILTER (WHERE state = 'failed')::integer AS failed FROM questions`);
    await db.end();
    expect(everything.body.total).toBe(counts.rows[0].all);

    const failed = await list('?state=failed&limit=200');
    expect(failed.body.questions.slice(0, 2).map((q: Json) => q.id)).toEqual([newest, oldest]);
    expect(failed.body.questions.every((q: Json) => q.state === 'failed')).toBe(true);
    expect(failed.body.total).toBe(counts.rows[0].failed);

    const page = await list('?limit=2&offset=1');
    expect(page.body.questions.map((q: Json) => q.id)).toEqual([middle, oldest]);
    expect(page.body.total).toBe(counts.rows[0].all);
    expect((await list(`?offset=${counts.rows[0].all}`)).body).toEqual({ questions: [], total: counts.rows[0].all });
  });

  it('refuses an unknown state, a limit outside 1-200 and a negative offset', async () => {
    for (const query of ['?state=done', '?limit=0', '?limit=201', '?limit=ten', '?offset=-1']) {
      const res = await list(query);
      expect(res.status, query).toBe(400);
    }
    expect((await list('?state=done')).body.message).toMatch(/state must be one of/);
  });
});

describe('lost work', () => {
  it('queues again a question that has not moved for far longer than any planned wait', async () => {
    const w = word();
    replies.set(w, `Swept answer ${w}.`);
    // A question whose message was lost: stored, pending, untouched for an hour, in no queue.
    const id = randomUUID();
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO questions (id, text, normalized_hash, reference, state, updated_at) VALUES ($1, $2, 'x', $3, 'pending', now() - interval '1 hour')`,
        [id, `Lost ${w}?`, `Swept answer ${w}.`],
      );
    } finally {
      await db.end();
    }
    expect(await node.app.get(QuestionsFacade).sweep()).toBeGreaterThanOrEqual(1);
    expect((await final(id)).state).toBe('validated');
  });
});

describe('bad input', () => {
  it('refuses empty questions, oversized batches, references of the wrong type, unknown ids', async () => {
    expect((await submit([{ question: '  ' }])).body).toMatchObject({ statusCode: 400, message: expect.stringMatching(/question must not be empty/) });
    expect((await submit([])).status).toBe(400);
    expect((await submit(Array.from({ length: 501 }, (_, i) => ({ question: `q${i}` })))).body.message).toMatch(/at most 500/);
    expect((await submit([{ question: 'ok?', reference: 42 }])).body.message).toMatch(/reference must be a string/);
    expect((await get(randomUUID())).status).toBe(404);
    expect((await get('not-a-uuid')).status).toBe(400);
  });
});

describe('statistics and import', () => {
  it('reports latency per stage, errors by type and regeneration outcomes', async () => {
    const stats = (await call(node.url, 'GET', '/questions/stats', { key })).body;
    const stages = stats.latencyByStage.map((s: Json) => s.stage);
    expect(stages).toEqual(expect.arrayContaining(['queue', 'generate', 'score', 'overhead']));
    for (const s of stats.latencyByStage) expect(s.p50).toBeLessThanOrEqual(s.p99);
    expect(stats.errors).toEqual(expect.arrayContaining([{ errorType: 'overload', count: expect.any(Number) }]));
    expect(stats.regenerations.regenerated).toBeGreaterThanOrEqual(1);
    expect(stats.regenerations.lowQuality).toBeGreaterThanOrEqual(1);
    expect(stats.states.validated).toBeGreaterThanOrEqual(1);
  });

  it('exports counters and histograms of the pipeline at /metrics', async () => {
    const text = String((await call(node.url, 'GET', '/metrics')).body);
    expect(text).toMatch(/^tars_question_stage_seconds_bucket\{le="[^"]+",node="test-node",stage="generate"\} \d+/m);
    expect(text).toMatch(/^tars_question_errors_total\{type="overload",node="test-node"\} [1-9]/m);
    expect(text).toMatch(/^tars_questions_total\{state="validated",node="test-node"\} [1-9]/m);
  });

  it('imports historical answers once, and they serve as cached answers', async () => {
    const w = word();
    const answers = [
      { question: `Imported ${w} one?`, answer: 'One.', score: 0.9, answeredAt: new Date().toISOString() },
      { question: `Imported ${w} two?`, answer: 'Two.' },
    ];
    expect((await call(node.url, 'POST', '/questions/import', { key, body: { answers } })).body).toEqual({ imported: 2, skipped: 0 });
    expect((await call(node.url, 'POST', '/questions/import', { key, body: { answers } })).body).toEqual({ imported: 0, skipped: 2 });
    const cached = await submit([{ question: `imported ${w} one` }]);
    expect(cached.body.questions[0]).toMatchObject({ cached: true, answer: 'One.' });
    expect((await call(node.url, 'GET', '/questions/stats', { key })).body.answersBySource.import).toBeGreaterThanOrEqual(2);
  });
});
