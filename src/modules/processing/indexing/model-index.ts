import { ValidationFailedError } from '../../../contracts/errors.js';
import { CoalescingRunner } from './coalescing-runner.js';
import { buildFromSource } from './index-build.js';
import { applyChanges } from './index-feeding.js';
import type { IndexFolder, SavedIndexCopy } from './index-folder.js';
import { chooseIndexKind, type IndexKind, type IndexSettings, type IndexShape, rebuildReason } from './index-kind.js';
import { saveSnapshot } from './index-save.js';
import type { IndexWorkerClient } from './index-worker.client.js';
import type { FaissParams, SlotStats } from './index-worker.protocol.js';
import { Readiness } from './readiness.js';
import { SaveScheduler } from './save-scheduler.js';
import { TaskQueue } from './task-queue.js';
import { buffersOf, type IndexItem, isItemId, packItems, packSourceChanges, type PackedItems, type SourceChanges } from './vector-batch.js';
import { IndexWorkerCrashedError, IndexWorkerTaskError, VectorIndexUnavailableError } from './vector-index.errors.js';
import type { IndexLogger, IndexStats, LoadReport, LoadState, SearchHit } from './vector-index.types.js';
import type { VectorSource } from './vector-source.js';

export type { IndexLogger, IndexStats, LoadReport, LoadState, SearchHit } from './vector-index.types.js';

export interface ModelIndexDeps {
  worker: IndexWorkerClient;
  source: VectorSource;
  folder: IndexFolder;
  settings: IndexSettings;
  saveDelayMs: number;
  maxSaveDelayMs: number;
  /** Tombstones above this fraction of the stored vectors trigger a compaction. */
  compactAtTombstoneFraction: number;
  logger: IndexLogger;
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;
const MAX_K = 10_000;

/**
 * One embedding model's index: loads it from disk (or rebuilds it from the source), keeps it in
 * step with the source, rebuilds it when it should change kind or has too many tombstones, and
 * saves it in the background. Structural work (load, rebuild, catch-up, compaction, save) runs one
 * task at a time; adds, removals and searches go straight to the worker once the index is ready.
 */
export class ModelIndex {
  private readonly slot: string;
  private readonly tasks = new TaskQueue();
  private readonly readiness = new Readiness();
  private readonly saves: SaveScheduler;
  private readonly reportWaiters: Array<(report: LoadReport) => void> = [];
  private phase: IndexStats['phase'] = 'starting';
  private shape: IndexShape;
  private counts: SlotStats | undefined;
  private watermark = 0;
  private generation = 0;
  private changes = 0;
  private savedChanges = 0;
  private builds = 0;
  private restructuring = false;
  private restructureQueued = false;
  /** Catch-ups never overlap: one that read an item before its deletion must not apply it after another applied the deletion. */
  private readonly catchUps = new CoalescingRunner(() => this.catchUp());
  /** Changes whenever the model's slot gets another index (load, rebuild): a catch-up on the old one must not move the watermark. */
  private liveGeneration = 0;
  private lastLoad: LoadReport | undefined;
  private lastSave: IndexStats['lastSave'];
  private lastError: string | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelay = FIRST_RETRY_MS;
  private closed = false;

  constructor(
    readonly modelId: string,
    readonly dimensions: number,
    private readonly deps: ModelIndexDeps,
  ) {
    this.slot = `model:${modelId}`;
    this.shape = { kind: 'flat', hnswM: deps.settings.hnswM };
    this.saves = new SaveScheduler(() => this.saveInBackground(), deps.saveDelayMs, deps.maxSaveDelayMs);
  }

  /** Loads the index, or starts rebuilding it; resolves with what was on disk (before a rebuild ends). */
  open(): Promise<LoadReport> {
    const report = new Promise<LoadReport>((resolve) => this.reportWaiters.push(resolve));
    void this.tasks.runFirst(() => this.load());
    return report;
  }

  /** Resolves when the index answers searches; rejects when it cannot (and is being retried). */
  ready(): Promise<void> {
    return this.readiness.wait();
  }

