import { describe, expect, it } from 'vitest';
import type { IndexStats } from '../../modules/processing/indexing/vector-index.types.js';
import { diskVerdict, jetStreamVerdict, memoryVerdict, vectorIndexVerdict } from './verdicts.js';

const MIB = 1024 * 1024;

function index(modelId: string, overrides: Partial<IndexStats> = {}): IndexStats {
  return { modelId, dimensions: 8, phase: 'ready', kind: 'flat', live: 3, stored: 4, tombstones: 1, watermark: 7, restructuring: false, ...overrides };
}

describe('diskVerdict', () => {
  const space = { path: '/data', freeBytes: 400 * MIB, totalBytes: 1000 * MIB, freePercent: 40 };

  it('is up at or above the minimum, with the numbers', () => {
    expect(diskVerdict(space, 40)).toEqual({
      status: 'up',
      data: { path: '/data', freePercent: 40, freeMb: 400, totalMb: 1000, minFreePercent: 40 },
    });
  });

  it('is down below the minimum, saying how much is free', () => {
    const verdict = diskVerdict({ ...space, freePercent: 3.14159 }, 5);
    expect(verdict.status).toBe('down');
    expect(verdict.data).toMatchObject({ freePercent: 3.1, minFreePercent: 5, message: 'only 3.1 % of the disk of /data is free (minimum 5 %)' });
  });
});

describe('memoryVerdict', () => {
  it('compares available MiB with the minimum', () => {
    expect(memoryVerdict({ availableBytes: 512 * MIB, totalBytes: 2048 * MIB }, 256)).toEqual({
      status: 'up',
      data: { availableMb: 512, totalMb: 2048, minFreeMb: 256 },
    });
    const low = memoryVerdict({ availableBytes: 100 * MIB + 5, totalBytes: 2048 * MIB }, 256);
    expect(low).toMatchObject({ status: 'down', data: { availableMb: 100, message: 'only 100 MiB of memory available (minimum 256 MiB)' } });
  });
});

describe('jetStreamVerdict', () => {
  const healthy = { stream: 't_ingest', consumer: 't_ingest_workers', pulling: true, exists: true, pending: 2, ackPending: 1 };

  it('is up when every consumer exists and is pulled from, with the backlog per queue', () => {
    expect(jetStreamVerdict([healthy])).toEqual({
      status: 'up',
      data: { queues: { t_ingest: { consumer: 't_ingest_workers', pulling: true, exists: true, pending: 2, ackPending: 1 } } },
    });
  });

  it('is down naming each queue with a problem, and still shows the healthy ones', () => {
    const missing = { stream: 't_questions', consumer: 't_questions_workers', pulling: true, exists: false, problem: 'the consumer does not exist' };
    const verdict = jetStreamVerdict([healthy, missing]);
    expect(verdict.status).toBe('down');
    expect(verdict.data.message).toBe('t_questions: the consumer does not exist');
    expect(Object.keys(verdict.data.queues as object)).toEqual(['t_ingest', 't_questions']);
  });
});

describe('vectorIndexVerdict', () => {
  it('is up when every model index is ready, with per-model counts', () => {
    expect(vectorIndexVerdict([index('a'), index('b', { live: 10, kind: 'hnsw', restructuring: true })])).toEqual({
      status: 'up',
      data: {
        models: {
          a: { phase: 'ready', kind: 'flat', vectors: 3, tombstones: 1 },
          b: { phase: 'ready', kind: 'hnsw', vectors: 10, tombstones: 1, restructuring: true },
        },
      },
    });
  });

  it('is degraded while an index loads or is rebuilt, and says so', () => {
    const verdict = vectorIndexVerdict([index('a'), index('b', { phase: 'rebuilding' })]);
    expect(verdict.status).toBe('degraded');
    expect(verdict.data.message).toMatch(/the index of b is being rebuilt from the database: searches on it wait/);
    expect(vectorIndexVerdict([index('a', { phase: 'starting' })]).data.message).toMatch(/the index of a is loading/);
  });

  it('is down when an index failed to load (over one rebuilding), with the error', () => {
    const verdict = vectorIndexVerdict([index('a', { phase: 'rebuilding' }), index('b', { phase: 'failed', lastError: 'disk full' })]);
    expect(verdict.status).toBe('down');
    expect(verdict.data.message).toBe('the index of b is unavailable (disk full)');
  });
});
