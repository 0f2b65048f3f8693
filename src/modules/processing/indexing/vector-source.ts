/** One item's vector as the source of truth holds it now; `sequence` numbers its latest change. */
export type VectorRecord =
  | { id: number; sequence: number; vector: Float32Array; deleted?: false }
  | { id: number; sequence: number; deleted: true };

/**
 * Where index vectors come from and are rebuilt from (PostgreSQL in TARS). Sequence numbers are
 * positive integers per model that grow with every change (an added vector, a deletion); a change
 * must be visible to `scan` before any change with a higher sequence is, or an index that caught up
 * past it would never see it.
 */
export interface VectorSource {
  /** The highest sequence number of the model's changes so far (0 when there are none). */
  latestSequence(modelId: string): Promise<number>;
  /**
   * The model's changes with a sequence above `afterSequence`, in ascending sequence order, in
   * batches. Deletions appear as `deleted: true`; a full scan (afterSequence 0) may leave them out.
   */
  scan(modelId: string, afterSequence: number): AsyncIterable<VectorRecord[]>;
}
