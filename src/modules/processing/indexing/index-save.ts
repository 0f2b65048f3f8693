import type { IndexFolder } from './index-folder.js';
import { estimatedBytesPerVector, type IndexShape } from './index-kind.js';
import type { IndexManifest } from './index-manifest.js';
import type { IndexWorkerClient } from './index-worker.client.js';

const SAVE_MARGIN_BYTES = 16 * 1024 * 1024;

export interface SnapshotToSave {
  worker: IndexWorkerClient;
  folder: IndexFolder;
  incarnation: number;
  slot: string;
  modelId: string;
  dimensions: number;
  shape: IndexShape;
  /** Vectors in the index now, to check the disk has room. */
  stored: number;
  /** The generation saved last (0: none). */
  generation: number;
  watermark: number;
}

/**
 * Writes the slot's index as the folder's next generation: the faiss file (written and flushed by
 * the worker), then the manifest naming it. Throws without writing when the disk looks too full:
 * faiss aborts the whole process, not just the call, when a write fails.
 */
export async function saveSnapshot(snapshot: SnapshotToSave): Promise<{ generation: number; bytes: number; savedAt: string }> {
  const { folder, worker, shape } = snapshot;
  const needed = snapshot.stored * estimatedBytesPerVector(shape.kind, snapshot.dimensions, shape.hnswM) * 1.2 + SAVE_MARGIN_BYTES;
  const free = await folder.freeBytes();
  if (free < needed) throw new Error(`not saved: ${free} bytes free in ${folder.dir}, about ${Math.round(needed)} needed`);
  const generation = await folder.nextGeneration(snapshot.generation);
  const saved = await worker.request('save', { slot: snapshot.slot, file: folder.tempIndexPath(generation) }, [], snapshot.incarnation);
  const manifest: IndexManifest = {
    format: 1,
    modelId: snapshot.modelId,
    dimensions: snapshot.dimensions,
    kind: saved.stats.kind,
    hnswM: shape.hnswM,
    indexFile: `index-${generation}.faiss`,
    indexBytes: saved.bytes,
    indexSha256: saved.sha256,
    generation,
    stored: saved.stats.stored,
    live: saved.stats.live,
    ids: Array.from(saved.ids),
    tombstones: Array.from(saved.tombstones),
    watermark: snapshot.watermark,
    savedAt: new Date().toISOString(),
  };
  await folder.publish(generation, manifest);
  return { generation, bytes: saved.bytes, savedAt: manifest.savedAt };
}
