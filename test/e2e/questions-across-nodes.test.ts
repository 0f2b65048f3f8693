import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, QuestionCluster, type TestQuestion, testQuestion, type Worker } from '../support/question-cluster.js';

/**
 * Issue 5, point 2: questions flow through a JetStream stream and its durable consumer, shared by
 * worker processes. Node A (api, memory, processing) takes the submissions; workers W1 and W2
 * (orchestrator + inference, each with its own Ollama simulator) answer them. A worker killed
 * (SIGKILL) while it generates: its questions are delivered again after ackWait and each ends once
 * in the final tables (`answers` or `failed_questions`, read from PostgreSQL). Also: submitting when
 * the stream has no consumer, malformed messages (dead-letter stream), duplicate message ids.
 */
const ACK_WAIT_MS = 3000;
/** Generations take about 1.5 s (ttft 300 ms, ~14 tokens at 10/s), so that a kill finds some in flight. */
const SLOW = { ttftMs: 300, tokensPerSecond: 10 };

describe('the question pipeline across processes (JetStream)', () => {
  const cluster = new QuestionCluster({ ackWaitMs: ACK_WAIT_MS, concurrency: 3, overloadBaseMs: 50, quotaDelayMs: 100 });
  let w1: Worker;
  let w2: Worker;

  beforeAll(async () => {
    await cluster.start();
    [w1, w2] = await Promise.all([cluster.startWorker('w1', SLOW), cluster.startWorker('w2', SLOW)]);
  });
  afterAll(() => cluster.stop());

  /** Questions whose simulated answer is their reference (they validate). */
  function questions(count: number): TestQuestion[] {
    return Array.from({ length: count }, (_, i) => {
      const q = testQuestion(i);
      cluster.replies.set(q.code, q.reference);
      return q;
    });
  }

  async function submitOneByOne(qs: TestQuestion[]): Promise<string[]> {
    const ids: string[] = [];
    for (const q of qs) {
      const res = await cluster.submit([{ question: q.question, reference: q.reference }]);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body.questions[0]).toMatchObject({ state: 'pending', cached: false, duplicate: false });
      ids.push(res.body.questions[0].id);
    }
    return ids;
  }

  function diagnostics(): string {
    return cluster.workers.map((w) => `--- ${w.name}\n${w.process.output.slice(-4000)}`).join('\n');
  }

  /** Every question final, and exactly one row per question in answers or failed_questions (never both, none missing). */
  async function expectFinalOnce(ids: string[]): Promise<void> {
    const finished = await cluster.waitFinal(ids, 60_000);
    expect(finished, diagnostics()).toBe(ids.length);
    const { answers, failed } = await cluster.finalRows(ids);
    for (const id of ids) {
      expect({ id, rows: (answers.get(id) ?? 0) + (failed.get(id) ?? 0) }).toEqual({ id, rows: 1 });
      expect(answers.has(id) && failed.has(id)).toBe(false);
    }
    const [{ total }] = await cluster.sql<{ total: number }>(
      `SELECT (SELECT count(*) FROM answers WHERE question_id = ANY($1::uuid[])) + (SELECT count(*) FROM failed_questions WHERE question_id = ANY($1::uuid[])) AS total`,
      [ids],
    );
    expect(Number(total)).toBe(ids.length);
  }

  it('creates the stream and its consumer at start; a submission is stored, then published, then answered', async () => {
    const jsm = await jetstreamManager(cluster.nc);
    const { stream, consumer, subject } = cluster.names;
    const info = await jsm.streams.info(stream);
    expect(info.config).toMatchObject({ subjects: [subject], retention: 'workqueue', storage: 'file' });
    expect((await jsm.consumers.info(stream, consumer)).config).toMatchObject({ ack_policy: 'explicit', ack_wait: ACK_WAIT_MS * 1_000_000 });

    const [id] = await submitOneByOne(questions(1));
    const [row] = await cluster.sql<{ state: string }>('SELECT state FROM questions WHERE id = $1', [id]);
    expect(row).toBeDefined(); // stored before the 202
    await expectFinalOnce([id]);
    expect((await cluster.sql('SELECT state FROM questions WHERE id = $1', [id]))[0]).toEqual({ state: 'validated' });
  });

  it('accepts submissions while the stream has no consumer, and the workers create it again and answer them', async () => {
    const jsm = await jetstreamManager(cluster.nc);
    const { stream, consumer } = cluster.names;
    await jsm.consumers.delete(stream, consumer);
    await expect(jsm.consumers.info(stream, consumer)).rejects.toThrow(/consumer not found/);
    // Publishing needs the stream only: the questions wait in it for a consumer.
    const ids = await submitOneByOne(questions(2));
    await expectFinalOnce(ids);
    const again = await jsm.consumers.info(stream, consumer);
    expect(again.config).toMatchObject({ durable_name: consumer, ack_policy: 'explicit', ack_wait: ACK_WAIT_MS * 1_000_000 });
  });

  it('moves malformed messages to the dead-letter stream, and the workers keep going', async () => {
    const js = jetstream(cluster.nc);
    const jsm = await jetstreamManager(cluster.nc);
    const { subject, dead } = cluster.names;
    const before = (await jsm.streams.info(dead)).state.last_seq;
    await js.publish(subject, 'this is not JSON');
    await js.publish(subject, JSON.stringify({ questionId: 'not-a-uuid', generation: 1 }));
    await js.publish(subject, JSON.stringify({ questionId: randomUUID(), generation: 0 }));

    const deadline = Date.now() + 20_000;
    while ((await jsm.streams.info(dead)).state.last_seq < before + 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const letters = await Promise.all([1, 2, 3].map(async (n) => (await jsm.streams.getMessage(dead, { seq: before + n }))!.json<Record<string, unknown>>()));
    const reasons = letters.map((l) => String(l.reason));
    expect(reasons).toHaveLength(3);
    expect(reasons).toEqual(
      expect.arrayContaining([expect.stringMatching(/^not JSON/), expect.stringMatching(/questionId/), expect.stringMatching(/generation/)]),
    );
    expect(letters.map((l) => l.data)).toEqual(expect.arrayContaining(['this is not JSON']));
    expect(letters.every((l) => l.stream === 'questions' && typeof l.at === 'string')).toBe(true);

    await expectFinalOnce(await submitOneByOne(questions(2)));
  });

  it('suppresses a duplicate publish of a message id within the window: the question is worked on once', async () => {
    const js = jetstream(cluster.nc);
    const { subject } = cluster.names;
    const [id] = await submitOneByOne(questions(1));
    // The pipeline published `<id>:1`; the same id again is acknowledged as a duplicate and not stored.
    const again = await js.publish(subject, JSON.stringify({ questionId: id, generation: 1 }), { msgID: `${id}:1` });
    expect(again.duplicate).toBe(true);
    const fresh = `test-${randomUUID()}`;
    const first = await js.publish(subject, JSON.stringify({ questionId: randomUUID(), generation: 1 }), { msgID: fresh });
    const second = await js.publish(subject, JSON.stringify({ questionId: randomUUID(), generation: 1 }), { msgID: fresh });
    expect([first.duplicate, second.duplicate, second.seq]).toEqual([false, true, first.seq]);

    await expectFinalOnce([id]);
    const attempts = await cluster.sql('SELECT generation, try, outcome FROM question_attempts WHERE question_id = $1', [id]);
    expect(attempts).toEqual([{ generation: 1, try: 1, outcome: 'answered' }]);
    const [{ n }] = await cluster.sql<{ n: number }>(
      `SELECT count(*)::integer AS n FROM question_events WHERE question_id = $1 AND state = 'generating'`,
      [id],
    );
    expect(n).toBe(1);
  });

  it('queues again a question stored but never queued (its node died in between) when the client submits it again', async () => {
    // What a node killed between the database commit and the JetStream publish leaves behind: a pending
    // question that no message points to; its client got no answer and retries with the same key.
    const [q] = questions(1);
    const id = randomUUID();
    const idempotencyKey = `retry-${randomUUID()}`;
    await cluster.sql(
      `INSERT INTO questions (id, text, normalized_hash, reference, idempotency_key, state) VALUES ($1, $2, md5($2), $3, $4, 'pending')`,
      [id, q.question, q.reference, idempotencyKey],
    );
    await cluster.sql(`INSERT INTO question_events (question_id, state, detail) VALUES ($1, 'pending', 'submitted')`, [id]);
    const res = await cluster.submit([{ question: q.question, reference: q.reference, idempotencyKey }]);
    expect(res.status).toBe(202);
    expect(res.body.questions[0]).toMatchObject({ id, duplicate: true });
    await expectFinalOnce([id]);
  });

  it('a worker killed while it generates: its questions are delivered again and each ends once in the final tables', async () => {
    const qs = questions(12);
    const byCode = new Map(qs.map((q) => [q.code, q]));
    const ids = await submitOneByOne(qs);
    const idOf = new Map(qs.map((q, i) => [q.code, ids[i]]));

    // Killed while it holds questions: some of its generations are in flight at the simulated LLM.
    const deadline = Date.now() + 30_000;
    while (w1.sim.activeCount === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const inFlight = w1.sim.activeCount;
    expect(inFlight, diagnostics()).toBeGreaterThan(0);
    await w1.process.kill();
    // Its connections closed: the generations it had in flight are seen aborted by its simulator.
    const gone = Date.now() + 10_000;
    while (w1.sim.activeCount > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    const killedCodes = w1.sim.abortedRequests.map((a) => codeOf(a.request)!).filter((c) => byCode.has(c));
    expect(killedCodes.length).toBeGreaterThan(0);

    await expectFinalOnce(ids);
    for (const code of killedCodes) {
      const id = idOf.get(code)!;
      // Delivered again, to W2 (the only worker left), which generated it from the start.
      expect(w2.sim.received.some((r) => r.path === '/api/chat' && codeOf(r) === code)).toBe(true);
      const [row] = await cluster.sql('SELECT state FROM questions WHERE id = $1', [id]);
      expect(row).toEqual({ state: 'validated' });
      const attempts = await cluster.sql('SELECT generation, try, outcome FROM question_attempts WHERE question_id = $1', [id]);
      expect(attempts).toEqual([{ generation: 1, try: 1, outcome: 'answered' }]);
      const [{ n }] = await cluster.sql<{ n: number }>(
        `SELECT count(*)::integer AS n FROM question_events WHERE question_id = $1 AND state = 'generating'`,
        [id],
      );
      expect(n).toBe(2); // once on W1 (killed), once on W2
    }
    expect(w2.process.running).toBe(true);
  });
});
