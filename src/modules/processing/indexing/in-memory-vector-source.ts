import type { VectorRecord, VectorSource } from './vector-source.js';

/**
 * A VectorSource kept in memory, the way a table with one row per item would keep it: each item's
 * latest state (vector or deletion) under the sequence of its latest change. For tests and benchmarks.
 */
export class InMemoryVectorSource implements VectorSource {
  /** Every scan asked for, in order: lets a test tell a catch-up (after > 0) from a rebuild (after 0). */
  readonly scans: Array<{ modelId: string; afterSequence: number }> = [];
  /** When set, every call fails with this error (a database that is down). */
  failWith: Error | undefined;
  private fullScanGate: Promise<void> | undefined;
  private sequence = 0;
  private readonly models = new Map<string, Map<number, VectorRecord>>();

  constructor(private readonly batchSize = 500) {}

  /** Stores (or replaces) vectors; returns the sequence of the last change. */
  put(modelId: string, items: ReadonlyArray<{ id: number; vector: Float32Array }>): number {
    const records = this.recordsOf(modelId);
    for (const { id, vector } of items) {
      records.delete(id); // re-inserted so that the map stays in sequence order
      records.set(id, { id, sequence: ++this.sequence, vector });
    }
    return this.sequence;
  }

  /** Marks items deleted (a deletion is a change the index must learn about). */
  delete(modelId: string, ids: readonly number[]): number {
    const records = this.recordsOf(modelId);
    for (const id of ids) {
      if (!records.has(id)) continue;
      records.delete(id);
      records.set(id, { id, sequence: ++this.sequence, deleted: true });
    }
    return this.sequence;
  }

  /** The live items of a model, as an index should hold them. */
  liveItems(modelId: string): Array<{ id: number; vector: Float32Array }> {
    const live: Array<{ id: number; vector: Float32Array }> = [];
    for (const record of this.recordsOf(modelId).values()) if (!record.deleted) live.push({ id: record.id, vector: record.vector });
    return live;
  }

  /** Makes full scans (rebuilds) wait before their first batch until the returned function is called. */
  holdFullScans(): () => void {
    let release!: () => void;
    this.fullScanGate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.fullScanGate = undefined;
      release();
    };
  }

  async latestSequence(modelId: string): Promise<number> {
    this.throwIfFailing();
    let latest = 0;
    for (const record of this.recordsOf(modelId).values()) latest = record.sequence;
    return latest;
  }

  async *scan(modelId: string, afterSequence: number): AsyncIterable<VectorRecord[]> {
    this.throwIfFailing();
    this.scans.push({ modelId, afterSequence });
    if (afterSequence === 0) await this.fullScanGate;
    const changes = [...this.recordsOf(modelId).values()].filter((record) => record.sequence > afterSequence);
    for (let start = 0; start < changes.length; start += this.batchSize) {
      await Promise.resolve();
      this.throwIfFailing();
      yield changes.slice(start, start + this.batchSize);
    }
  }

  private recordsOf(modelId: string): Map<number, VectorRecord> {
    let records = this.models.get(modelId);
    if (!records) this.models.set(modelId, (records = new Map()));
    return records;
  }

  private throwIfFailing(): void {
    if (this.failWith) throw this.failWith;
  }
}
