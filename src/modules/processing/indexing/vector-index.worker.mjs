// Worker thread that owns every faiss index of the process: faiss-node calls are synchronous and
// long (an HNSW add of 1,000 vectors takes seconds), so they run here, not on the event loop.
// Protocol: see index-worker.protocol.ts. Each message is handled to the end before the next,
// so a search sent after an add sees that add.
import { parentPort } from 'node:worker_threads';
import { createFaissIndex } from './worker/faiss-kinds.mjs';
import { readVerifiedIndexFile, writeIndexFile } from './worker/index-file.mjs';
import { LabelledIndex, normalisedRows } from './worker/labelled-index.mjs';

/** @type {Map<string, LabelledIndex>} model indexes and indexes being built, by slot name */
const slots = new Map();

class UnknownSlotError extends Error {
  name = 'UnknownSlotError';
}

function slot(name) {
  const index = slots.get(name);
  if (!index) throw new UnknownSlotError(`no index in slot ${name}`);
  return index;
}

const handlers = {
  create({ slot: name, kind, dimensions, params, training }) {
    const rows = training ? Array.from({ length: training.length / dimensions }, (_, i) => i) : [];
    const faissIndex = createFaissIndex(kind, dimensions, params, training ? normalisedRows(training, rows, dimensions) : undefined);
    slots.set(name, new LabelledIndex(faissIndex, kind, dimensions));
    return { result: slots.get(name).stats() };
  },

  load({ slot: name, file, bytes, sha256, kind, dimensions, params, ids, tombstones }) {
    const faissIndex = readVerifiedIndexFile(file, { bytes, sha256, kind, efSearch: params.efSearch });
    if (faissIndex.getDimension() !== dimensions || faissIndex.ntotal() !== ids.length) {
      const error = new Error(`${file} holds ${faissIndex.ntotal()} vectors of ${faissIndex.getDimension()} dimensions, the manifest says ${ids.length} of ${dimensions}`);
      error.name = 'CorruptIndexFileError';
      throw error;
    }
    slots.set(name, new LabelledIndex(faissIndex, kind, dimensions, ids, tombstones));
    return { result: slots.get(name).stats() };
  },

  apply({ slot: name, addIds, addVectors, removeIds }) {
    const index = slot(name);
    const added = addIds && addIds.length > 0 ? index.add(addIds, addVectors) : { added: 0, skipped: 0 };
    const removed = removeIds && removeIds.length > 0 ? index.remove(removeIds) : { removed: 0 };
    return { result: { ...added, ...removed, stats: index.stats() } };
  },

  search({ slot: name, queries, k }) {
    const found = slot(name).search(queries, k);
    return { result: found, transfer: [found.ids.buffer, found.scores.buffer] };
  },

  compact({ slot: name }) {
    const index = slot(name);
    const { dropped } = index.compactFlat();
    return { result: { dropped, stats: index.stats() } };
  },

  save({ slot: name, file }) {
    const index = slot(name);
    const { sha256, bytes } = writeIndexFile(index.index, file);
    const tables = index.snapshotTables();
    return { result: { sha256, bytes, stats: index.stats(), ...tables }, transfer: [tables.ids.buffer, tables.tombstones.buffer] };
  },

  move({ from, to }) {
    slots.set(to, slot(from));
    slots.delete(from);
    return { result: slots.get(to).stats() };
  },

  drop({ slot: name }) {
    slots.delete(name);
    return { result: null };
  },

  stats({ slot: name }) {
    return { result: slot(name).stats() };
  },
};

parentPort.on('message', (message) => {
  const handler = handlers[message.op];
  try {
    if (!handler) throw new Error(`unknown index worker operation ${message.op}`);
    const { result, transfer = [] } = handler(message.args);
    parentPort.postMessage({ type: 'result', id: message.id, ok: true, result }, transfer);
  } catch (err) {
    parentPort.postMessage({ type: 'result', id: message.id, ok: false, error: { name: err.name, message: err.message } });
  }
});

parentPort.postMessage({ type: 'ready' });