  /** The worker died: everything it held is gone. Reload before anything else runs. */
  workerCrashed(): void {
    if (this.closed) return;
    this.readiness.reset();
    this.phase = 'starting';
    void this.tasks.runFirst(() => this.load());
  }

  async add(items: readonly IndexItem[]): Promise<{ added: number; skipped: number }> {
    const packed = packItems(items, this.dimensions, this.modelId);
    if (items.length === 0) return { added: 0, skipped: 0 };
    const result = await this.retryAfterCrash(async () => {
      await this.readiness.wait();
      const changes = { adds: copyPacked(packed), removeIds: new Float64Array(0) };
      return this.applyToLive(changes);
    });
    this.afterChange();
    return { added: result.added, skipped: result.skipped };
  }

  async remove(ids: readonly number[]): Promise<{ removed: number }> {
    ids.forEach((id, i) => {
      if (!isItemId(id)) throw new ValidationFailedError(`id ${i} must be a positive integer below 2^53`, { model: this.modelId, index: i });
    });
    if (ids.length === 0) return { removed: 0 };
    const result = await this.retryAfterCrash(async () => {
      await this.readiness.wait();
      return this.applyToLive({ adds: { ids: new Float64Array(0), vectors: new Float32Array(0) }, removeIds: Float64Array.from(ids) });
    });
    this.afterChange();
    return { removed: result.removed };
  }

  /** The k nearest live items of each query (n queries packed n × dimensions), best first. */
  async search(queries: Float32Array, k: number): Promise<SearchHit[][]> {
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new ValidationFailedError(`k must be an integer from 1 to ${MAX_K}`, { model: this.modelId, k });
    const found = await this.retryAfterCrash(async () => {
      await this.readiness.wait();
      const copy = queries.slice();
      return this.deps.worker.request('search', { slot: this.slot, queries: copy, k }, buffersOf(copy));
    });
    const n = queries.length / this.dimensions;
    return Array.from({ length: n }, (_, q) => {
      const hits: SearchHit[] = [];
      for (let i = q * k; i < (q + 1) * k && found.ids[i] >= 0; i++) hits.push({ id: found.ids[i], score: found.scores[i] });
      return hits;
    });
  }

  /**
   * Catches up with the source from the watermark (changes made elsewhere, e.g. by another node).
   * Does not wait for a rebuild or compaction in progress: it updates the index searches use now.
   */
  async sync(): Promise<void> {
    await this.readiness.wait();
    await this.catchUps.run();
  }

  /** A periodic sync: skipped while the index is not ready, joins one already waiting. */
  syncInBackground(): void {
    if (this.phase !== 'ready' || this.catchUps.queued) return;
    this.catchUps.run().catch((err) => this.fail('sync', err));
  }

  /** Drops tombstoned vectors now (flat: in place; other kinds: rebuilt from the source). */
  async compact(): Promise<void> {
    await this.readiness.wait();
    await this.tasks.run(async () => this.restructure(await this.deps.worker.incarnation(), true));
  }

  /** Saves now if anything changed since the last save. */
  async flush(): Promise<void> {
    this.saves.cancel();
    await this.tasks.run(() => this.save());
  }

  /**
   * Saves what is unsaved, then copies the saved index (the manifest and the faiss file it names)
   * into `targetDir`. A structural task: no save can replace the files while they are copied.
   */
  async backup(targetDir: string): Promise<SavedIndexCopy> {
    this.saves.cancel();
    return this.tasks.run(async () => {
      await this.save();
      return this.deps.folder.copySavedIndex(this.modelId, this.dimensions, targetDir);
    });
  }

  /** Resolves when no background task is running or waiting. */
  async idle(): Promise<void> {
    await this.tasks.idle();
  }

