import { ValidationFailedError } from '../../../contracts/errors.js';
import type { VectorRecord } from './vector-source.js';

/** An item to index: a semantic item id and its vector (normalised by the index, so cosine = inner product). */
export interface IndexItem {
  id: number;
  vector: Float32Array;
}

/** Ids and vectors packed into two buffers, so one transfer moves them to the worker without copying. */
export interface PackedItems {
  ids: Float64Array;
  vectors: Float32Array;
}

/** Ids are PostgreSQL bigserial values: positive integers that a double holds exactly. */
export function isItemId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0;
}

/** Why a vector cannot be indexed, or undefined when it can. */
export function vectorProblem(vector: unknown, dimensions: number): string | undefined {
  if (!(vector instanceof Float32Array)) return 'is not a Float32Array';
  if (vector.length !== dimensions) return `has ${vector.length} dimensions instead of ${dimensions}`;
  let sum = 0;
  for (const value of vector) sum += value * value;
  if (!Number.isFinite(sum)) return 'holds a value that is not a finite number';
  if (sum === 0) return 'is all zeros (it has no direction)';
  return undefined;
}

/** Checks every item and packs them; the first bad item fails the whole call (nothing is half-added). */
export function packItems(items: readonly IndexItem[], dimensions: number, modelId: string): PackedItems {
  const ids = new Float64Array(items.length);
  const vectors = new Float32Array(items.length * dimensions);
  items.forEach((item, i) => {
    if (!isItemId(item.id)) throw new ValidationFailedError(`item ${i}: id must be a positive integer below 2^53`, { model: modelId, index: i });
    const problem = vectorProblem(item.vector, dimensions);
    if (problem) throw new ValidationFailedError(`item ${item.id}: its vector ${problem}`, { model: modelId, id: item.id });
    ids[i] = item.id;
    vectors.set(item.vector, i * dimensions);
  });
  return { ids, vectors };
}

/** Packs query vectors (n × dimensions), checking each. */
export function packQueries(queries: readonly Float32Array[], dimensions: number, modelId: string): Float32Array {
  const packed = new Float32Array(queries.length * dimensions);
  queries.forEach((query, i) => {
    const problem = vectorProblem(query, dimensions);
    if (problem) throw new ValidationFailedError(`query ${i}: its vector ${problem}`, { model: modelId, index: i });
    packed.set(query, i * dimensions);
  });
  return packed;
}

/** A batch of source changes as index operations: the latest state of each id wins. */
export interface SourceChanges {
  adds: PackedItems;
  removeIds: Float64Array;
  /** The highest sequence in the batch (0 for an empty batch). */
  lastSequence: number;
  /** Records skipped because their id or vector cannot be indexed. */
  invalid: Array<{ id: unknown; problem: string }>;
}

export function packSourceChanges(records: readonly VectorRecord[], dimensions: number): SourceChanges {
  const latest = new Map<number, VectorRecord>();
  const invalid: SourceChanges['invalid'] = [];
  let lastSequence = 0;
  for (const record of records) {
    lastSequence = Math.max(lastSequence, record.sequence);
    if (!isItemId(record.id)) {
      invalid.push({ id: record.id, problem: 'the id is not a positive integer below 2^53' });
      continue;
    }
    latest.delete(record.id);
    latest.set(record.id, record);
  }
  const live: IndexItem[] = [];
  const removed: number[] = [];
  for (const record of latest.values()) {
    if (record.deleted) {
      removed.push(record.id);
      continue;
    }
    const problem = vectorProblem(record.vector, dimensions);
    if (problem) invalid.push({ id: record.id, problem: `the vector ${problem}` });
    else live.push(record);
  }
  const ids = Float64Array.from(live, (item) => item.id);
  const vectors = new Float32Array(live.length * dimensions);
  live.forEach((item, i) => vectors.set(item.vector, i * dimensions));
  return { adds: { ids, vectors }, removeIds: Float64Array.from(removed), lastSequence, invalid };
}

/** The buffers to transfer (move, not copy) with a message to the worker. Typed arrays made here own plain ArrayBuffers. */
export function buffersOf(...arrays: ArrayBufferView[]): ArrayBuffer[] {
  return arrays.map((array) => array.buffer as ArrayBuffer);
}
