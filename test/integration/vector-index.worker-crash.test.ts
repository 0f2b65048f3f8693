import { afterEach, describe, expect, it } from 'vitest';
import { IndexFixture } from '../../src/modules/processing/indexing/testing/index-fixture.js';
import { exactTopK, randomItems, randomUnitVectors } from '../../src/modules/processing/indexing/testing/random-vectors.js';
import { IndexWorkerCrashedError } from '../../src/modules/processing/indexing/vector-index.errors.js';

const D = 32;
// The real worker, plus: a search on the model "crash" throws an uncaught exception in the thread.
const CRASHING_WORKER = new URL('../../src/modules/processing/indexing/testing/crashing-index.worker.mjs', import.meta.url);
let fixture: IndexFixture;
afterEach(() => fixture.cleanup());

describe('vector index: worker crash', () => {
  it('survives the worker thread dying: the process lives on, indexes are reloaded, waiting searches are answered', async () => {
    fixture = await IndexFixture.create({
      models: [{ id: 'm', dimensions: D }, { id: 'crash', dimensions: D }],
      workerUrl: CRASHING_WORKER,
    });
    const saved = randomItems(300, D, 1);
    fixture.source.put('m', saved);
    const { manager } = await fixture.start();
    await manager.ready('m');
    await manager.flush();
    // Added after the last save: the reload gets them back from the source, from the watermark on.
    const unsaved = randomItems(40, D, 2, 1001);
    fixture.source.put('m', unsaved);
    await manager.add('m', unsaved);

    const queries = randomUnitVectors(3, D, 3);
    const crash = manager.search('crash', queries[0], 5);
    const waiting = manager.searchMany('m', queries, 10); // queued in the worker behind the fatal message
    // The search that was running when the worker died is not sent again: it may be what killed it.
    await expect(crash).rejects.toMatchObject({ constructor: IndexWorkerCrashedError, retryable: false });

    const all = [...saved, ...unsaved];
    const expected = queries.map((query) => exactTopK(all, query, 10).map((hit) => hit.id));
    expect((await waiting).map((hits) => hits.map((hit) => hit.id))).toEqual(expected);
    expect(manager.stats('m')).toMatchObject({ phase: 'ready', live: 340, lastLoad: { state: 'stale' } });
    expect(fixture.logger.lines.some((line) => line.includes('simulated index worker crash'))).toBe(true);

    await manager.add('m', randomItems(1, D, 4, 5000));
    expect(manager.stats('m').live).toBe(341);
  });
});
