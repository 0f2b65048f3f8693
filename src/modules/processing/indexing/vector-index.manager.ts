import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { TarsConfig } from '../../../config/tars-config.js';
import { IndexFolder, type SavedIndexCopy } from './index-folder.js';
import type { IndexSettings } from './index-kind.js';
import { IndexWorkerClient } from './index-worker.client.js';
import { type IndexLogger, type IndexStats, type LoadReport, ModelIndex, type SearchHit } from './model-index.js';
import { type IndexItem, packQueries } from './vector-batch.js';
import { UnknownIndexModelError } from './vector-index.errors.js';
import type { VectorSource } from './vector-source.js';

/** Everything the manager needs to know; `optionsFromConfig` derives it from TARS's configuration. */
export interface VectorIndexOptions {
  /** Indexes live in `<dataDir>/indexes/<modelId>/`. */
  dataDir: string;
  /** One index per embedding model: vectors of different models are never compared. */
  models: ReadonlyArray<{ id: string; dimensions: number }>;
  /** Live vectors from which a model's index is HNSW instead of flat. */
  hnswThreshold: number;
  hnswM: number;
  quantization: 'none' | 'int8';
  /** HNSW search breadth (faiss-node's own default, 16, finds fewer than half of the true top 10 on 384-d vectors). Default 128. */
  hnswEfSearch?: number;
  /** HNSW build breadth. Default 40 (faiss's). */
  hnswEfConstruction?: number;
  /** Below this many vectors, int8 quantisation waits (fp32 flat). Default 1,000. */
  int8MinVectors?: number;
  /** Vectors that train the int8 quantiser. Default 20,000. */
  int8TrainingVectors?: number;
  /** Compact when tombstones exceed this fraction of the stored vectors. Default 0.2. */
  compactAtTombstoneFraction?: number;
  /** Save this long after the last change... Default 5 s. */
  saveDelayMs?: number;
  /** ...but no later than this after the first unsaved one. Default 60 s. */
  maxSaveDelayMs?: number;
  /** Catch up with the source this often (changes made by other nodes); 0 = only when asked. Default 30 s. */
  syncIntervalMs?: number;
  /** The worker entry point (tests substitute one that can be made to crash). */
  workerUrl?: URL;
}

/**
 * The vector indexes of a processing node: one faiss index per embedding model, run in a worker
 * thread, persisted in the data folder, rebuilt or caught up from the VectorSource (PostgreSQL)
 * when missing, corrupt or stale. Call `add`/`remove` after the change is committed to the source.
 */
