import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir, uniqueSubjectPrefix } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { FIXTURE_MODELS_DIR, fixtureModel, hashingModel } from '../support/embedding-config.js';
import { call } from '../support/http.js';
import { NATS_URL } from '../support/services.js';
import { freePort, TarsProcess } from '../support/tars-process.js';

/**
 * Issue 3, point 2: ingestion jobs on the JetStream work queue. Node A (api, memory) takes uploads;
 * processing nodes, separate OS processes, share the queue. A worker killed in the middle of a job:
 * the job is delivered again after ackWait and finishes, with no duplicate chunk or vector.
 */
const ACK_WAIT_MS = 4000;
const word = () => `zq${[...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;

describe('ingestion on a JetStream work queue shared by processing nodes', () => {
  let db: TestDatabase;
  let api: TarsProcess;
  let adminKey: string;
  const started: TarsProcess[] = [];
  let common: Record<string, string>;

  async function launch(name: string, roles: string): Promise<TarsProcess> {
    const node = new TarsProcess(name, await freePort(), { ...common, TARS_ROLES: roles, TARS_DATA_DIR: tempDataDir(name) });
    started.push(node);
    await node.start();
    return node;
  }

  async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async function documentState(id: string) {
    return (await call(api.url, 'GET', `/documents/${id}`, { key: adminKey })).body;
  }

  async function waitFor(id: string, done: (doc: { status: string; chunkCount: number }) => boolean, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    let doc = await documentState(id);
    while (!done(doc) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      doc = await documentState(id);
    }
    return doc;
  }

  async function ingestedJobs(node: TarsProcess): Promise<number> {
    const text = String((await call(node.url, 'GET', '/metrics')).body);
    return Number(/tars_ingestion_jobs_total\{outcome="done"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
  }

  beforeAll(async () => {
    db = await createTestDatabase('ingest');
    common = {
      DATABASE_URL: db.url,
      NATS_URL,
      TARS_NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(),
      TARS_AUTH_RATE_LIMIT_ENABLED: 'false',
      TARS_PROCESSING_QUEUE_ACK_WAIT_MS: String(ACK_WAIT_MS),
      TARS_PROCESSING_CHUNKING_CHUNK_TOKENS: '64',
      TARS_PROCESSING_CHUNKING_OVERLAP_TOKENS: '8',
      TARS_PROCESSING_MAX_UPLOAD_BYTES: String(4 * 1024 * 1024),
      TARS_EMBEDDINGS_MODELS_DIR: FIXTURE_MODELS_DIR,
      TARS_EMBEDDINGS_ALLOW_REMOTE_MODELS: 'false',
      TARS_EMBEDDINGS_MODELS: JSON.stringify([fixtureModel({ dtype: 'fp32', batchSize: 16 }), hashingModel()]),
      TARS_EMBEDDINGS_DEFAULTS_DOCUMENTS: 'minilm',
      TARS_EMBEDDINGS_DEFAULTS_QUERIES: 'minilm',
      TARS_EMBEDDINGS_DEFAULTS_CONVERSATIONS: 'minilm',
      TARS_EMBEDDINGS_FALLBACK: '["hashing"]',
    };
    api = await launch('api', 'api,memory');
    adminKey = readFileSync(join(api.env.TARS_DATA_DIR, 'admin.key'), 'utf8').trim();
  });

  afterAll(async () => {
    for (const node of started) node.resume();
    await Promise.all(started.map((n) => n.stop()));
    await db?.drop();
  });

  it('a worker killed in the middle of a job: the job is delivered again and finishes, without duplicates', async () => {
    const first = await launch('worker-1', 'processing');
    const marker = word();
    const paragraphs = Array.from(
      { length: 1500 },
      (_, i) => `Paragraph ${i}. The ${i === 750 ? marker : 'ledger'} lists invoices, receipts and the dates they were paid.`,
    );
    const form = new FormData();
    form.append('file', new Blob([paragraphs.join('\n\n')], { type: 'text/plain' }), 'ledger.txt');
    const res = await fetch(`${api.url}/documents`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}` }, body: form });
    expect(res.status).toBe(202);
    const { document } = (await res.json()) as { document: { id: string } };

    // Killed once some chunks are stored but before the end.
    const midway = await waitFor(document.id, (d) => d.status === 'processing' && d.chunkCount > 0, 60_000);
    expect(midway.status).toBe('processing');
    await first.kill();
    // Read from the database: while no processing node runs, the API answers 503 for documents.
    const [{ chunk_count: storedWhenKilled }] = await sql<{ chunk_count: number }>('SELECT chunk_count FROM documents WHERE id = $1', [
      document.id,
    ]);
    expect(storedWhenKilled).toBeGreaterThan(0);

    const second = await launch('worker-2', 'processing');
    const finished = await waitFor(document.id, (d) => d.status === 'indexed' || d.status === 'failed', 120_000);
    expect(finished).toMatchObject({ status: 'indexed', embeddingModel: 'minilm' });
    expect(finished.attempts).toBeGreaterThanOrEqual(2);
    expect(finished.chunkCount).toBeGreaterThan(storedWhenKilled);

    const [counts] = await sql<{ items: string; distinct_chunks: string; vectors: string; distinct_vectors: string }>(
      `SELECT count(*) AS items, count(DISTINCT chunk_index) AS distinct_chunks,
              (SELECT count(*) FROM semantic_vectors v JOIN semantic_items i ON i.id = v.item_id WHERE i.document_id = $1) AS vectors,
              (SELECT count(DISTINCT v.item_id) FROM semantic_vectors v JOIN semantic_items i ON i.id = v.item_id WHERE i.document_id = $1) AS distinct_vectors
         FROM semantic_items WHERE document_id = $1`,
      [document.id],
    );
    expect(Number(counts.items)).toBe(finished.chunkCount);
    expect(Number(counts.distinct_chunks)).toBe(finished.chunkCount);
    expect(Number(counts.vectors)).toBe(finished.chunkCount);
    expect(Number(counts.distinct_vectors)).toBe(finished.chunkCount);
    expect(await ingestedJobs(second)).toBe(1);

    // Searched through node A: full text finds the marker, vector search runs on the worker over NATS.
    const search = await call(api.url, 'GET', `/memory/search?q=${marker}&layers=semantic`, { key: adminKey });
    expect(search.body.vectorModel, JSON.stringify(search.body.notices)).toBe('minilm');
    expect(search.body.hits[0]).toMatchObject({ layer: 'semantic', source: { documentId: document.id } });
    expect(search.body.hits[0].snippet).toContain(`**${marker}**`);
  });

  it('several processing nodes share the queue: each job runs once, on one of them', async () => {
    const third = await launch('worker-3', 'processing');
    const workers = started.filter((n) => n.name.startsWith('worker') && n.running);
    expect(workers).toHaveLength(2);
    const before = await Promise.all(workers.map(ingestedJobs));

    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const text = Array.from({ length: 60 }, (_, j) => `Document ${i}, line ${j}: ${word()} notes about the allotment.`).join('\n');
      const res = await call(api.url, 'POST', '/documents', { key: adminKey, body: { text } });
      expect(res.status).toBe(202);
      ids.push(res.body.document.id);
    }
    for (const id of ids) {
      const doc = await waitFor(id, (d) => d.status === 'indexed', 90_000);
      expect(doc.status, `${id}: ${JSON.stringify(doc)}\n${workers.map((w) => w.output.slice(-3000)).join('\n')}`).toBe('indexed');
    }

    const after = await Promise.all(workers.map(ingestedJobs));
    const perWorker = after.map((n, i) => n - before[i]);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(6);
    expect(perWorker.every((n) => n > 0), `jobs per worker: ${perWorker.join(', ')}\n${third.output.slice(-4000)}`).toBe(true);
    expect(third.running).toBe(true);
  });
});
