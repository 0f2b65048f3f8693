// A faiss index plus what faiss-node cannot keep for us: faiss labels are positions (0, 1, 2...),
// so ids[position] maps them back to item ids; deletions are tombstones (faiss removeIds shifts
// every later position on a flat index and aborts the process on HNSW), filtered out of results.
import { isHnsw } from './faiss-kinds.mjs';

// faiss sends a flat search of 20 or more queries to BLAS, which this build of faiss-node does not
// link: the process dies with "undefined symbol: sgemm_". Below that, the plain loop is as fast.
const MAX_QUERIES_PER_FLAT_SEARCH = 16;

export class LabelledIndex {
  /**
   * @param {import('faiss-node').Index} index
   * @param {string} kind
   * @param {number} dimensions
   * @param {ArrayLike<number>} ids position → item id, for the vectors already in `index`
   * @param {ArrayLike<number>} tombstones positions whose item was removed
   */
  constructor(index, kind, dimensions, ids = [], tombstones = []) {
    this.index = index;
    this.kind = kind;
    this.dimensions = dimensions;
    this.ids = Array.from(ids);
    this.tombstones = new Set(Array.from(tombstones));
    /** @type {Map<number, number>} live item id → position */
    this.positionOf = new Map();
    this.ids.forEach((id, position) => {
      if (!this.tombstones.has(position)) this.positionOf.set(id, position);
    });
  }

  get stored() {
    return this.ids.length;
  }

  get live() {
    return this.positionOf.size;
  }

  /**
   * Adds the vectors whose id is not live yet; an id already present is left alone (adding is
   * idempotent: a redelivered job adds nothing twice).
   * @param {Float64Array} ids
   * @param {Float32Array} vectors ids.length × dimensions
   */
  add(ids, vectors) {
    const rows = [];
    const seen = new Set();
    for (let row = 0; row < ids.length; row++) {
      const id = ids[row];
      if (this.positionOf.has(id) || seen.has(id)) continue;
      seen.add(id);
      rows.push(row);
    }
    if (rows.length > 0) {
      this.index.add(normalisedRows(vectors, rows, this.dimensions));
      for (const row of rows) {
        this.positionOf.set(ids[row], this.ids.length);
        this.ids.push(ids[row]);
      }
    }
    return { added: rows.length, skipped: ids.length - rows.length };
  }

  /** Tombstones the live ids among `ids`; returns how many were live. */
  remove(ids) {
    let removed = 0;
    for (const id of ids) {
      const position = this.positionOf.get(id);
      if (position === undefined) continue;
      this.positionOf.delete(id);
      this.tombstones.add(position);
      removed++;
    }
    return { removed };
  }

  /**
   * The k best live items for each of the n queries, by inner product on normalised vectors.
   * Asks faiss for a few more than k to make up for tombstones, and for up to k + tombstones when
   * that was not enough (deleting a document tombstones whole neighbourhoods at once).
   * @param {Float32Array} queries n × dimensions
   * @param {number} k
   * @returns {{ ids: Float64Array; scores: Float32Array }} n × k, padded with id -1 and score NaN
   */
  search(queries, k) {
    const n = queries.length / this.dimensions;
    const ids = new Float64Array(n * k).fill(-1);
    const scores = new Float32Array(n * k).fill(Number.NaN);
    const total = this.ids.length;
    if (total === 0 || k < 1 || n === 0) return { ids, scores };
    const enough = Math.min(total, k + this.tombstones.size);
    let wanted = Math.min(enough, k + Math.min(this.tombstones.size, Math.max(k, 16)));
    let pending = Array.from({ length: n }, (_, q) => q);
    while (pending.length > 0) {
      const labelsAndDistances = this.searchRows(queries, pending, wanted);
      const unfinished = [];
      pending.forEach((q, i) => {
        const found = this.collect(labelsAndDistances, i, wanted, k, ids, scores, q * k);
        if (found < k && wanted < enough) unfinished.push(q);
      });
      pending = unfinished;
      wanted = Math.min(enough, wanted * 4);
    }
    return { ids, scores };
  }

  /** Drops the tombstoned vectors of a flat index in place (the only kind where faiss can do it safely). */
  compactFlat() {
    if (this.kind !== 'flat') throw new Error(`compactFlat on a ${this.kind} index`);
    if (this.tombstones.size === 0) return { dropped: 0 };
    const dropped = this.index.removeIds([...this.tombstones]);
    if (dropped !== this.tombstones.size) throw new Error(`faiss removed ${dropped} vectors, expected ${this.tombstones.size}`);
    // removeIds keeps the order of the remaining vectors: their new positions are their ranks.
    this.ids = this.ids.filter((_, position) => !this.tombstones.has(position));
    this.tombstones.clear();
    this.positionOf = new Map(this.ids.map((id, position) => [id, position]));
    return { dropped };
  }

  stats() {
    return { kind: this.kind, dimensions: this.dimensions, stored: this.stored, live: this.live, tombstones: this.tombstones.size };
  }

  snapshotTables() {
    return { ids: Float64Array.from(this.ids), tombstones: Uint32Array.from(this.tombstones) };
  }

  searchRows(queries, rows, wanted) {
    const perCall = isHnsw(this.kind) ? rows.length : MAX_QUERIES_PER_FLAT_SEARCH;
    let labels = [];
    let distances = [];
    for (let start = 0; start < rows.length; start += perCall) {
      const part = rows.slice(start, start + perCall);
      const result = this.index.search(normalisedRows(queries, part, this.dimensions), wanted);
      labels = labels.length === 0 ? result.labels : labels.concat(result.labels);
      distances = distances.length === 0 ? result.distances : distances.concat(result.distances);
    }
    return { labels, distances };
  }

  collect({ labels, distances }, row, wanted, k, ids, scores, outOffset) {
    let found = 0;
    for (let i = row * wanted; i < (row + 1) * wanted && found < k; i++) {
      const position = labels[i];
      if (position < 0 || this.tombstones.has(position)) continue;
      ids[outOffset + found] = this.ids[position];
      scores[outOffset + found] = distances[i];
      found++;
    }
    return found;
  }
}

/** The chosen rows of an n × d matrix as the plain number array faiss-node wants, each scaled to length 1. */
export function normalisedRows(matrix, rows, dimensions) {
  const out = new Array(rows.length * dimensions);
  rows.forEach((row, i) => {
    const start = row * dimensions;
    let sum = 0;
    for (let j = 0; j < dimensions; j++) sum += matrix[start + j] * matrix[start + j];
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 1;
    for (let j = 0; j < dimensions; j++) out[i * dimensions + j] = matrix[start + j] * scale;
  });
  return out;
}
