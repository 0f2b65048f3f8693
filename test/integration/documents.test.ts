import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TarsConfigValues } from '../../src/config/config.schema.js';
import { startNode, type RunningNode } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { embeddingTestConfig, hashingModel } from '../support/embedding-config.js';
import { call } from '../support/http.js';
import { REPO_ROOT } from '../support/paths.js';
import pg from 'pg';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'documents');
const MAX_UPLOAD = 256 * 1024;

let database: TestDatabase;
let config: TarsConfigValues;
let node: RunningNode;
let key: string;

function configFor(databaseUrl: string, dataDir?: string): TarsConfigValues {
  return embeddingTestConfig({
    models: [hashingModel()],
    env: {
      DATABASE_URL: databaseUrl,
      TARS_PROCESSING_MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
      TARS_PROCESSING_CHUNKING_CHUNK_TOKENS: '48',
      TARS_PROCESSING_CHUNKING_OVERLAP_TOKENS: '8',
      TARS_AUTH_RATE_LIMIT_ENABLED: 'false',
      ...(dataDir ? { TARS_DATA_DIR: dataDir } : {}),
    },
  });
}

async function upload(file: Buffer, filename: string, mimeType = 'application/octet-stream') {
  const form = new FormData();
  form.append('file', new Blob([file], { type: mimeType }), filename);
  const response = await fetch(`${node.url}/documents`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are inspected field by field
  return { status: response.status, body: (await response.json()) as any };
}

async function settled(id: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(node.url, 'GET', `/documents/${id}`, { key });
    if (res.body.status === 'indexed' || res.body.status === 'failed' || Date.now() > deadline) return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  database = await createTestDatabase('documents');
  config = configFor(database.url);
  node = await startNode(config);
  key = readFileSync(join(config.dataDir, 'admin.key'), 'utf8').trim();
});
afterAll(async () => {
  await node?.close();
  await database?.drop();
});

const GARDEN = [
  '# Garden journal',
  '',
  'The quillwort bed by the pond was planted in April. It needs wet soil all summer.',
  '',
  'Tomatoes went into the greenhouse in May; the first truss set in June.',
  '',
  ...Array.from({ length: 30 }, (_, i) => `Week ${i + 1}: watered the beds, weeded the paths and noted the weather.`),
].join('\n');

