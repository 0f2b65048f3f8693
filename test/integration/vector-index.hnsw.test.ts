import { afterEach, describe, expect, it } from 'vitest';
import { IndexFixture } from '../../src/modules/processing/indexing/testing/index-fixture.js';
import { exactTopK, randomItems, randomUnitVectors, recallAtK } from '../../src/modules/processing/indexing/testing/random-vectors.js';
import type { VectorIndexManager } from '../../src/modules/processing/indexing/vector-index.manager.js';

// Small HNSW thresholds keep builds short; random unit vectors are HNSW's hardest case.
const D = 64;
const QUERIES = randomUnitVectors(100, D, 99);
let fixture: IndexFixture;
afterEach(() => fixture.cleanup());

async function recallOf(manager: VectorIndexManager, items: ReturnType<typeof randomItems>): Promise<number> {
  const found = await manager.searchMany('m', QUERIES, 10);
  return recallAtK(found, QUERIES.map((query) => exactTopK(items, query, 10)), 10);
}

describe('vector index: HNSW and int8', () => {
  it('switches from flat to HNSW when the live count reaches the threshold, with recall@10 above 0.9', async () => {
    fixture = await IndexFixture.create({ models: [{ id: 'm', dimensions: D }], hnswThreshold: 2000 });
    const items = randomItems(2500, D, 1);
    fixture.source.put('m', items.slice(0, 1999));
    const { manager } = await fixture.start();
    await manager.idle('m');
    expect(manager.stats('m')).toMatchObject({ kind: 'flat', live: 1999 });

    fixture.source.put('m', items.slice(1999));
    await manager.add('m', items.slice(1999, 2000));
    await manager.idle('m');
    // The rebuild reads the source, so it also brought in the 500 vectors not added directly.
    expect(manager.stats('m')).toMatchObject({ kind: 'hnsw', live: 2500, stored: 2500, restructuring: false });
    const recall = await recallOf(manager, items);
    expect(recall).toBeGreaterThan(0.9);
  });

  it('searches with the configured efSearch, which faiss-node alone leaves at 16', async () => {
    fixture = await IndexFixture.create({ models: [{ id: 'm', dimensions: D }], hnswThreshold: 100 });
    const items = randomItems(3000, D, 2);
    fixture.source.put('m', items);
    const first = await fixture.start({ hnswEfSearch: 128 });
    await first.manager.idle('m');
    expect(first.manager.stats('m').kind).toBe('hnsw');
    const wide = await recallOf(first.manager, items);
    await first.manager.close();

    const second = await fixture.start({ hnswEfSearch: 16 });
    expect(second.reports).toEqual([{ modelId: 'm', state: 'ok' }]);
    const narrow = await recallOf(second.manager, items);
    expect(wide).toBeGreaterThan(0.95);
    expect(narrow).toBeLessThan(wide - 0.05);
  });

  it('hides removed ids on HNSW and drops them by rebuilding from the source on compaction', async () => {
    fixture = await IndexFixture.create({ models: [{ id: 'm', dimensions: D }], hnswThreshold: 500 });
    const items = randomItems(1500, D, 3);
    fixture.source.put('m', items);
    const { manager } = await fixture.start();
    await manager.idle('m');
    const query = QUERIES[0];
    const top = (await manager.search('m', query, 20)).map((hit) => hit.id);
    fixture.source.delete('m', top.slice(0, 10));
    await manager.remove('m', top.slice(0, 10));
    const after = (await manager.search('m', query, 10)).map((hit) => hit.id);
    expect(after.filter((id) => top.slice(0, 10).includes(id))).toEqual([]);
    expect(manager.stats('m')).toMatchObject({ kind: 'hnsw', tombstones: 10, stored: 1500 });

    await manager.compact('m');
    expect(manager.stats('m')).toMatchObject({ kind: 'hnsw', tombstones: 0, stored: 1490, live: 1490 });
    const live = items.filter((item) => !top.slice(0, 10).includes(item.id));
    expect(await recallOf(manager, live)).toBeGreaterThan(0.9);
  });

  it('int8 quantisation keeps recall@10 above 0.9 and makes the saved index about 4× smaller', async () => {
    const items = randomItems(2000, D, 4);
    const sizes: Record<string, number> = {};
    const recalls: Record<string, number> = {};
    for (const quantization of ['none', 'int8'] as const) {
      fixture = await IndexFixture.create({ models: [{ id: 'm', dimensions: D }], quantization, int8MinVectors: 500 });
      fixture.source.put('m', items);
      const { manager } = await fixture.start();
      await manager.idle('m');
      await manager.flush();
      const stats = manager.stats('m');
      expect(stats.kind).toBe(quantization === 'int8' ? 'flat-int8' : 'flat');
      sizes[quantization] = stats.lastSave!.bytes / stats.stored;
      recalls[quantization] = await recallOf(manager, items);
      await fixture.cleanup();
    }
    expect(recalls.none).toBe(1);
    expect(recalls.int8).toBeGreaterThan(0.9);
    expect(sizes.none).toBeGreaterThan(4 * D);
    expect(sizes.none / sizes.int8).toBeGreaterThan(3.5);
  });

  it('builds HNSW over int8 vectors at the threshold, trained on the vectors it holds', async () => {
    fixture = await IndexFixture.create({ models: [{ id: 'm', dimensions: D }], quantization: 'int8', int8MinVectors: 500, hnswThreshold: 1000 });
    const items = randomItems(2000, D, 5);
    fixture.source.put('m', items);
    const { manager } = await fixture.start();
    await manager.idle('m');
    expect(manager.stats('m')).toMatchObject({ kind: 'hnsw-int8', live: 2000 });
    expect(await recallOf(manager, items)).toBeGreaterThan(0.85);
  });
});
