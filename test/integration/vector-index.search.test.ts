import { afterEach, describe, expect, it } from 'vitest';
import { ValidationFailedError } from '../../src/contracts/errors.js';
import { IndexFixture } from '../../src/modules/processing/indexing/testing/index-fixture.js';
import { exactTopK, randomItems, randomUnitVectors } from '../../src/modules/processing/indexing/testing/random-vectors.js';
import { UnknownIndexModelError } from '../../src/modules/processing/indexing/vector-index.errors.js';

const D = 32;
let fixture: IndexFixture;
afterEach(() => fixture.cleanup());

async function startWith(items: ReturnType<typeof randomItems>, options: Parameters<IndexFixture['start']>[0] = {}) {
  fixture = await IndexFixture.create(options);
  fixture.source.put('m', items);
  const { manager } = await fixture.start();
  await manager.ready('m');
  return manager;
}

describe('vector index: search', () => {
  it('a flat index returns exactly the brute-force top k, ids and scores, for 25 queries in one call', async () => {
    const items = randomItems(600, D, 1);
    const manager = await startWith(items);
    const queries = randomUnitVectors(25, D, 2);
    const results = await manager.searchMany('m', queries, 10);
    queries.forEach((query, q) => {
      const exact = exactTopK(items, query, 10);
      expect(results[q].map((hit) => hit.id)).toEqual(exact.map((hit) => hit.id));
      results[q].forEach((hit, i) => expect(hit.score).toBeCloseTo(exact[i].score, 5));
    });
  });

  it('adds are idempotent, take effect for the next search, and never cross models', async () => {
    fixture = await IndexFixture.create({ models: [{ id: 'm', dimensions: D }, { id: 'other', dimensions: 8 }] });
    const { manager } = await fixture.start();
    await manager.ready('m');
    const items = randomItems(50, D, 3);
    fixture.source.put('m', items);
    expect(await manager.add('m', items)).toEqual({ added: 50, skipped: 0 });
    expect(await manager.add('m', items.slice(0, 10))).toEqual({ added: 0, skipped: 10 });
    expect(await manager.search('m', items[7].vector, 1)).toEqual([{ id: 8, score: expect.closeTo(1, 5) }]);
    expect(await manager.search('other', randomUnitVectors(1, 8, 4)[0], 5)).toEqual([]);
    expect(manager.stats('m')).toMatchObject({ live: 50, stored: 50, kind: 'flat' });
  });

  it('rejects bad input with typed errors and adds nothing of a batch holding one bad item', async () => {
    const manager = await startWith([]);
    const good = randomItems(2, D, 5);
    await expect(manager.add('m', [...good, { id: 3, vector: new Float32Array(D) }])).rejects.toBeInstanceOf(ValidationFailedError);
    await expect(manager.add('m', [{ id: 0, vector: good[0].vector }])).rejects.toBeInstanceOf(ValidationFailedError);
    await expect(manager.add('m', [{ id: 4, vector: new Float32Array(D - 1).fill(1) }])).rejects.toThrow(/31 dimensions instead of 32/);
    await expect(manager.search('m', good[0].vector, 0)).rejects.toBeInstanceOf(ValidationFailedError);
    await expect(manager.search('nope', good[0].vector, 3)).rejects.toBeInstanceOf(UnknownIndexModelError);
    expect(manager.stats('m').live).toBe(0);
  });

  it('removed ids disappear from results at once, also when a whole neighbourhood is removed', async () => {
    const items = randomItems(500, D, 6);
    const manager = await startWith(items);
    const query = randomUnitVectors(1, D, 7)[0];
    const exact = exactTopK(items, query, 70).map((hit) => hit.id);
    expect(await manager.remove('m', exact.slice(0, 60))).toEqual({ removed: 60 });
    expect((await manager.search('m', query, 10)).map((hit) => hit.id)).toEqual(exact.slice(60, 70));
    expect(manager.stats('m')).toMatchObject({ live: 440, stored: 500, tombstones: 60 });
  });

  it('compaction drops tombstoned vectors from a flat index and keeps results right', async () => {
    const items = randomItems(300, D, 8);
    const manager = await startWith(items);
    const removed = items.filter((item) => item.id % 3 === 0).map((item) => item.id);
    fixture.source.delete('m', removed);
    await manager.remove('m', removed);
    await manager.compact('m');
    expect(manager.stats('m')).toMatchObject({ live: 200, stored: 200, tombstones: 0, kind: 'flat' });
    const live = items.filter((item) => item.id % 3 !== 0);
    const query = randomUnitVectors(1, D, 9)[0];
    expect((await manager.search('m', query, 10)).map((hit) => hit.id)).toEqual(exactTopK(live, query, 10).map((hit) => hit.id));
  });

  it('compacts by itself once tombstones exceed the configured fraction', async () => {
    const items = randomItems(100, D, 10);
    fixture = await IndexFixture.create({ compactAtTombstoneFraction: 0.25 });
    fixture.source.put('m', items);
    const { manager } = await fixture.start();
    await manager.ready('m');
    await manager.remove('m', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    await manager.idle('m');
    expect(manager.stats('m')).toMatchObject({ tombstones: 20, stored: 100 });
    await manager.remove('m', [21, 22, 23, 24, 25, 26]);
    await manager.idle('m');
    expect(manager.stats('m')).toMatchObject({ tombstones: 0, stored: 74, live: 74 });
  });
});