describe('ingestion through the API (one process, in-process queue)', () => {
  let gardenId: string;

  it('accepts JSON text with 202, then indexes it in chunks with their positions', async () => {
    const res = await call(node.url, 'POST', '/documents', { key, body: { text: GARDEN, filename: 'garden.md' } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ duplicate: false, document: { status: 'queued', type: 'markdown', filename: 'garden.md' } });
    gardenId = res.body.document.id;

    const done = await settled(gardenId);
    expect(done).toMatchObject({ status: 'indexed', embeddingModel: 'hashing', failureReason: null, title: 'Garden journal' });
    expect(done.chunkCount).toBeGreaterThan(2);
    const rows = await sql<{ chunk_index: number; char_start: number; char_end: number; text: string }>(
      'SELECT chunk_index, char_start, char_end, text FROM semantic_items WHERE document_id = $1 ORDER BY chunk_index',
      [gardenId],
    );
    expect(rows.map((r) => r.chunk_index)).toEqual(rows.map((_, i) => i));
    expect(rows.every((r) => r.char_end > r.char_start)).toBe(true);
  });

  it('stores the same content once and says so', async () => {
    const again = await call(node.url, 'POST', '/documents', { key, body: { text: GARDEN, filename: 'copy.md' } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, document: { id: gardenId } });
    const [{ count }] = await sql<{ count: string }>('SELECT count(*) FROM uploads');
    expect(Number(count)).toBe(1);
  });

  it('finds the document by words and by similarity, with its source and chunk position', async () => {
    const res = await call(node.url, 'GET', '/memory/search?q=quillwort&layers=semantic', { key });
    expect(res.status).toBe(200);
    expect(res.body.vectorModel).toBe('hashing');
    const hit = res.body.hits[0];
    expect(hit).toMatchObject({ layer: 'semantic', kind: 'chunk', source: { documentId: gardenId, documentTitle: 'Garden journal' } });
    expect(hit.snippet).toContain('**quillwort**');
    expect(hit.similarity).toBeGreaterThan(0);
    expect(typeof hit.source.charStart).toBe('number');
  });

  it('lists documents, newest first, filtered by status', async () => {
    const list = await call(node.url, 'GET', '/documents?status=indexed', { key });
    expect(list.body.documents.map((d: { id: string }) => d.id)).toContain(gardenId);
    expect(list.body.total).toBeGreaterThanOrEqual(1);
  });

  it('ingests uploaded files of each type, detected from the content', async () => {
    const html = Buffer.from(
      '<!doctype html><html><head><title>Boiler manual</title><script>alert(1)</script></head><body><nav>Home | About</nav>' +
        '<h1>Boiler manual</h1><p>Bleed the radiators every autumn with the brass key.</p><footer>© Maker</footer></body></html>',
    );
    const pdf = readFileSync(join(FIXTURES, 'report.pdf'));
    const [htmlRes, pdfRes] = [await upload(html, 'manual.txt'), await upload(pdf, 'scan.bin')];
    expect(htmlRes.status).toBe(202);
    expect(htmlRes.body.document.type).toBe('html');
    expect(pdfRes.body.document.type).toBe('pdf');
    expect(await settled(htmlRes.body.document.id)).toMatchObject({ status: 'indexed', title: 'Boiler manual' });
    expect((await settled(pdfRes.body.document.id)).status).toBe('indexed');
    const [chunk] = await sql<{ text: string }>('SELECT text FROM semantic_items WHERE document_id = $1', [htmlRes.body.document.id]);
    expect(chunk.text).toContain('Bleed the radiators');
    expect(chunk.text).not.toMatch(/alert|Home \| About/);
    const pages = await sql<{ page_start: number }>('SELECT page_start FROM semantic_items WHERE document_id = $1', [pdfRes.body.document.id]);
    expect(pages.every((p) => p.page_start >= 1)).toBe(true);
  });

  it('refuses what it cannot read: 415 for binary data, 400 for empty content, 413 over the size limit', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const binary = await upload(png, 'photo.txt');
    expect(binary.status).toBe(415);
    expect(binary.body.statusCode).toBe(415);
    expect((await upload(Buffer.alloc(0), 'empty.txt')).status).toBe(400);
    expect((await call(node.url, 'POST', '/documents', { key, body: { text: '' } })).status).toBe(400);
    const big = await upload(Buffer.alloc(MAX_UPLOAD + 1, 'a'), 'big.txt');
    expect(big.status).toBe(413);
    // Nothing refused was kept.
    const [{ count }] = await sql<{ count: string }>("SELECT count(*) FROM documents WHERE filename IN ('photo.txt', 'empty.txt', 'big.txt')");
    expect(Number(count)).toBe(0);
  });

  it('marks a malformed or encrypted PDF failed with a reason and keeps working', async () => {
    const truncated = await upload(readFileSync(join(FIXTURES, 'truncated.pdf')), 'broken.pdf');
    const encrypted = await upload(readFileSync(join(FIXTURES, 'encrypted.pdf')), 'secret.pdf');
    const after = await call(node.url, 'POST', '/documents', { key, body: { text: 'A plain note written after the broken PDFs.' } });
    const failedTruncated = await settled(truncated.body.document.id);
    const failedEncrypted = await settled(encrypted.body.document.id);
    expect(failedTruncated.status).toBe('failed');
    expect(failedTruncated.failureReason).toEqual(expect.any(String));
    expect(failedEncrypted.status).toBe('failed');
    expect(failedEncrypted.failureReason).toMatch(/password|encrypt/i);
    expect((await settled(after.body.document.id)).status).toBe('indexed');
  });

  it('deletes a document with its chunks and vectors', async () => {
    const res = await call(node.url, 'POST', '/documents', { key, body: { text: 'The zanthoxylum hedge needs trimming in March.' } });
    const id = res.body.document.id;
    await settled(id);
    const found = await call(node.url, 'GET', '/memory/search?q=zanthoxylum', { key });
    expect(found.body.hits[0].source.documentId).toBe(id);

    expect((await call(node.url, 'DELETE', `/documents/${id}`, { key })).status).toBe(200);
    expect((await call(node.url, 'GET', `/documents/${id}`, { key })).status).toBe(404);
    expect(await sql('SELECT 1 FROM semantic_items WHERE document_id = $1', [id])).toEqual([]);
    const search = await call(node.url, 'GET', '/memory/search?q=zanthoxylum', { key });
    expect(search.body.hits.filter((h: { source: { documentId?: string } }) => h.source.documentId === id)).toEqual([]);
    expect(search.body.hits.filter((h: { textRank?: number }) => h.textRank !== undefined)).toEqual([]);
    expect((await call(node.url, 'DELETE', `/documents/${id}`, { key })).status).toBe(404);
  });
});

describe('the vector index is derived data', () => {
  it('is rebuilt from PostgreSQL when its file is corrupt: after a restart, search still finds the right chunks', async () => {
    const before = await call(node.url, 'GET', '/memory/search?q=greenhouse%20tomatoes&layers=semantic', { key });
    const expected = before.body.hits.map((h: { source: { itemId: number } }) => h.source.itemId);
    expect(expected.length).toBeGreaterThan(0);
    await node.close(); // saves the index

    const folder = join(config.dataDir, 'indexes', 'hashing');
    const indexFiles = readdirSync(folder).filter((f) => f.endsWith('.faiss'));
    expect(indexFiles.length).toBeGreaterThan(0);
    for (const file of indexFiles) writeFileSync(join(folder, file), Buffer.from('this is not a faiss index'));
    node = await startNode(config);

    const after = await call(node.url, 'GET', '/memory/search?q=greenhouse%20tomatoes&layers=semantic', { key });
    expect(after.body.hits.map((h: { source: { itemId: number } }) => h.source.itemId)).toEqual(expected);
    expect(after.body.hits[0].similarity).toBeCloseTo(before.body.hits[0].similarity, 5);
  });
});
