import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IndexFixture } from '../../src/modules/processing/indexing/testing/index-fixture.js';
import { exactTopK, randomItems, randomUnitVectors } from '../../src/modules/processing/indexing/testing/random-vectors.js';
import type { VectorIndexManager } from '../../src/modules/processing/indexing/vector-index.manager.js';
import { VectorIndexUnavailableError } from '../../src/modules/processing/indexing/vector-index.errors.js';

const D = 32;
const QUERIES = randomUnitVectors(5, D, 77);
let fixture: IndexFixture;
afterEach(() => fixture.cleanup());

/** The exact answer from what the source holds now. */
function expected(k = 10): number[][] {
  const live = fixture.source.liveItems('m');
  return QUERIES.map((query) => exactTopK(live, query, k).map((hit) => hit.id));
}

async function answers(manager: VectorIndexManager, k = 10): Promise<number[][]> {
  return (await manager.searchMany('m', QUERIES, k)).map((hits) => hits.map((hit) => hit.id));
}

/** A first node run: index built from the source (ids 1001..1400, some removed), saved, stopped. */
async function savedIndex(options: Parameters<IndexFixture['start']>[0] = {}): Promise<void> {
  fixture = await IndexFixture.create(options);
  fixture.source.put('m', randomItems(400, D, 1, 1001));
  const { manager } = await fixture.start();
  await manager.ready('m');
  fixture.source.delete('m', [1001, 1002, 1003]);
  await manager.remove('m', [1001, 1002, 1003]);
  await manager.sync('m');
  await manager.close();
}

async function indexFile(): Promise<string> {
  const names = (await readdir(fixture.modelDir())).filter((name) => name.endsWith('.faiss'));
  expect(names).toHaveLength(1);
  return join(fixture.modelDir(), names[0]);
}

