import { applyChanges, trainingSample } from './index-feeding.js';
import { type IndexKind, isQuantizedKind } from './index-kind.js';
import type { IndexWorkerClient } from './index-worker.client.js';
import type { FaissParams } from './index-worker.protocol.js';
import { buffersOf, type SourceChanges } from './vector-batch.js';
import type { VectorRecord, VectorSource } from './vector-source.js';

export interface BuildFromSource {
  worker: IndexWorkerClient;
  source: VectorSource;
  modelId: string;
  dimensions: number;
  /** The spare worker slot the index is built in. */
  slot: string;
  kind: IndexKind;
  params: FaissParams;
  /** How many vectors an int8 kind trains on. */
  trainingVectors: number;
  incarnation: number;
  /** Turns a batch of source records into index changes (and may stop the build by throwing). */
  read(records: VectorRecord[]): SourceChanges;
}

/**
 * Fills `slot` with every live vector of the source. An int8 kind learns its value ranges from the
 * first vectors, so batches are held back until there are enough of them; with no vectors at all
 * the index is plain flat (nothing to train on). Returns the kind built and the highest sequence read.
 */
export async function buildFromSource(build: BuildFromSource): Promise<{ kind: IndexKind; watermark: number }> {
  const { worker, slot, dimensions, incarnation } = build;
  let kind = build.kind;
  const sampleSize = isQuantizedKind(kind) ? build.trainingVectors : 0;
  const held: SourceChanges[] = [];
  let heldVectors = 0;
  let created = false;
  let watermark = 0;
  const create = async () => {
    if (heldVectors === 0) kind = 'flat';
    const training = isQuantizedKind(kind) ? trainingSample(held, sampleSize, dimensions) : undefined;
    await worker.request('create', { slot, kind, dimensions, params: build.params, training }, training ? buffersOf(training) : [], incarnation);
    created = true;
    for (const changes of held.splice(0)) await applyChanges(worker, { slot, kind, dimensions, incarnation }, changes);
  };
  for await (const records of build.source.scan(build.modelId, 0)) {
    const changes = build.read(records);
    watermark = Math.max(watermark, changes.lastSequence);
    if (created) {
      await applyChanges(worker, { slot, kind, dimensions, incarnation }, changes);
      continue;
    }
    held.push(changes);
    heldVectors += changes.adds.ids.length;
    if (heldVectors >= sampleSize) await create();
  }
  if (!created) await create();
  return { kind, watermark };
}

