import type { IndexKind } from './index-kind.js';

/** What opening found on disk: usable (`ok`), usable but behind the source (`stale`, caught up), or rebuilt from the source. */
export type LoadState = 'ok' | 'missing' | 'corrupt' | 'stale';

export interface LoadReport {
  modelId: string;
  state: LoadState;
  reason?: string;
}

/** One search result: the item id and its cosine similarity to the query (approximate with int8). */
export interface SearchHit {
  id: number;
  score: number;
}

/** Where a model's index is in its life, for health checks and metrics. */
export interface IndexStats {
  modelId: string;
  dimensions: number;
  phase: 'starting' | 'rebuilding' | 'ready' | 'failed' | 'closed';
  kind: IndexKind;
  /** Searchable vectors. */
  live: number;
  /** Vectors in the faiss index, tombstoned ones included. */
  stored: number;
  tombstones: number;
  /** Highest source sequence the index has caught up with. */
  watermark: number;
  /** A rebuild or compaction is running (searches keep using the current index meanwhile). */
  restructuring: boolean;
  lastLoad?: LoadReport;
  lastSave?: { at: string; bytes: number };
  lastError?: string;
}

export interface IndexLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