describe('vector index: persistence', () => {
  it('a restarted node loads the saved index with its ids and tombstones, without reading the source', async () => {
    await savedIndex();
    fixture.source.scans.length = 0;
    const { manager, reports } = await fixture.start();
    expect(reports).toEqual([{ modelId: 'm', state: 'ok' }]);
    expect(await answers(manager)).toEqual(expected());
    expect(manager.stats('m')).toMatchObject({ live: 397, stored: 400, tombstones: 3 });
    expect(fixture.source.scans).toEqual([]);
  });

  it('a corrupt index file is detected by its checksum and rebuilt from the source', async () => {
    await savedIndex();
    const file = await indexFile();
    const bytes = await readFile(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    await writeFile(file, bytes);
    const { manager, reports } = await fixture.start();
    expect(reports).toEqual([{ modelId: 'm', state: 'corrupt', reason: expect.stringMatching(/SHA-256/) }]);
    expect(await answers(manager)).toEqual(expected());
    expect(fixture.source.scans.at(-1)).toEqual({ modelId: 'm', afterSequence: 0 });
  });

  it('a truncated index file is corrupt too', async () => {
    await savedIndex();
    const file = await indexFile();
    await writeFile(file, (await readFile(file)).subarray(0, 1000));
    const { manager, reports } = await fixture.start();
    expect(reports[0]).toMatchObject({ state: 'corrupt', reason: expect.stringMatching(/1000 bytes/) });
    expect(await answers(manager)).toEqual(expected());
  });

  it('a damaged manifest (one id changed, JSON still valid) is corrupt and rebuilt', async () => {
    await savedIndex();
    const path = join(fixture.modelDir(), 'manifest.json');
    await writeFile(path, (await readFile(path, 'utf8')).replace('"ids":[1001,', '"ids":[1999,'));
    const { manager, reports } = await fixture.start();
    expect(reports[0]).toMatchObject({ state: 'corrupt', reason: expect.stringMatching(/checksum/) });
    expect(await answers(manager)).toEqual(expected());
  });

  it('a deleted index file (or manifest) is missing and rebuilt', async () => {
    await savedIndex();
    await rm(await indexFile());
    const first = await fixture.start();
    expect(first.reports[0]).toMatchObject({ state: 'missing' });
    expect(await answers(first.manager)).toEqual(expected());
    await first.manager.close();

    await rm(join(fixture.modelDir(), 'manifest.json'));
    const second = await fixture.start();
    expect(second.reports[0]).toMatchObject({ state: 'missing', reason: 'no manifest' });
    expect(await answers(second.manager)).toEqual(expected());
  });

  it('a stale index catches up from its watermark, additions and deletions, without a rebuild', async () => {
    await savedIndex();
    const added = randomItems(50, D, 2, 5001);
    fixture.source.put('m', added);
    const deleted = expected()[0].slice(0, 3);
    fixture.source.delete('m', deleted);
    fixture.source.scans.length = 0;
    const { manager, reports } = await fixture.start();
    expect(reports[0]).toMatchObject({ state: 'stale' });
    const found = await answers(manager, 10);
    expect(found).toEqual(expected());
    expect(found.flat().filter((id) => deleted.includes(id))).toEqual([]);
    expect(fixture.source.scans).toHaveLength(1);
    expect(fixture.source.scans[0].afterSequence).toBeGreaterThan(0);
    expect(manager.stats('m')).toMatchObject({ live: 397 + 50 - 3 });
  });

  it('sync() brings in changes another node made in the source', async () => {
    await savedIndex();
    const { manager } = await fixture.start();
    await manager.ready('m');
    // Each query's own vector: certain to enter its top 10.
    fixture.source.put('m', QUERIES.map((vector, i) => ({ id: 7001 + i, vector })));
    expect(await answers(manager)).not.toEqual(expected());
    await manager.sync('m');
    expect(await answers(manager)).toEqual(expected());
  });

  it('sync() and searches do not wait for a rebuild in progress', async () => {
    fixture = await IndexFixture.create({ hnswThreshold: 150 });
    fixture.source.put('m', randomItems(100, D, 5, 1));
    const { manager } = await fixture.start();
    await manager.ready('m');
    const release = fixture.source.holdFullScans();
    const more = randomItems(60, D, 6, 101);
    fixture.source.put('m', more);
    await manager.add('m', more); // crosses the threshold: a rebuild starts and waits for its scan
    await expect.poll(() => manager.stats('m').restructuring).toBe(true);

    fixture.source.put('m', QUERIES.map((vector, i) => ({ id: 9001 + i, vector })));
    await manager.sync('m');
    expect((await manager.searchMany('m', QUERIES, 1)).map((hits) => hits[0].id)).toEqual([9001, 9002, 9003, 9004, 9005]);
    expect(manager.stats('m')).toMatchObject({ kind: 'flat', restructuring: true });

    release();
    await manager.idle('m');
    expect(manager.stats('m')).toMatchObject({ kind: 'hnsw', live: 165, restructuring: false });
    expect(await answers(manager)).toEqual(expected());
  });

  it('saves in the background after changes, atomically: one index file and a manifest that names it', async () => {
    fixture = await IndexFixture.create({ saveDelayMs: 20, maxSaveDelayMs: 50 });
    const { manager } = await fixture.start();
    await manager.ready('m');
    const items = randomItems(30, D, 4);
    fixture.source.put('m', items);
    await manager.add('m', items);
    await expect.poll(() => manager.stats('m').lastSave, { timeout: 5000 }).toBeDefined();
    await manager.idle('m');
    const names = (await readdir(fixture.modelDir())).sort();
    expect(names).toEqual([expect.stringMatching(/^index-\d+\.faiss$/), 'manifest.json']);
    const manifest = JSON.parse(await readFile(join(fixture.modelDir(), 'manifest.json'), 'utf8')).manifest;
    expect(manifest).toMatchObject({ modelId: 'm', dimensions: D, kind: 'flat', stored: 30, indexFile: names[0] });
    expect(manifest.ids.sort((a: number, b: number) => a - b)).toEqual(items.map((item) => item.id));
  });

  it('serves a loaded index while the source is down, and retries a rebuild until the source is back', async () => {
    await savedIndex();
    fixture.source.failWith = new Error('database is down');
    const up = await fixture.start();
    expect(up.reports[0]).toMatchObject({ state: 'ok' });
    expect(await answers(up.manager)).toEqual(expected());
    await up.manager.close();

    await rm(await indexFile());
    const down = await fixture.start();
    expect(down.reports[0]).toMatchObject({ state: 'missing' });
    await expect(down.manager.search('m', QUERIES[0], 3)).rejects.toBeInstanceOf(VectorIndexUnavailableError);
    fixture.source.failWith = undefined;
    await expect.poll(() => down.manager.stats('m').phase, { timeout: 5000 }).toBe('ready');
    expect(await answers(down.manager)).toEqual(expected());
  });
});
