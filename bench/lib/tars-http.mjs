// Small HTTP helpers for benchmarks that drive a TARS node's REST API, and the node-side
// settings they share. Every request has a time limit.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './tars-node.mjs';

/** Folder holding the fixture model `minilm-l6-random` (as test/support/embedding-config.ts finds it). */
export const FIXTURE_MODELS_DIR = process.env.BENCH_EMBEDDING_MODELS_DIR ?? path.resolve(REPO_ROOT, '..', 'shared', 'models');

/** The offline hashing embedder, as in config/default.yaml. */
export const HASHING_MODEL = { id: 'hashing', provider: 'hashing', dimensions: 384, normalize: true, maxTokens: 512, batchSize: 256, minSimilarity: 0.1 };

/** The fixture model (MiniLM-L6's architecture and tokenizer, random weights) with the default model's settings. */
export const fixtureModel = (dtype) => ({
  id: 'minilm', provider: 'transformers', source: 'minilm-l6-random', dimensions: 384, dtype,
  pooling: 'mean', normalize: true, maxTokens: 256, batchSize: 32, minSimilarity: 0.25,
});

/** Environment of a node whose only embedding model is `model`, used for every kind of text, with no fallback. */
export function embeddingEnv(model) {
  return {
    TARS_EMBEDDINGS_MODELS_DIR: FIXTURE_MODELS_DIR,
    TARS_EMBEDDINGS_ALLOW_REMOTE_MODELS: 'false',
    TARS_EMBEDDINGS_MODELS: JSON.stringify([model]),
    TARS_EMBEDDINGS_DEFAULTS_DOCUMENTS: model.id,
    TARS_EMBEDDINGS_DEFAULTS_QUERIES: model.id,
    TARS_EMBEDDINGS_DEFAULTS_CONVERSATIONS: model.id,
    // No silent fallback: a model that cannot load fails the documents, and the benchmark says so.
    TARS_EMBEDDINGS_FALLBACK: '[]',
  };
}

/** `Authorization` header with the admin key the node saved in its data folder. */
export function adminHeaders(dataDir) {
  return { authorization: `Bearer ${readFileSync(path.join(dataDir, 'admin.key'), 'utf8').trim()}` };
}

/** GET a JSON document; throws on any status but 200. */
export async function getJson(url, headers, timeoutMs = 10_000) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Prometheus text of `/metrics` as a map from `name{labels}` to value. */
export async function scrapeMetrics(baseUrl) {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const values = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    // Drop the node label every metric carries, so keys read the same on every node.
    values.set(line.slice(0, at).replace(/node="[^"]*",?/, '').replace('{}', ''), Number(line.slice(at + 1)));
  }
  return values;
}

/** Sum of every sample of `name` (all label sets), in `after` minus `before`. */
export function metricDelta(before, after, name) {
  let sum = 0;
  for (const [key, value] of after) {
    if (key === name || key.startsWith(`${name}{`)) sum += value - (before.get(key) ?? 0);
  }
  return sum;
}
