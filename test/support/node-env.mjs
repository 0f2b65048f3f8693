/**
 * Environment of a `tars serve` node that embeds with the hashing embedder only (fast, offline,
 * deterministic) and keeps its embedding cache in process: what most multi-node tests and the
 * benchmarks of other parts than embeddings want. Plain JavaScript so that bench/ can use it too.
 */
export function hashingEmbeddingsEnv() {
  return {
    TARS_EMBEDDINGS_MODELS: JSON.stringify([{ id: 'hashing', provider: 'hashing', dimensions: 384, minSimilarity: 0.1 }]),
    TARS_EMBEDDINGS_DEFAULTS_DOCUMENTS: 'hashing',
    TARS_EMBEDDINGS_DEFAULTS_QUERIES: 'hashing',
    TARS_EMBEDDINGS_DEFAULTS_CONVERSATIONS: 'hashing',
    TARS_EMBEDDINGS_FALLBACK: '[]',
    TARS_EMBEDDINGS_CACHE_SHARED: 'false',
  };
}