  /** Stops background work (a running rebuild stops at its next piece) and saves what is unsaved. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.saves.cancel();
    const finalSave = this.phase === 'ready' ? this.tasks.runFirst(() => this.save()) : Promise.resolve();
    this.closed = true;
    await finalSave.catch((err) => this.deps.logger.error(`${this.modelId}: final save: ${(err as Error).message}`));
    this.phase = 'closed';
    this.readiness.fail(new VectorIndexUnavailableError('the vector index is closed', { model: this.modelId }));
    this.resolveReports({ modelId: this.modelId, state: 'missing', reason: 'closed before loading' });
  }

  stats(): IndexStats {
    return {
      modelId: this.modelId,
      dimensions: this.dimensions,
      phase: this.phase,
      kind: this.shape.kind,
      live: this.counts?.live ?? 0,
      stored: this.counts?.stored ?? 0,
      tombstones: this.counts?.tombstones ?? 0,
      watermark: this.watermark,
      restructuring: this.restructuring,
      lastLoad: this.lastLoad,
      lastSave: this.lastSave,
      lastError: this.lastError,
    };
  }

  // --- loading -------------------------------------------------------------------------------

  private async load(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    let state: LoadState | undefined;
    try {
      const incarnation = await this.deps.worker.incarnation();
      this.phase = 'starting';
      await this.deps.folder.prepare();
      const found = await this.loadFromDisk(incarnation);
      if (found.state === 'ok') {
        const latest = await this.latestSequenceIfReachable();
        const stale = latest !== undefined && latest > this.watermark;
        state = stale ? 'stale' : 'ok';
        this.resolveReports({ modelId: this.modelId, state, ...(stale ? { reason: `saved up to sequence ${this.watermark}, the source is at ${latest}` } : {}) });
        if (stale) await this.catchUpOrLog('catch-up after loading');
      } else {
        state = found.state;
        this.resolveReports({ modelId: this.modelId, state, reason: found.reason });
        this.deps.logger.warn(`${this.modelId}: index ${found.state} (${found.reason}); rebuilding it from the source`);
        this.phase = 'rebuilding';
        await this.startEmpty(incarnation);
        await this.rebuild(incarnation, `index ${found.state}`);
      }
      this.phase = 'ready';
      this.retryDelay = FIRST_RETRY_MS;
      this.lastError = undefined;
      this.readiness.resolve();
      this.afterChange();
    } catch (err) {
      if (err instanceof IndexWorkerCrashedError || this.closed) return; // the crash queued another load
      this.resolveReports({ modelId: this.modelId, state: state ?? 'corrupt', reason: `cannot load: ${(err as Error).message}` });
      this.phase = 'failed';
      this.fail('load', err);
      this.readiness.fail(new VectorIndexUnavailableError(`the index of ${this.modelId} is unavailable: ${(err as Error).message}`, { model: this.modelId }));
      this.retryTimer = setTimeout(() => void this.tasks.run(() => this.load()), this.retryDelay);
      this.retryTimer.unref();
      this.retryDelay = Math.min(MAX_RETRY_MS, this.retryDelay * 2);
    }
  }

  private async loadFromDisk(incarnation: number): Promise<{ state: 'ok' } | { state: 'missing' | 'corrupt'; reason: string }> {
    const inspection = await this.deps.folder.inspect(this.modelId, this.dimensions);
    if (inspection.state !== 'ok') return inspection;
    const m = inspection.manifest;
    const ids = Float64Array.from(m.ids);
    const tombstones = Uint32Array.from(m.tombstones);
    const args = { slot: this.slot, file: inspection.indexPath, bytes: m.indexBytes, sha256: m.indexSha256, kind: m.kind, dimensions: this.dimensions, params: this.params(m.hnswM), ids, tombstones };
    try {
      this.counts = await this.deps.worker.request('load', args, buffersOf(ids, tombstones), incarnation);
    } catch (err) {
      // The worker is fine but the file is not what the manifest describes (or faiss cannot read it).
      if (err instanceof IndexWorkerTaskError) return { state: 'corrupt', reason: err.message };
      throw err;
    }
    this.liveGeneration++;
    this.shape = { kind: m.kind, hnswM: m.hnswM };
    this.watermark = m.watermark;
    this.generation = m.generation;
    this.savedChanges = this.changes;
    this.lastSave = { at: m.savedAt, bytes: m.indexBytes };
    return { state: 'ok' };
  }

  /** An empty flat index, so the model has a slot while it is rebuilt. */
  private async startEmpty(incarnation: number): Promise<void> {
    this.counts = await this.deps.worker.request('create', { slot: this.slot, kind: 'flat', dimensions: this.dimensions, params: this.params(this.deps.settings.hnswM) }, [], incarnation);
    this.liveGeneration++;
    this.shape = { kind: 'flat', hnswM: this.deps.settings.hnswM };
    this.watermark = 0;
  }

