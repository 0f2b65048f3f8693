/** Environment of a node that embeds with the hashing embedder only, cache in process. */
export function hashingEmbeddingsEnv(): Record<string, string>;
