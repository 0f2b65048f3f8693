import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TarsConfigValues } from '../../src/config/config.schema.js';
import { MEMORY_CONTRACT, type MemoryContract } from '../../src/contracts/memory/memory.contract.js';
import { encodeVector } from '../../src/contracts/memory/semantic.dto.js';
import { MONITORING_CONTRACT, type MonitoringContract } from '../../src/contracts/monitoring/monitoring.contract.js';
import { PROCESSING_CONTRACT, type ProcessingContract } from '../../src/contracts/processing/processing.contract.js';
import { startNode, type RunningNode } from '../../src/main.js';
import { verifyIndexBackup } from '../../src/modules/processing/indexing/index-backup.js';
import { MemoryVectorSource } from '../../src/modules/processing/indexing/memory-vector-source.js';
import { VectorIndexes } from '../../src/modules/processing/indexing/vector-index.provider.js';
import { VectorIndexManager } from '../../src/modules/processing/indexing/vector-index.manager.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { embeddingTestConfig, hashingModel } from '../support/embedding-config.js';
import { runToEnd } from '../support/jobs.js';

/**
 * The index-maintenance job on a whole node (embedded modules, real PostgreSQL): the FAISS index
 * loses its tombstones, and a backup folder holds a consistent, verifiable, restorable snapshot.
 */

let database: TestDatabase;
let config: TarsConfigValues;
let node: RunningNode;
let memory: MemoryContract;
let processing: ProcessingContract;
let monitoring: MonitoringContract;

beforeAll(async () => {
  database = await createTestDatabase('jobs_index');
  config = embeddingTestConfig({
    models: [hashingModel()],
    env: { DATABASE_URL: database.url, TARS_JOBS_ENABLED: 'false', TARS_JOBS_INDEX_MAINTENANCE_KEEP_BACKUPS: '2' },
  });
  node = await startNode(config);
  memory = node.app.get(MEMORY_CONTRACT.token);
  processing = node.app.get(PROCESSING_CONTRACT.token);
  monitoring = node.app.get(MONITORING_CONTRACT.token);
});
afterAll(async () => {
  await node?.close();
  await database?.drop();
});

/** Stores a document's chunks with real (hashing) vectors, as ingestion would. */
async function storeDocument(texts: string[]): Promise<string> {
  const documentId = randomUUID();
  const embedded = await processing.embedTexts({ texts, use: 'documents' });
  await memory.storeChunks({
    documentId,
    title: 'doc',
    model: embedded.model,
    dimensions: embedded.dimensions,
    chunks: texts.map((text, index) => ({ index, text, start: 0, end: text.length, vector: encodeVector(Float32Array.from(embedded.vectors[index])) })),
  });
  return documentId;
}

async function runJob() {
  const { id } = await monitoring.runJob({ job: 'index-maintenance' });
  return runToEnd(() => monitoring.getJobRun({ id }));
}
const backupsDir = () => join(config.dataDir, 'backups', 'index');

describe('the index-maintenance job', () => {
  it('rebuilds the index without tombstoned vectors and writes a verifiable, restorable backup', async () => {
    const gone = await storeDocument(['alpha gardening tools', 'beta gardening soil', 'gamma gardening seeds', 'delta gardening water']);
    await storeDocument(['the boiler was serviced in March', 'the car needs new tyres', 'the roof gutter leaks']);
    await processing.semanticSearch({ query: 'gardening', k: 5 });
    await memory.deleteDocumentItems({ documentId: gone });
    const manager = node.app.get(VectorIndexes).manager;

    const run = await runJob();
    expect(run.state).toBe('succeeded');
    expect(run.summary).toMatchObject({
      node: 'test-node',
      compaction: [{ model: 'hashing', state: 'compacted', tombstonesDropped: 4, live: 3 }],
      backup: { node: 'test-node', models: [{ model: 'hashing', state: 'saved' }], files: 2, removed: 0 },
    });
    expect(manager.stats('hashing')).toMatchObject({ live: 3, stored: 3, tombstones: 0 });

    const path = (run.summary.backup as { path: string }).path;
    expect(path.startsWith(`${backupsDir()}/`)).toBe(true);
    expect(await verifyIndexBackup(path)).toEqual([]);
    const manifest = JSON.parse(await readFile(join(path, 'backup.json'), 'utf8'));
    expect(manifest.models[0]).toMatchObject({ model: 'hashing', state: 'saved', live: 3 });
    expect(manifest.models[0].files.map((f: { path: string }) => f.path)).toEqual(['hashing/manifest.json', expect.stringMatching(/^hashing\/index-\d+\.faiss$/)]);

    // Restoring is copying the model folders into <dataDir>/indexes: the copy loads as is, without a rebuild.
    const restored = await mkdtemp(join(tmpdir(), 'tars-restore-'));
    await cp(join(path, 'hashing'), join(restored, 'indexes', 'hashing'), { recursive: true });
    const restoredManager = new VectorIndexManager(new MemoryVectorSource(() => memory), {
      ...VectorIndexManager.optionsFromConfig({ ...config, dataDir: restored }),
      syncIntervalMs: 0,
    });
    try {
      expect(await restoredManager.open()).toEqual([{ modelId: 'hashing', state: 'ok' }]);
      expect(restoredManager.stats('hashing')).toMatchObject({ live: 3, tombstones: 0 });
    } finally {
      await restoredManager.close();
    }
  });

  it('finds a damaged backup file', async () => {
    const [latest] = (await readdir(backupsDir())).sort().reverse();
    const dir = join(backupsDir(), latest);
    const copy = await mkdtemp(join(tmpdir(), 'tars-backup-copy-'));
    await cp(dir, copy, { recursive: true });
    const faiss = (await readdir(join(copy, 'hashing'))).find((name) => name.endsWith('.faiss'))!;
    const bytes = await readFile(join(copy, 'hashing', faiss));
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(join(copy, 'hashing', faiss), bytes);
    expect(await verifyIndexBackup(copy)).toEqual([`hashing/${faiss}: SHA-256 differs`]);
  });

  it('keeps the newest jobs.indexMaintenance.keepBackups backups', async () => {
    await runJob();
    const third = await runJob();
    expect(third.summary).toMatchObject({ backup: { removed: 1 } });
    const left = (await readdir(backupsDir())).filter((name) => !name.startsWith('.'));
    expect(left).toHaveLength(2);
    expect(left.sort().at(-1)).toBe((third.summary.backup as { path: string }).path.split('/').at(-1));
  });
});
