import { describe, expect, it } from 'vitest';
import { chooseIndexKind, estimatedBytesPerVector, type IndexSettings, rebuildReason } from './index-kind.js';

const settings: IndexSettings = { hnswThreshold: 1000, hnswM: 32, quantization: 'none', efSearch: 128, efConstruction: 40, int8MinVectors: 100, int8TrainingVectors: 1000 };
const int8 = { ...settings, quantization: 'int8' as const };

describe('index kinds', () => {
  it('is flat below the HNSW threshold and HNSW at it', () => {
    expect(chooseIndexKind(999, settings)).toBe('flat');
    expect(chooseIndexKind(1000, settings)).toBe('hnsw');
  });

  it('quantises to int8 only when configured and once there are vectors enough to learn ranges from', () => {
    expect(chooseIndexKind(99, int8)).toBe('flat');
    expect(chooseIndexKind(100, int8)).toBe('flat-int8');
    expect(chooseIndexKind(1000, int8)).toBe('hnsw-int8');
  });

  it('asks for a rebuild on growth and on changed settings, never on shrinking', () => {
    expect(rebuildReason({ kind: 'flat', hnswM: 32 }, 1000, settings)).toMatch(/HNSW threshold/);
    expect(rebuildReason({ kind: 'flat', hnswM: 32 }, 150, int8)).toMatch(/int8/);
    expect(rebuildReason({ kind: 'flat-int8', hnswM: 32 }, 150, settings)).toMatch(/quantization is now none/);
    expect(rebuildReason({ kind: 'hnsw', hnswM: 16 }, 5000, settings)).toMatch(/M changed from 16 to 32/);
    expect(rebuildReason({ kind: 'hnsw', hnswM: 32 }, 10, settings)).toBeUndefined();
    expect(rebuildReason({ kind: 'hnsw-int8', hnswM: 32 }, 10, int8)).toBeUndefined();
    expect(rebuildReason({ kind: 'flat', hnswM: 32 }, 999, settings)).toBeUndefined();
  });

  it('estimates int8 files at about a quarter of fp32 ones, HNSW with its graph on top', () => {
    expect(estimatedBytesPerVector('flat', 384, 32)).toBe(1536);
    expect(estimatedBytesPerVector('flat-int8', 384, 32)).toBe(384);
    expect(estimatedBytesPerVector('hnsw', 384, 32)).toBeGreaterThan(1536 + 256);
  });
});