  // --- keeping up with the source --------------------------------------------------------------

  private async catchUp(): Promise<void> {
    const incarnation = await this.deps.worker.incarnation();
    const generation = this.liveGeneration;
    const latest = await this.deps.source.latestSequence(this.modelId);
    if (latest <= this.watermark) return;
    for await (const records of this.deps.source.scan(this.modelId, this.watermark)) {
      this.throwIfClosed();
      const changes = this.fromSource(records);
      await this.applyToLive(changes, incarnation);
      // A rebuild swapped another index in meanwhile: it catches up by itself from its own watermark.
      if (this.liveGeneration !== generation) return;
      this.watermark = Math.max(this.watermark, changes.lastSequence);
      this.changes++;
    }
    this.afterChange();
  }

  /**
   * Builds a new index from every vector of the source in a spare slot, then swaps it in: searches
   * keep using the current index meanwhile. Changes made during the build are in the source with
   * later sequences, so a catch-up after the swap brings them in.
   */
  private async rebuild(incarnation: number, reason: string): Promise<void> {
    const { settings, worker, logger } = this.deps;
    const startedAt = Date.now();
    const kind = chooseIndexKind(this.counts?.live ?? 0, settings);
    logger.log(`${this.modelId}: building a ${kind} index from the source (${reason})`);
    const build = `build:${this.modelId}:${++this.builds}`;
    let built: { kind: IndexKind; watermark: number };
    try {
      built = await buildFromSource({
        worker,
        source: this.deps.source,
        modelId: this.modelId,
        dimensions: this.dimensions,
        slot: build,
        kind,
        params: this.params(settings.hnswM),
        trainingVectors: settings.int8TrainingVectors,
        incarnation,
        read: (records) => {
          this.throwIfClosed();
          return this.fromSource(records);
        },
      });
      this.counts = await worker.request('move', { from: build, to: this.slot }, [], incarnation);
    } catch (err) {
      await worker.request('drop', { slot: build }, [], incarnation).catch(() => undefined);
      throw err;
    }
    this.liveGeneration++;
    this.shape = { kind: built.kind, hnswM: settings.hnswM };
    this.watermark = built.watermark;
    this.changes++;
    logger.log(`${this.modelId}: ${built.kind} index of ${this.counts.live} vectors built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    await this.catchUpOrLog('catch-up after rebuilding');
  }

  // --- restructuring: kind changes and compaction ---------------------------------------------

  private tooManyTombstones(): boolean {
    const counts = this.counts;
    return !!counts && counts.tombstones > 0 && counts.tombstones > this.deps.compactAtTombstoneFraction * counts.stored;
  }

  /** Rebuilds when the kind should change, compacts when tombstones pile up (or always, when asked). */
  private async restructure(incarnation: number, compactAnyway: boolean): Promise<void> {
    const reason = rebuildReason(this.shape, this.counts?.live ?? 0, this.deps.settings);
    const compaction = (this.counts?.tombstones ?? 0) > 0 && (compactAnyway || this.tooManyTombstones());
    if (!reason && !compaction) return;
    this.restructuring = true;
    try {
      if (!reason && this.shape.kind === 'flat') {
        const { dropped, stats } = await this.deps.worker.request('compact', { slot: this.slot }, [], incarnation);
        this.counts = stats;
        this.changes++;
        this.deps.logger.log(`${this.modelId}: compacted the flat index (${dropped} removed vectors dropped)`);
      } else {
        await this.rebuild(incarnation, reason ?? `compaction of ${this.counts?.tombstones} tombstones`);
      }
    } finally {
      this.restructuring = false;
    }
    this.afterChange();
  }

  /** After every change: save later, and rebuild or compact in the background when due. */
  private afterChange(): void {
    if (this.closed || this.phase !== 'ready') return;
    if (this.changes !== this.savedChanges) this.saves.changed();
    if (this.restructureQueued || this.restructuring) return;
    if (!rebuildReason(this.shape, this.counts?.live ?? 0, this.deps.settings) && !this.tooManyTombstones()) return;
    this.restructureQueued = true;
    this.tasks
      .run(async () => {
        this.restructureQueued = false;
        await this.restructure(await this.deps.worker.incarnation(), false);
      })
      .catch((err) => this.fail('rebuild', err));
  }

  // --- saving ----------------------------------------------------------------------------------

  private saveInBackground(): void {
    this.tasks.run(() => this.save()).catch((err) => this.fail('save', err));
  }

  private async save(): Promise<void> {
    if (this.changes === this.savedChanges || this.phase !== 'ready' || !this.counts) return;
    const changesAtSnapshot = this.changes;
    const saved = await saveSnapshot({
      worker: this.deps.worker,
      folder: this.deps.folder,
      incarnation: await this.deps.worker.incarnation(),
      slot: this.slot,
      modelId: this.modelId,
      dimensions: this.dimensions,
      shape: this.shape,
      stored: this.counts.stored,
      generation: this.generation,
      // Read before the snapshot: everything up to it is applied already (a catch-up moves it only after applying).
      watermark: this.watermark,
    });
    this.generation = saved.generation;
    this.savedChanges = changesAtSnapshot;
    this.lastSave = { at: saved.savedAt, bytes: saved.bytes };
  }

  // --- helpers ---------------------------------------------------------------------------------

  private async applyToLive(changes: Pick<SourceChanges, 'adds' | 'removeIds'>, incarnation?: number) {
    const result = await applyChanges(this.deps.worker, { slot: this.slot, kind: this.shape.kind, dimensions: this.dimensions, incarnation }, changes);
    if (result.stats) this.counts = result.stats;
    if (result.added > 0 || result.removed > 0) this.changes++;
    return result;
  }

  private fromSource(records: Parameters<typeof packSourceChanges>[0]): SourceChanges {
    const changes = packSourceChanges(records, this.dimensions);
    if (changes.invalid.length > 0) {
      const first = changes.invalid[0];
      this.deps.logger.warn(`${this.modelId}: ${changes.invalid.length} source records skipped (e.g. id ${String(first.id)}: ${first.problem})`);
    }
    return changes;
  }

  /**
   * Catches up, but a failure (the source went away) leaves the index as it is rather than
   * unusable: a slightly stale index is worth serving; the next sync tries again.
   */
  private async catchUpOrLog(what: string): Promise<void> {
    try {
      await this.catchUps.run();
    } catch (err) {
      if (err instanceof IndexWorkerCrashedError) throw err;
      this.fail(what, err);
    }
  }

  private async latestSequenceIfReachable(): Promise<number | undefined> {
    try {
      return await this.deps.source.latestSequence(this.modelId);
    } catch (err) {
      // The saved index is still worth serving while the database is away; the next sync catches up.
      this.fail('freshness check', err);
      return undefined;
    }
  }

  /**
   * Runs `work` again once if the worker died while it waited in the worker's queue (the reload
   * has been queued meanwhile). Not if it was the one running: it may be what killed the worker.
   */
  private async retryAfterCrash<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof IndexWorkerCrashedError) || !err.retryable || this.closed) throw err;
      return work();
    }
  }

  private params(hnswM: number): FaissParams {
    return { hnswM, efSearch: this.deps.settings.efSearch, efConstruction: this.deps.settings.efConstruction };
  }

  private resolveReports(report: LoadReport): void {
    this.lastLoad = report;
    for (const resolve of this.reportWaiters.splice(0)) resolve(report);
  }

  private throwIfClosed(): void {
    if (this.closed) throw new VectorIndexUnavailableError('the vector index is closing', { model: this.modelId });
  }

  private fail(what: string, err: unknown): void {
    // A crash is reported once by the manager and recovered by a reload; after close, errors are the closing itself.
    if (err instanceof IndexWorkerCrashedError || this.closed) return;
    this.lastError = `${what}: ${(err as Error).message}`;
    this.deps.logger.error(`${this.modelId}: ${this.lastError}`);
  }
}

function copyPacked(packed: PackedItems): PackedItems {
  return { ids: packed.ids.slice(), vectors: packed.vectors.slice() };
}