export class VectorIndexManager {
  private readonly models = new Map<string, ModelIndex>();
  private readonly worker: IndexWorkerClient;
  private syncTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    source: VectorSource,
    private readonly options: VectorIndexOptions,
    logger: IndexLogger = new Logger('vector-index'),
  ) {
    this.worker = new IndexWorkerClient(
      {
        crashed: (error) => {
          logger.error(`the index worker died (${error.message}); reloading every index`);
          for (const model of this.models.values()) model.workerCrashed();
        },
        log: (message) => logger.warn(message),
      },
      options.workerUrl,
    );
    const settings: IndexSettings = {
      hnswThreshold: options.hnswThreshold,
      hnswM: options.hnswM,
      quantization: options.quantization,
      efSearch: options.hnswEfSearch ?? 128,
      efConstruction: options.hnswEfConstruction ?? 40,
      int8MinVectors: options.int8MinVectors ?? 1_000,
      int8TrainingVectors: options.int8TrainingVectors ?? 20_000,
    };
    const indexesDir = join(options.dataDir, 'indexes');
    for (const { id, dimensions } of options.models) {
      this.models.set(
        id,
        new ModelIndex(id, dimensions, {
          worker: this.worker,
          source,
          folder: new IndexFolder(indexesDir, id),
          settings,
          saveDelayMs: options.saveDelayMs ?? 5_000,
          maxSaveDelayMs: options.maxSaveDelayMs ?? 60_000,
          compactAtTombstoneFraction: options.compactAtTombstoneFraction ?? 0.2,
          logger,
        }),
      );
    }
  }

  /** The options TARS's configuration gives: every embedding model gets an index. */
  static optionsFromConfig(config: Pick<TarsConfig, 'dataDir' | 'index' | 'embeddings'>): VectorIndexOptions {
    return {
      dataDir: config.dataDir,
      models: config.embeddings.models.map((model) => ({ id: model.id, dimensions: model.dimensions })),
      hnswThreshold: config.index.hnswThreshold,
      hnswM: config.index.hnswM,
      hnswEfSearch: config.index.hnswEfSearch,
      hnswEfConstruction: config.index.hnswEfConstruction,
      quantization: config.index.quantization,
    };
  }

  /**
   * Starts the worker and loads every model's index. Resolves once each model's state on disk is
   * known; a missing, corrupt or stale index is rebuilt or caught up in the background, and
   * searches on it wait until that is done.
   */
  async open(): Promise<LoadReport[]> {
    await this.worker.start();
    const reports = await Promise.all([...this.models.values()].map((model) => model.open()));
    const interval = this.options.syncIntervalMs ?? 30_000;
    if (interval > 0) {
      this.syncTimer = setInterval(() => this.models.forEach((model) => model.syncInBackground()), interval);
      this.syncTimer.unref();
    }
    return reports;
  }

  /** Adds items (ids already in the index are left as they are: adding is idempotent). */
  async add(modelId: string, items: readonly IndexItem[]): Promise<{ added: number; skipped: number }> {
    return this.model(modelId).add(items);
  }

  /** Removes items from search results at once (tombstones; compaction frees their space later). */
  async remove(modelId: string, ids: readonly number[]): Promise<{ removed: number }> {
    return this.model(modelId).remove(ids);
  }

  /** The k items most similar to the query (cosine similarity), best first. */
  async search(modelId: string, query: Float32Array, k: number): Promise<SearchHit[]> {
    const [hits] = await this.searchMany(modelId, [query], k);
    return hits;
  }

  /** Several queries in one trip to the worker: one list of hits per query, in order. */
  async searchMany(modelId: string, queries: readonly Float32Array[], k: number): Promise<SearchHit[][]> {
    const model = this.model(modelId);
    if (queries.length === 0) return [];
    return model.search(packQueries(queries, model.dimensions, modelId), k);
  }

  /** Catches up with the source now (one model, or all). */
  async sync(modelId?: string): Promise<void> {
    await Promise.all(this.selected(modelId).map((model) => model.sync()));
  }

  /** Drops removed items for good (the nightly job's call): in place for flat, by a rebuild otherwise. */
  async compact(modelId?: string): Promise<void> {
    await Promise.all(this.selected(modelId).map((model) => model.compact()));
  }

  /** The embedding models that have an index here. */
  modelIds(): string[] {
    return [...this.models.keys()];
  }

  /** Saves the model's index if needed and copies its saved files into `targetDir` (see ModelIndex.backup). */
  async backup(modelId: string, targetDir: string): Promise<SavedIndexCopy> {
    return this.model(modelId).backup(targetDir);
  }

  /** Saves every index with unsaved changes now. */
  async flush(): Promise<void> {
    await Promise.all(this.selected().map((model) => model.flush()));
  }

  /** Resolves when the model's index answers searches (after its load, rebuild or catch-up). */
  async ready(modelId: string): Promise<void> {
    return this.model(modelId).ready();
  }

  /** Resolves when no load, rebuild, compaction or save is running or waiting (tests, benchmarks). */
  async idle(modelId?: string): Promise<void> {
    await Promise.all(this.selected(modelId).map((model) => model.idle()));
  }

  stats(modelId: string): IndexStats {
    return this.model(modelId).stats();
  }

  allStats(): IndexStats[] {
    return this.selected().map((model) => model.stats());
  }

  /** Saves what is unsaved and stops the worker. */
  async close(): Promise<void> {
    clearInterval(this.syncTimer);
    await Promise.all(this.selected().map((model) => model.close()));
    await this.worker.close();
  }

  private model(modelId: string): ModelIndex {
    const model = this.models.get(modelId);
    if (!model) throw new UnknownIndexModelError(`no vector index for embedding model '${modelId}'`, { model: modelId });
    return model;
  }

  private selected(modelId?: string): ModelIndex[] {
    return modelId === undefined ? [...this.models.values()] : [this.model(modelId)];
  }
}
