import type { EmbeddingModelConfig } from '../../../config/config.schema.js';

/** What a text is embedded for; each use has its own default model and prefix. */
export type EmbeddingUse = 'documents' | 'queries' | 'conversations';

export const EMBEDDING_USES: readonly EmbeddingUse[] = ['documents', 'queries', 'conversations'];

/** A request to the embedding engine. */
export interface EmbedRequest {
  texts: readonly string[];
  use: EmbeddingUse;
  /** A model id of the registry; the use's default model when absent. */
  model?: string;
  /** Try the fallback chain when the model is unavailable (default true). */
  allowFallback?: boolean;
}

/** Vectors of one model, in the order of the texts. */
export interface EmbeddingResult {
  /** Id of the model that produced every vector of this result. */
  model: string;
  dimensions: number;
  vectors: Float32Array[];
  /** Id of the model that was asked for but could not be used. */
  fallbackFrom?: string;
  /** Texts answered from a cache (either tier) instead of the model. */
  cacheHits: number;
}

/** A request for per-token vectors (see EmbeddingEngine.embedTokens). */
export interface EmbedTokensRequest {
  texts: readonly string[];
  /** A model id of the registry. */
  model: string;
  /** Try the fallback chain when the model is unavailable or gives pooled vectors only (default true). */
  allowFallback?: boolean;
}

/** The token vectors of one text. */
export interface TextTokenVectors {
  /** One unit vector per token, in the text's order; special tokens ([CLS], [SEP], padding) are left out. */
  vectors: Float32Array[];
  /** The text had more tokens than the model reads (`maxTokens`): only the first ones have vectors. */
  truncated: boolean;
}

/** Token vectors of one model, in the order of the texts. */
export interface TokenEmbeddingResult {
  /** Id of the model that produced every vector of this result. */
  model: string;
  /** Width of the token vectors (for a transformers model its hidden size, which a pooled output may not share). */
  dimensions: number;
  texts: TextTokenVectors[];
  /** Id of the model that was asked for but could not be used. */
  fallbackFrom?: string;
}

/** One model behind one interface: texts in, one vector of `model.dimensions` numbers per text out. */
export interface EmbeddingProvider {
  readonly model: EmbeddingModelConfig;
  /** Applies the model's prefix for `use`, batches by the model's batch size, pools and normalises. */
  embed(texts: readonly string[], use: EmbeddingUse): Promise<Float32Array[]>;
  /**
   * Per-token vectors of raw texts (no prefix), batched by the model's batch size, at most the tokens
   * the model reads per text. Absent, or throwing TokenEmbeddingsUnsupportedError, when the model
   * gives pooled vectors only.
   */
  embedTokens?(texts: readonly string[]): Promise<TextTokenVectors[]>;
  /** Releases workers and connections; the provider may be used again afterwards (it restarts). */
  close(): Promise<void>;
}

/** The counters the engine reports; MetricsService implements them. */
export interface EmbeddingMetrics {
  observeEmbeddingCache(tier: 'memory' | 'shared', result: 'hit' | 'miss', count: number): void;
  /** Texts looked up in the cache as a whole: found in some tier (hit) or in none (miss). */
  observeEmbeddingLookups?(hits: number, misses: number): void;
  observeEmbeddings(model: string, texts: number, seconds: number): void;
  observeEmbeddingFallback(from: string, to: string): void;
}

/** The part of a Nest logger the engine uses (Nest's `Logger` fits). */
export interface EmbeddingLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
