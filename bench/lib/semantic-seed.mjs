// Seeds memory layer 3 directly in PostgreSQL, with the rows ingestion would write: document chunks
// in semantic_items (kind 'chunk', source key 'document:<id>:<index>', the chunk's character range,
// the document's title) and their vectors in semantic_vectors (float32 little-endian bytes, one row
// per item and model, sequence numbers from the table's default). The SQL is the one of
// src/modules/memory/semantic/semantic-items.service.ts (storeChunks). Vectors come from the TARS
// code itself (dist/): the hashing embedder, or the transformers.js provider with a given model.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { generateChunks } from './documents-corpus.mjs';
import { REPO_ROOT } from './tars-node.mjs';

const EMBEDDINGS_DIST = path.join(REPO_ROOT, 'dist/modules/processing/embeddings');
const importDist = (file) => import(pathToFileURL(path.join(EMBEDDINGS_DIST, file)).href);

/** A stable UUID for the n-th synthetic document. */
function documentId(index) {
  const hex = createHash('sha256').update(`bench-document-${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const INSERT_ITEMS = `
  INSERT INTO semantic_items (kind, source_key, document_id, chunk_index, char_start, char_end, page_start, page_end, title, text)
  SELECT 'chunk', c.source_key, c.document_id, c.idx, c.cs, c.ce, NULL, NULL, c.title, c.txt
    FROM unnest($1::text[], $2::uuid[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[])
         AS c(source_key, document_id, idx, cs, ce, title, txt)
  ON CONFLICT (source_key) DO UPDATE SET source_key = EXCLUDED.source_key
  RETURNING id, source_key`;

const INSERT_VECTORS = `
  INSERT INTO semantic_vectors (item_id, model_id, dimensions, vector)
  SELECT v.item_id, $1, $2, v.vector FROM unnest($3::bigint[], $4::bytea[]) AS v(item_id, vector)
  ON CONFLICT (item_id, model_id) DO NOTHING`;

const vectorBytes = (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/**
 * Makes the database hold the first `count` chunks of the generated set, each with its hashing
 * vector under model id `modelId`. Chunks already stored (a smaller set seeded before) are skipped,
 * so a database grows from 10k to 100k. Each batch of 1,000 is one transaction. Returns the seconds spent.
 */
export async function seedHashingChunks(databaseUrl, count, { modelId = 'hashing', dimensions = 384, maxTokens = 512, deadlineMs = Infinity } = {}) {
  const { hashingVector } = await importDist('hashing.provider.js');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const started = Date.now();
  try {
    const [{ n }] = (await client.query('SELECT count(*)::int AS n FROM semantic_items')).rows;
    let seen = 0;
    for (const batch of generateChunks(count)) {
      seen += batch.length;
      if (seen <= n) continue;
      const fresh = batch.slice(Math.max(0, batch.length - (seen - n)));
      if (Date.now() > deadlineMs) throw new Error(`seeding did not finish in time (${seen - fresh.length} of ${count} chunks)`);
      await client.query('BEGIN');
      const { rows } = await client.query(INSERT_ITEMS, [
        fresh.map((c) => `document:${documentId(c.documentIndex)}:${c.index}`),
        fresh.map((c) => documentId(c.documentIndex)),
        fresh.map((c) => c.index),
        fresh.map((c) => c.start),
        fresh.map((c) => c.end),
        fresh.map((c) => c.title),
        fresh.map((c) => c.text),
      ]);
      const idByKey = new Map(rows.map((r) => [r.source_key, r.id]));
      const ids = fresh.map((c) => idByKey.get(`document:${documentId(c.documentIndex)}:${c.index}`));
      const vectors = fresh.map((c) => vectorBytes(hashingVector(c.text, { dimensions, maxTokens, normalize: true })));
      await client.query(INSERT_VECTORS, [modelId, dimensions, ids, vectors]);
      await client.query('COMMIT');
    }
    // Statistics as autovacuum would gather them soon after a bulk load: the planner needs them.
    await client.query('ANALYZE semantic_items');
    await client.query('ANALYZE semantic_vectors');
  } finally {
    await client.end();
  }
  return (Date.now() - started) / 1000;
}

/**
 * Adds vectors of a transformers.js model (run by TARS's own provider, in its worker thread) to
 * every semantic item that has none for `model.id` yet, in id order, batch by batch. Returns the
 * seconds spent, or throws when `deadlineMs` passes.
 */
export async function addTransformersVectors(databaseUrl, model, location, { deadlineMs = Infinity } = {}) {
  const { TransformersEmbeddingProvider } = await importDist('transformers.provider.js');
  const provider = new TransformersEmbeddingProvider(model, location);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const started = Date.now();
  try {
    for (;;) {
      const { rows } = await client.query(
        `SELECT i.id, i.text FROM semantic_items i
          WHERE NOT EXISTS (SELECT 1 FROM semantic_vectors v WHERE v.item_id = i.id AND v.model_id = $1)
          ORDER BY i.id LIMIT 256`,
        [model.id],
      );
      if (rows.length === 0) break;
      if (Date.now() > deadlineMs) throw new Error(`embedding with ${model.id} did not finish in time`);
      const vectors = await provider.embed(rows.map((r) => r.text), 'documents');
      await client.query(INSERT_VECTORS, [model.id, model.dimensions, rows.map((r) => r.id), vectors.map(vectorBytes)]);
    }
    await client.query('ANALYZE semantic_vectors');
  } finally {
    await client.end();
    await provider.close();
  }
  return (Date.now() - started) / 1000;
}

/** How many chunks each query matches with PostgreSQL full-text search, ascending. */
export async function matchesPerQuery(databaseUrl, queries) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const counts = [];
    for (const q of queries) {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM semantic_items WHERE search @@ websearch_to_tsquery('english', $1)`, [q]);
      counts.push(rows[0].n);
    }
    return counts.sort((a, b) => a - b);
  } finally {
    await client.end();
  }
}
