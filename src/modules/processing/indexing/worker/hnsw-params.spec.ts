import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import faiss from 'faiss-node';
import { afterAll, describe, expect, it } from 'vitest';
import { randomUnitVectors } from '../testing/random-vectors.js';
import { createFaissIndex } from './faiss-kinds.mjs';
import { locateHnswParams, readHnswEfSearch, setHnswEfSearchInFile } from './hnsw-params.mjs';

const dir = mkdtempSync(join(tmpdir(), 'hnsw-params-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function paramsIn(bytes: Buffer) {
  const at = locateHnswParams((offset: number, length: number) => bytes.subarray(offset, offset + length), bytes.length);
  if (!at) throw new Error('not found');
  return { efConstruction: bytes.readInt32LE(at.efConstruction), efSearch: bytes.readInt32LE(at.efSearch) };
}

function filled(kind: 'hnsw' | 'hnsw-int8', efSearch: number) {
  const vectors = randomUnitVectors(300, 8, 1).flatMap((vector) => Array.from(vector));
  const index = createFaissIndex(kind, 8, { hnswM: 8, efSearch, efConstruction: 77 }, vectors);
  index.add(vectors);
  return index;
}

describe('HNSW parameters in serialized faiss indexes', () => {
  it('finds faiss defaults (efConstruction 40, efSearch 16) in a fresh index', () => {
    const fresh = faiss.Index.fromFactory(8, 'HNSW8,Flat', faiss.MetricType.METRIC_INNER_PRODUCT);
    expect(paramsIn(fresh.toBuffer())).toEqual({ efConstruction: 40, efSearch: 16 });
  });

  it('sets them on new HNSW indexes, fp32 and int8, and they survive adding vectors', () => {
    expect(paramsIn(filled('hnsw', 123).toBuffer())).toEqual({ efConstruction: 77, efSearch: 123 });
    expect(paramsIn(filled('hnsw-int8', 99).toBuffer())).toEqual({ efConstruction: 77, efSearch: 99 });
  });

  it('rewrites efSearch in an index file that faiss then reads with it', () => {
    const file = join(dir, 'h.faiss');
    filled('hnsw', 16).write(file);
    const size = statSync(file).size;
    setHnswEfSearchInFile(file, size, 200);
    expect(readHnswEfSearch(file, size)).toBe(200);
    expect(paramsIn(faiss.Index.read(file).toBuffer()).efSearch).toBe(200);
  });

  it('does not claim to understand other index types or truncated bytes', () => {
    const flat = createFaissIndex('flat', 8, { hnswM: 8, efSearch: 16, efConstruction: 40 }, undefined).toBuffer();
    expect(locateHnswParams((o: number, l: number) => flat.subarray(o, o + l), flat.length)).toBeUndefined();
    const truncated = filled('hnsw', 16).toBuffer().subarray(0, 100);
    expect(locateHnswParams((o: number, l: number) => truncated.subarray(o, o + l), truncated.length)).toBeUndefined();
  });
});
