import { describe, expect, it } from 'vitest';
import { exactTopK, randomItems, randomUnitVectors } from '../testing/random-vectors.js';
import { createFaissIndex } from './faiss-kinds.mjs';
import { LabelledIndex } from './labelled-index.mjs';

const D = 16;
const params = { hnswM: 16, efSearch: 64, efConstruction: 40 };

function flatIndex(items: Array<{ id: number; vector: Float32Array }>) {
  const index = new LabelledIndex(createFaissIndex('flat', D, params, undefined), 'flat', D);
  index.add(Float64Array.from(items, (item) => item.id), pack(items.map((item) => item.vector)));
  return index;
}

function pack(vectors: Float32Array[]): Float32Array {
  const packed = new Float32Array(vectors.length * D);
  vectors.forEach((vector, i) => packed.set(vector, i * D));
  return packed;
}

function hitsOf(result: { ids: Float64Array; scores: Float32Array }, query: number, k: number) {
  return Array.from(result.ids.subarray(query * k, (query + 1) * k)).filter((id) => id >= 0);
}

describe('LabelledIndex', () => {
  it('maps faiss positions back to item ids and finds the exact neighbours on a flat index', () => {
    const items = randomItems(300, D, 1, 1000);
    const index = flatIndex(items);
    const queries = randomUnitVectors(3, D, 2);
    const result = index.search(pack(queries), 5);
    queries.forEach((query, q) => {
      expect(hitsOf(result, q, 5)).toEqual(exactTopK(items, query, 5).map((hit) => hit.id));
    });
  });

  it('answers 40 queries in one call (flat searches of 20+ queries would hit the missing BLAS and kill the process)', () => {
    const items = randomItems(200, D, 3);
    const index = flatIndex(items);
    const queries = randomUnitVectors(40, D, 4);
    const result = index.search(pack(queries), 3);
    expect(hitsOf(result, 39, 3)).toEqual(exactTopK(items, queries[39], 3).map((hit) => hit.id));
  });

  it('skips ids that are already live, including duplicates within one call', () => {
    const items = randomItems(10, D, 5);
    const index = flatIndex(items);
    const again = index.add(Float64Array.of(3, 11, 11), pack([items[2].vector, items[0].vector, items[1].vector]));
    expect(again).toEqual({ added: 1, skipped: 2 });
    expect(index.stats()).toMatchObject({ stored: 11, live: 11 });
  });

  it('hides tombstoned ids and still returns k live hits when the whole neighbourhood was removed', () => {
    const items = randomItems(400, D, 6);
    const index = flatIndex(items);
    const query = randomUnitVectors(1, D, 7)[0];
    const exact = exactTopK(items, query, 60).map((hit) => hit.id);
    expect(index.remove(exact.slice(0, 50))).toEqual({ removed: 50 });
    const result = index.search(pack([query]), 10);
    expect(hitsOf(result, 0, 10)).toEqual(exact.slice(50, 60));
  });

  it('compacts a flat index in place, keeping every remaining id on its vector', () => {
    const items = randomItems(100, D, 8);
    const index = flatIndex(items);
    index.remove([1, 50, 100]);
    expect(index.compactFlat()).toEqual({ dropped: 3 });
    expect(index.stats()).toMatchObject({ stored: 97, live: 97, tombstones: 0 });
    const live = items.filter((item) => ![1, 50, 100].includes(item.id));
    const query = randomUnitVectors(1, D, 9)[0];
    expect(hitsOf(index.search(pack([query]), 10), 0, 10)).toEqual(exactTopK(live, query, 10).map((hit) => hit.id));
  });

  it('normalises vectors, so scores are cosine similarities', () => {
    const index = new LabelledIndex(createFaissIndex('flat', 2, params, undefined), 'flat', 2);
    index.add(Float64Array.of(1, 2), Float32Array.of(3, 0, 0, 5));
    const result = index.search(Float32Array.of(10, 10), 2);
    expect(result.scores[0]).toBeCloseTo(Math.SQRT1_2, 5);
    expect(result.scores[1]).toBeCloseTo(Math.SQRT1_2, 5);
  });

  it('pads with -1 when fewer live items than k exist, and searches an empty index without calling faiss', () => {
    const index = flatIndex(randomItems(3, D, 10));
    index.remove([2]);
    expect(Array.from(index.search(pack(randomUnitVectors(1, D, 11)), 4).ids).filter((id) => id < 0)).toHaveLength(2);
    const empty = new LabelledIndex(createFaissIndex('flat', D, params, undefined), 'flat', D);
    expect(Array.from(empty.search(pack(randomUnitVectors(1, D, 12)), 3).ids)).toEqual([-1, -1, -1]);
  });

  it('refuses to compact anything but a plain flat index (faiss removeIds aborts the process on HNSW)', () => {
    const items = randomItems(50, D, 13);
    const hnsw = new LabelledIndex(createFaissIndex('hnsw', D, params, undefined), 'hnsw', D);
    hnsw.add(Float64Array.from(items, (item) => item.id), pack(items.map((item) => item.vector)));
    hnsw.remove([1]);
    expect(() => hnsw.compactFlat()).toThrow(/compactFlat on a hnsw index/);
  });
});
