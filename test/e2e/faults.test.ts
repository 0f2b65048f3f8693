import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNodeDto, ClusterNodesDto } from '../../src/contracts/monitoring/cluster.dto.js';
import { FAULT_TIMINGS, FaultCluster, waitUntil } from '../support/fault-cluster.js';
import { call } from '../support/http.js';
import { codeWord } from '../support/question-cluster.js';
import { allEvents, postStream } from '../support/sse.js';
import type { TarsProcess } from '../support/tars-process.js';

/**
 * Issue 6, point 7: faults on a cluster of three `tars` processes on loopback — PC1 `cognitive`
 * (inference, memory, api), PC2 and PC3 `processing` (processing, orchestrator, monitoring; PC3 is
 * PC2's configuration under another name) — with a NATS server of their own that the test restarts,
 * and a PostgreSQL reached through a proxy that the test cuts.
 */

type Message = { role: string; content: string };
type DocumentRow = { id: string; status: string; chunk_count: number; attempts: number; items: number; distinct_chunks: number; vectors: number };

const uuidPattern = /document ([0-9a-f-]{36}) indexed/g;

describe('faults in a three-node cluster (PC1 cognitive; PC2 and PC3 processing)', () => {
  let cluster: FaultCluster;
  let pc1: TarsProcess;
  let key: string;

  beforeAll(async () => {
    cluster = await FaultCluster.start({ sim: { ttftMs: 20, tokensPerSecond: 200, replyTokens: 12 } });
    // PC1 first: its first start against the fresh database creates the admin key.
    pc1 = await cluster.startNode('pc1', 'cognitive');
    await Promise.all([cluster.startNode('pc2', 'processing'), cluster.startNode('pc3', 'processing')]);
    key = cluster.adminKey('pc1');
  }, 240_000);

  afterAll(() => cluster?.dispose(), 60_000);

  /** Queues `count` documents of unique text (`lines` lines each) through PC1, all at once; each must be accepted (202). */
  async function submitDocuments(count: number, lines: number): Promise<string[]> {
    const submit = async (i: number) => {
      const text = Array.from({ length: lines }, (_, j) => `Line ${j} of ${codeWord()}: the allotment shed, its water butt and the seed list.`).join('\n');
      const res = await call(pc1.url, 'POST', '/documents', { key, body: { text, filename: `notes-${i}.txt` } });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return res.body.document.id as string;
    };
    return Promise.all(Array.from({ length: count }, (_, i) => submit(i)));
  }

  async function documentRows(ids: string[]): Promise<DocumentRow[]> {
    return cluster.sql<DocumentRow>(
      `SELECT d.id, d.status, d.chunk_count, d.attempts,
              (SELECT count(*)::int FROM semantic_items i WHERE i.document_id = d.id) AS items,
              (SELECT count(DISTINCT i.chunk_index)::int FROM semantic_items i WHERE i.document_id = d.id) AS distinct_chunks,
              (SELECT count(*)::int FROM semantic_vectors v JOIN semantic_items i ON i.id = v.item_id WHERE i.document_id = d.id) AS vectors
         FROM documents d WHERE d.id = ANY($1::uuid[])`,
      [ids],
    );
  }

  async function countInState(ids: string[], states: string[]): Promise<number> {
    const [row] = await cluster.sql<{ n: number }>('SELECT count(*)::int AS n FROM documents WHERE id = ANY($1::uuid[]) AND status = ANY($2)', [ids, states]);
    return row.n;
  }

  /** Waits until every document is indexed or failed, then checks that each is indexed, its chunks stored once, one vector each. */
  async function expectIndexedOnce(ids: string[], timeoutMs: number): Promise<DocumentRow[]> {
    const finished = await waitUntil(() => countInState(ids, ['indexed', 'failed']), (n) => n === ids.length, timeoutMs, 250);
    expect(finished, cluster.diagnostics()).toBe(ids.length);
    const rows = await documentRows(ids);
    expect(rows).toHaveLength(ids.length);
    for (const row of rows) {
      expect(row.status, `${row.id}: ${JSON.stringify(row)}`).toBe('indexed');
      expect(row.chunk_count).toBeGreaterThan(0);
      expect(row, `${row.id}: chunks stored once, one vector each`).toMatchObject({ items: row.chunk_count, distinct_chunks: row.chunk_count, vectors: row.chunk_count });
    }
    return rows;
  }

  /** Ids of the documents a node's log says it indexed. */
  function indexedBy(name: string): Set<string> {
    return new Set([...cluster.node(name).output.matchAll(uuidPattern)].map((m) => m[1]));
  }

  async function ingestionJobsDone(node: TarsProcess): Promise<number> {
    const text = String((await call(node.url, 'GET', '/metrics')).body);
    return Number(/tars_ingestion_jobs_total\{outcome="done"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
  }

  /** A node as the cluster view (GET /cluster/nodes on PC1, answered by a monitoring node) shows it. */
  async function clusterNode(name: string): Promise<ClusterNodeDto | undefined> {
    const res = await call(pc1.url, 'GET', '/cluster/nodes', { key, timeoutMs: 10_000 });
    if (res.status !== 200) return undefined;
    return (res.body as ClusterNodesDto).nodes.find((n) => n.node === name);
  }

  it('(a) a third processing node, added by configuration alone, takes a share of the ingestion', async () => {
    const jobsBefore = await Promise.all(['pc2', 'pc3'].map((n) => ingestionJobsDone(cluster.node(n))));
    const ids = await submitDocuments(12, 150);
    await expectIndexedOnce(ids, 90_000);

    const byPc2 = ids.filter((id) => indexedBy('pc2').has(id));
    const byPc3 = ids.filter((id) => indexedBy('pc3').has(id));
    expect(byPc2.length, cluster.diagnostics()).toBeGreaterThan(0);
    expect(byPc3.length, cluster.diagnostics()).toBeGreaterThan(0);
    expect(byPc2.filter((id) => byPc3.includes(id))).toEqual([]);
    expect(byPc2.length + byPc3.length).toBe(ids.length);
    // Each node's own counter agrees with its log.
    const jobsAfter = await Promise.all(['pc2', 'pc3'].map((n) => ingestionJobsDone(cluster.node(n))));
    expect([jobsAfter[0] - jobsBefore[0], jobsAfter[1] - jobsBefore[1]]).toEqual([byPc2.length, byPc3.length]);
  });

  it('(b) a processing node killed mid-ingestion: every document indexed exactly once, and the cluster view marks it down', async () => {
    const up = await waitUntil(() => clusterNode('pc3'), (n) => n?.state === 'up', 15_000);
    expect(up, 'the cluster view shows PC3 before the fault').toMatchObject({ state: 'up', roles: expect.arrayContaining(['processing', 'orchestrator', 'monitoring']) });

    const ids = await submitDocuments(10, 400);
    // Each node works on one job at a time: two documents in progress means PC3 holds one of them.
    const busy = await waitUntil(() => countInState(ids, ['processing']), (n) => n >= 2, 60_000, 25);
    expect(busy, cluster.diagnostics()).toBe(2);
    await cluster.killNode('pc3');
    const indexedByPc3 = indexedBy('pc3');

    const down = await waitUntil(() => clusterNode('pc3'), (n) => n?.state === 'down', FAULT_TIMINGS.downAfterMs + 15_000, 250);
    expect(down, `PC3 down in the cluster view\n${cluster.diagnostics()}`).toMatchObject({ node: 'pc3', state: 'down' });
    expect((await clusterNode('pc2'))?.state).toBe('up');

    const rows = await expectIndexedOnce(ids, 120_000);
    // The job PC3 was running was delivered again, to PC2, and finished there.
    const rerun = rows.filter((r) => r.attempts >= 2).map((r) => r.id);
    expect(rerun.length, JSON.stringify(rows)).toBeGreaterThan(0);
    expect(rerun.every((id) => indexedBy('pc2').has(id) && !indexedByPc3.has(id))).toBe(true);

    // PC3 comes back with the same configuration and rejoins.
    await cluster.restartNode('pc3');
    const back = await waitUntil(() => clusterNode('pc3'), (n) => n?.state === 'up', 15_000);
    expect(back?.state).toBe('up');
  });

  it('(c) with PC2 and PC3 down, PC1 answers chat from its local model with the conversation, marked degraded', async () => {
    const code = codeWord();
    const first = await call(pc1.url, 'POST', '/chat/query', { key, body: { question: `My bike lock code is ${code}. Please remember it.` } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ generated: true, degraded: null });
    const conversationId: string = first.body.conversationId;

    await Promise.all([cluster.stopNode('pc2'), cluster.stopNode('pc3')]);
    cluster.sim.reset();
    const res = await call(pc1.url, 'POST', '/chat/query', { key, body: { question: 'What is my bike lock code?', conversationId }, timeoutMs: 30_000 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      conversationId,
      generated: true,
      degraded: { code: 'orchestrator_unavailable', reason: expect.stringMatching(/orchestrator/) },
      route: { name: 'inference_only' },
      sources: [],
      backend: 'ollama',
    });
    // The local model was asked with the conversation's earlier turns (memory layer 1 on PC1).
    const chats = cluster.sim.received.filter((r) => r.path === '/api/chat');
    expect(chats).toHaveLength(1);
    const prompt = (chats[0].body as { messages: Message[] }).messages;
    expect(prompt.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(prompt[1].content).toContain(code);
    expect(prompt[2].content).toBe(first.body.answer);

    const events = await allEvents(await postStream(pc1.url, '/chat/stream', key, { question: 'Which code was that again?', conversationId }));
    expect(events[0]).toMatchObject({ event: 'start', data: { conversationId, degraded: { code: 'orchestrator_unavailable' } } });
    const done = events.at(-1)!;
    expect(done).toMatchObject({ event: 'done', data: { generated: true, degraded: { code: 'orchestrator_unavailable' } } });
    expect(events.filter((e) => e.event === 'token').map((e) => e.data.text).join('')).toBe(done.data.answer);

    const turns = (await call(pc1.url, 'GET', `/memory/conversations/${conversationId}`, { key })).body.turns as Message[];
    expect(turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant']);

    // Back again: answers go through the orchestrator.
    await Promise.all([cluster.restartNode('pc2'), cluster.restartNode('pc3')]);
    const again = await call(pc1.url, 'POST', '/chat/query', { key, body: { question: 'Thanks, that is all.', conversationId } });
    expect(again.body).toMatchObject({ generated: true, degraded: null });
  });

  it('(d) NATS restarts with work queued: every node reconnects, and every accepted document and question completes', async () => {
    cluster.sim.tokensPerSecond = 10; // about 1.2 s per answer: questions are still queued when NATS goes
    try {
      const docIds = await submitDocuments(6, 300);
      const submitted = await call(pc1.url, 'POST', '/questions', {
        key,
        body: { questions: Array.from({ length: 12 }, () => ({ question: `What does ledger entry ${codeWord()} say?` })) },
      });
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
      const questionIds: string[] = submitted.body.questions.map((q: { id: string }) => q.id);
      const [queued] = await cluster.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM questions WHERE id = ANY($1::uuid[]) AND state NOT IN ('validated', 'low_quality', 'failed')`,
        [questionIds],
      );
      expect(queued.n, 'questions still waiting when NATS stops').toBeGreaterThan(0);

      await cluster.nats.stop();
      const noticed = await waitUntil(() => cluster.readiness('pc1'), (r) => r.status === 503, 15_000);
      expect(noticed.body.error?.nats, JSON.stringify(noticed.body)).toMatchObject({ status: 'down' });
      // Nothing is accepted while NATS is away: a submission is refused (at once, or when its call times
      // out: questions.submit waits 30 s), never answered 202 and lost.
      const refused = await call(pc1.url, 'POST', '/questions', { key, body: { questions: [{ question: `What about ${codeWord()}?` }] }, timeoutMs: 45_000 });
      expect(refused.status, JSON.stringify(refused.body)).toBe(503);
      await cluster.nats.start();

      // Every node reconnects: ready again, and PC1's calls across NATS are answered.
      for (const node of cluster.running()) await node.waitUntilReady(60_000);
      const late = await call(pc1.url, 'POST', '/questions', { key, body: { questions: [{ question: `What does ledger entry ${codeWord()} say?` }] } });
      expect(late.status, JSON.stringify(late.body)).toBe(202);
      questionIds.push(late.body.questions[0].id);
      await expectIndexedOnce(docIds, 120_000);
      const final = await waitUntil(
        async () =>
          (
            await cluster.sql<{ n: number }>(
              `SELECT count(*)::int AS n FROM questions WHERE id = ANY($1::uuid[]) AND state IN ('validated', 'low_quality', 'failed')`,
              [questionIds],
            )
          )[0].n,
        (n) => n === questionIds.length,
        150_000,
        500,
      );
      expect(final, cluster.diagnostics()).toBe(questionIds.length);
      const states = await cluster.sql<{ state: string; answers: number; failed: number }>(
        `SELECT q.state,
                (SELECT count(*)::int FROM answers a WHERE a.question_id = q.id) AS answers,
                (SELECT count(*)::int FROM failed_questions f WHERE f.question_id = q.id) AS failed
           FROM questions q WHERE q.id = ANY($1::uuid[])`,
        [questionIds],
      );
      for (const row of states) expect(row).toEqual({ state: 'validated', answers: 1, failed: 0 });
    } finally {
      cluster.sim.tokensPerSecond = 200;
    }
  });

  it('(e) PostgreSQL cut for a while: 503 with a clear message, no process dies, and everything recovers', async () => {
    const pids = new Map(cluster.running().map((n) => [n.name, n.pid]));
    expect(pids.size).toBe(3);
    const docIds = await submitDocuments(4, 200);

    await cluster.proxy.cut('refuse');
    // Needs the database on PC1 itself (memory), and on PC2 across NATS (documents).
    const local = await call(pc1.url, 'GET', '/memory/conversations', { key, timeoutMs: 30_000 });
    expect(local.status, JSON.stringify(local.body)).toBe(503);
    expect(local.body).toMatchObject({ code: 'database_unavailable', message: expect.stringMatching(/^the database cannot be reached/) });
    const remote = await call(pc1.url, 'GET', `/documents/${docIds[0]}`, { key, timeoutMs: 30_000 });
    expect(remote.status, JSON.stringify(remote.body)).toBe(503);
    expect(remote.body.code).toBe('database_unavailable');
    for (const name of ['pc1', 'pc2']) {
      const ready = await cluster.readiness(name);
      expect(ready.status).toBe(503);
      expect(ready.body.error.database).toMatchObject({ status: 'down' });
    }

    // Connections that are accepted and never answered: a request ends with 503 at the database's
    // connection time-out (10 s), not later.
    await cluster.proxy.cut('blackhole');
    const held = await call(pc1.url, 'GET', '/memory/conversations', { key, timeoutMs: 30_000 });
    expect(held.status, JSON.stringify(held.body)).toBe(503);
    expect(held.body.code).toBe('database_unavailable');
    expect(held.elapsedMs).toBeLessThan(20_000);

    await cluster.proxy.restore();
    for (const node of cluster.running()) await node.waitUntilReady(60_000);
    expect(new Map(cluster.running().map((n) => [n.name, n.pid]))).toEqual(pids);

    const after = await call(pc1.url, 'GET', '/memory/conversations', { key });
    expect(after.status).toBe(200);
    await expectIndexedOnce([...docIds, ...(await submitDocuments(1, 50))], 120_000);
  });
});
