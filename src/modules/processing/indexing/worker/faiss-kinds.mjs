// The four index kinds TARS builds, as faiss factory strings, and how to make each one ready to
// take vectors. Everything here runs inside the index worker thread (faiss-node calls are synchronous).
import faiss from 'faiss-node';
import { setHnswParamsInBuffer } from './hnsw-params.mjs';

const { Index, MetricType } = faiss;

/** The first four bytes faiss writes for each kind: a file must start with its manifest's kind. */
export const FOURCC_OF_KIND = { flat: 'IxFI', 'flat-int8': 'IxSQ', hnsw: 'IHNf', 'hnsw-int8': 'IHNs' };

/**
 * @param {'flat' | 'flat-int8' | 'hnsw' | 'hnsw-int8'} kind
 * @param {{ hnswM: number }} params
 */
export function factoryString(kind, params) {
  switch (kind) {
    case 'flat':
      return 'Flat';
    case 'flat-int8':
      return 'SQ8';
    case 'hnsw':
      return `HNSW${params.hnswM},Flat`;
    case 'hnsw-int8':
      return `HNSW${params.hnswM},SQ8`;
    default:
      throw new Error(`unknown index kind ${kind}`);
  }
}

export function isHnsw(kind) {
  return kind === 'hnsw' || kind === 'hnsw-int8';
}

export function needsTraining(kind) {
  return kind === 'flat-int8' || kind === 'hnsw-int8';
}

/**
 * An empty faiss index of the kind, with HNSW parameters set and, for int8 kinds, the scalar
 * quantiser trained on `trainingVectors` (a plain number array, n × dimensions).
 * @param {string} kind
 * @param {number} dimensions
 * @param {{ hnswM: number; efSearch: number; efConstruction: number }} params
 * @param {number[] | undefined} trainingVectors
 */
export function createFaissIndex(kind, dimensions, params, trainingVectors) {
  let index = Index.fromFactory(dimensions, factoryString(kind, params), MetricType.METRIC_INNER_PRODUCT);
  if (isHnsw(kind)) {
    // The empty index is a few hundred bytes: the copy that toBuffer/fromBuffer leak in faiss-node
    // (they never free their IO buffers) is negligible here, unlike for a filled index.
    const bytes = index.toBuffer();
    setHnswParamsInBuffer(bytes, { efSearch: params.efSearch, efConstruction: params.efConstruction });
    index = Index.fromBuffer(bytes);
  }
  if (needsTraining(kind)) {
    // faiss aborts the whole process (not a JS error) when an untrained index is given vectors.
    if (!trainingVectors || trainingVectors.length === 0) throw new Error(`a ${kind} index needs training vectors`);
    index.train(trainingVectors);
  }
  return index;
}

/** Reads an index file (faiss-node's read() frees its reader; fromBuffer() would leak a copy). */
export function readFaissIndex(file) {
  return Index.read(file);
}
