import { describe, expect, it } from 'vitest';
import { decodeManifest, encodeManifest, type IndexManifest } from './index-manifest.js';

const manifest: IndexManifest = {
  format: 1,
  modelId: 'minilm',
  dimensions: 384,
  kind: 'flat',
  hnswM: 32,
  indexFile: 'index-3.faiss',
  indexBytes: 4660,
  indexSha256: 'a'.repeat(64),
  generation: 3,
  stored: 3,
  live: 2,
  ids: [10, 11, 12],
  tombstones: [1],
  watermark: 42,
  savedAt: '2026-11-23T10:00:00.000Z',
};

describe('index manifest', () => {
  it('round-trips', () => {
    expect(decodeManifest(encodeManifest(manifest))).toEqual({ manifest });
  });

  it('detects any change to its content through its own checksum', () => {
    const tampered = encodeManifest(manifest).replace('"ids":[10,', '"ids":[19,');
    expect(decodeManifest(tampered)).toEqual({ problem: 'the manifest does not match its checksum' });
  });

  it('rejects text that is not a manifest', () => {
    expect(decodeManifest('{"truncated":')).toMatchObject({ problem: expect.stringMatching(/not readable JSON/) });
  });

  it('rejects tables that disagree with the counts', () => {
    const problem = decodeManifest(encodeManifest({ ...manifest, ids: [10, 11] }));
    expect(problem).toMatchObject({ problem: expect.stringMatching(/2 ids for 3 stored vectors/) });
    expect(decodeManifest(encodeManifest({ ...manifest, tombstones: [5], live: 2 }))).toMatchObject({ problem: expect.stringMatching(/past the stored/) });
  });
});
