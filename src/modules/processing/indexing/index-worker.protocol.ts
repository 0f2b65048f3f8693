import type { IndexKind } from './index-kind.js';

// The messages between IndexWorkerClient and vector-index.worker.mjs. The worker keeps indexes in
// named slots: `model:<id>` for a model's live index, `build:<id>:<n>` for one being rebuilt.

/** How faiss builds an index (HNSW values are ignored by flat kinds). */
export interface FaissParams {
  hnswM: number;
  efSearch: number;
  efConstruction: number;
}

/** What a slot holds. `stored` counts tombstoned vectors too; `live` does not. */
export interface SlotStats {
  kind: IndexKind;
  dimensions: number;
  stored: number;
  live: number;
  tombstones: number;
}

/** Each operation's arguments and result. */
export interface IndexWorkerOps {
  /** An empty index; int8 kinds are trained on `training` (n × dimensions). */
  create: { args: { slot: string; kind: IndexKind; dimensions: number; params: FaissParams; training?: Float32Array }; result: SlotStats };
  /** Reads a saved index after checking size, SHA-256 and kind; fails with CorruptIndexFileError otherwise. */
  load: {
    args: {
      slot: string;
      file: string;
      bytes: number;
      sha256: string;
      kind: IndexKind;
      dimensions: number;
      params: FaissParams;
      ids: Float64Array;
      tombstones: Uint32Array;
    };
    result: SlotStats;
  };
  /** Adds (ids already live are skipped) and tombstones. */
  apply: {
    args: { slot: string; addIds?: Float64Array; addVectors?: Float32Array; removeIds?: Float64Array };
    result: { added: number; skipped: number; removed: number; stats: SlotStats };
  };
  /** n × k ids (-1 = none) and scores, best first per query. */
  search: { args: { slot: string; queries: Float32Array; k: number }; result: { ids: Float64Array; scores: Float32Array } };
  /** Drops tombstoned vectors in place (flat kind only). */
  compact: { args: { slot: string }; result: { dropped: number; stats: SlotStats } };
  /** Writes and flushes the index to `file`; returns its checksum and the tables that go in the manifest. */
  save: {
    args: { slot: string; file: string };
    result: { sha256: string; bytes: number; stats: SlotStats; ids: Float64Array; tombstones: Uint32Array };
  };
  /** Renames a slot (a finished build becomes the model's index; the old one is freed). */
  move: { args: { from: string; to: string }; result: SlotStats };
  drop: { args: { slot: string }; result: null };
  stats: { args: { slot: string }; result: SlotStats };
}

export type IndexWorkerOp = keyof IndexWorkerOps;

/** What the worker posts back. */
export type IndexWorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: { name: string; message: string } };
