import { isHnswKind, type IndexKind } from './index-kind.js';
import type { IndexWorkerClient } from './index-worker.client.js';
import type { SlotStats } from './index-worker.protocol.js';
import { buffersOf, type SourceChanges } from './vector-batch.js';

// Vectors go to the worker in pieces small enough that a search waiting behind them is not held
// for long: HNSW adds run at a few hundred to a few thousand vectors/s on 2 cores, flat adds at ~10k/s.
const HNSW_PIECE = 256;
const FLAT_PIECE = 4096;

/** Totals of one `applyChanges`, with the slot's stats after its last piece. */
export interface AppliedChanges {
  added: number;
  skipped: number;
  removed: number;
  stats: SlotStats | undefined;
}

/** Sends adds (in pieces) and removals to a worker slot; buffers are transferred, so `changes` is used up. */
export async function applyChanges(
  worker: IndexWorkerClient,
  target: { slot: string; kind: IndexKind; dimensions: number; incarnation?: number },
  changes: Pick<SourceChanges, 'adds' | 'removeIds'>,
): Promise<AppliedChanges> {
  const { ids, vectors } = changes.adds;
  const piece = isHnswKind(target.kind) ? HNSW_PIECE : FLAT_PIECE;
  const totals: AppliedChanges = { added: 0, skipped: 0, removed: 0, stats: undefined };
  let removeIds: Float64Array | undefined = changes.removeIds.length > 0 ? changes.removeIds : undefined;
  for (let start = 0; start < ids.length || removeIds; start += piece) {
    const addIds = ids.slice(start, start + piece);
    const addVectors = vectors.slice(start * target.dimensions, (start + piece) * target.dimensions);
    const transfer = buffersOf(addIds, addVectors, ...(removeIds ? [removeIds] : []));
    const result = await worker.request('apply', { slot: target.slot, addIds, addVectors, removeIds }, transfer, target.incarnation);
    removeIds = undefined;
    totals.added += result.added;
    totals.skipped += result.skipped;
    totals.removed += result.removed;
    totals.stats = result.stats;
  }
  return totals;
}

/** The first `count` vectors of some batches, in one buffer (the int8 quantiser learns its value ranges from them). */
export function trainingSample(batches: ReadonlyArray<Pick<SourceChanges, 'adds'>>, count: number, dimensions: number): Float32Array {
  const available = batches.reduce((sum, batch) => sum + batch.adds.ids.length, 0);
  const sample = new Float32Array(Math.min(count, available) * dimensions);
  let filled = 0;
  for (const { adds } of batches) {
    if (filled >= sample.length) break;
    const part = adds.vectors.subarray(0, Math.min(adds.vectors.length, sample.length - filled));
    sample.set(part, filled);
    filled += part.length;
  }
  return sample;
}
