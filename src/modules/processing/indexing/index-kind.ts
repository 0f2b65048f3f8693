/** What a model's faiss index is: exact (flat) or HNSW, with fp32 or int8 (scalar-quantised) vectors. */
export type IndexKind = 'flat' | 'flat-int8' | 'hnsw' | 'hnsw-int8';

/** The knobs that decide which kind an index should be and how it is built. */
export interface IndexSettings {
  /** Live vectors from which a model gets an HNSW index instead of a flat one. */
  hnswThreshold: number;
  hnswM: number;
  quantization: 'none' | 'int8';
  /** HNSW breadth at search time: higher finds more of the true neighbours, slower. */
  efSearch: number;
  /** HNSW breadth while building. */
  efConstruction: number;
  /** Below this many vectors an int8 index stays fp32: too few vectors to learn value ranges from (and tiny anyway). */
  int8MinVectors: number;
  /** How many vectors train the int8 quantiser (its per-dimension value ranges). */
  int8TrainingVectors: number;
}

/** The shape of an existing index: enough to tell whether the settings now want another one. */
export interface IndexShape {
  kind: IndexKind;
  hnswM: number;
}

export function isHnswKind(kind: IndexKind): boolean {
  return kind === 'hnsw' || kind === 'hnsw-int8';
}

export function isQuantizedKind(kind: IndexKind): boolean {
  return kind === 'flat-int8' || kind === 'hnsw-int8';
}

/** The kind an index of `liveVectors` vectors should be under these settings. */
export function chooseIndexKind(liveVectors: number, settings: IndexSettings): IndexKind {
  const hnsw = liveVectors >= settings.hnswThreshold;
  const int8 = settings.quantization === 'int8' && liveVectors >= settings.int8MinVectors;
  if (hnsw) return int8 ? 'hnsw-int8' : 'hnsw';
  return int8 ? 'flat-int8' : 'flat';
}

/**
 * Why an index of this shape holding `liveVectors` should be rebuilt now, or undefined. Growth
 * switches flat to HNSW (and fp32 to int8 when configured); a change of settings rebuilds too.
 * Shrinking never does (that waits for compaction), so an index does not flap around a threshold.
 */
export function rebuildReason(shape: IndexShape, liveVectors: number, settings: IndexSettings): string | undefined {
  const wanted = chooseIndexKind(liveVectors, settings);
  if (isHnswKind(wanted) && !isHnswKind(shape.kind)) return `${liveVectors} vectors reached the HNSW threshold (${settings.hnswThreshold})`;
  if (isQuantizedKind(wanted) && !isQuantizedKind(shape.kind)) return `${liveVectors} vectors: quantising to int8`;
  if (isQuantizedKind(shape.kind) && settings.quantization === 'none') return 'quantization is now none';
  if (isHnswKind(shape.kind) && shape.hnswM !== settings.hnswM) return `HNSW M changed from ${shape.hnswM} to ${settings.hnswM}`;
  return undefined;
}

/** A generous estimate of the index file size per vector, to check the disk has room before saving. */
export function estimatedBytesPerVector(kind: IndexKind, dimensions: number, hnswM: number): number {
  const vector = isQuantizedKind(kind) ? dimensions : 4 * dimensions;
  // HNSW level 0 keeps 2·M neighbours of 4 bytes, upper levels add ~1/M of that; plus level and offset tables.
  const graph = isHnswKind(kind) ? 2 * hnswM * 4 * 1.1 + 16 : 0;
  return vector + graph;
}
