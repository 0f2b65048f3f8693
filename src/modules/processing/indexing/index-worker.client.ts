import { setTimeout as sleep } from 'node:timers/promises';
import { type Transferable, Worker } from 'node:worker_threads';
import type { IndexWorkerMessage, IndexWorkerOp, IndexWorkerOps } from './index-worker.protocol.js';
import { IndexWorkerCrashedError, IndexWorkerTaskError, VectorIndexUnavailableError } from './vector-index.errors.js';

/** The worker entry point, beside this file both in src/ (Vitest) and in dist/ (tsc copies .mjs files). */
export const INDEX_WORKER_URL = new URL('./vector-index.worker.mjs', import.meta.url);

const START_TIMEOUT_MS = 30_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** Longest wait for a busy worker before it is terminated at close. */
const CLOSE_GRACE_MS = 10_000;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** What the client tells its owner about the worker's life. */
export interface IndexWorkerHooks {
  /** The worker died; called before the requests it owed are rejected, so that callers retrying find the owner already recovering. */
  crashed(error: Error): void;
  log(message: string): void;
}

/** One started worker thread and the answers it owes. */
class WorkerHandle {
  readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private gone = false;

  constructor(
    readonly worker: Worker,
    readonly incarnation: number,
    private readonly onGone: (handle: WorkerHandle, error: Error) => void,
  ) {
    worker.on('message', (message: IndexWorkerMessage) => {
      if (message.type === 'result') this.settle(message);
    });
    worker.on('error', (err) => this.die(err));
    worker.on('exit', (code) => this.die(new Error(`the index worker exited with code ${code}`)));
  }

  send(op: string, args: unknown, transfer: readonly Transferable[]): Promise<unknown> {
    if (this.gone) return Promise.reject(new IndexWorkerCrashedError('the index worker is gone'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  private settle(message: Extract<IndexWorkerMessage, { type: 'result' }>): void {
    const request = this.pending.get(message.id);
    if (!request) return;
    this.pending.delete(message.id);
    // An idle worker must not keep the process alive; a busy one must, or an awaiting CLI would exit early.
    if (this.pending.size === 0) this.worker.unref();
    if (message.ok) request.resolve(message.result);
    else request.reject(new IndexWorkerTaskError(message.error.message, message.error.name));
  }

  private die(error: Error): void {
    if (this.gone) return;
    this.gone = true;
    this.onGone(this, error);
    // The worker handles requests in order: the oldest one was running when it died.
    let running = true;
    for (const request of this.pending.values()) {
      request.reject(new IndexWorkerCrashedError(`the index worker died: ${error.message}`, !running));
      running = false;
    }
    this.pending.clear();
  }
}

/**
 * The main thread's side of the index worker: typed requests with transferred buffers, and a
 * worker that comes back after a crash (after a growing delay when it keeps crashing). The owner
 * reloads the indexes through `crashed` (a new worker starts empty).
 */
export class IndexWorkerClient {
  private handle: Promise<WorkerHandle> | undefined;
  private incarnations = 0;
  private recentCrashes: number[] = [];
  private closing = false;

  constructor(
    private readonly hooks: IndexWorkerHooks,
    private readonly workerUrl: URL = INDEX_WORKER_URL,
  ) {}

  /** Starts the worker; fails when it cannot start at all (faiss-node not built, for example). */
  async start(): Promise<void> {
    this.handle = this.spawn();
    await this.handle;
  }

  /** The incarnation of the worker that will serve the next request, once it is up. */
  async incarnation(): Promise<number> {
    return (await this.current()).incarnation;
  }

  /**
   * Runs one operation in the worker. With `incarnation`, fails (IndexWorkerCrashedError) if the
   * worker is no longer that one: a task begun before a crash must not go on in the new worker.
   */
  async request<Op extends IndexWorkerOp>(
    op: Op,
    args: IndexWorkerOps[Op]['args'],
    transfer: readonly Transferable[] = [],
    incarnation?: number,
  ): Promise<IndexWorkerOps[Op]['result']> {
    const handle = await this.current();
    if (incarnation !== undefined && incarnation !== handle.incarnation) {
      throw new IndexWorkerCrashedError('the index worker restarted while this task was running');
    }
    return (await handle.send(op, args, transfer)) as IndexWorkerOps[Op]['result'];
  }

  /** Stops the worker once it owes no answer (at most CLOSE_GRACE_MS): terminating it inside a native FAISS call can abort the process. */
  async close(): Promise<void> {
    this.closing = true;
    const handle = await this.handle?.catch(() => undefined);
    if (!handle) return;
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (handle.pending.size > 0 && Date.now() < deadline) await sleep(20);
    await handle.worker.terminate();
  }

  private current(): Promise<WorkerHandle> {
    if (this.closing) return Promise.reject(new VectorIndexUnavailableError('the vector index is closed'));
    if (!this.handle) return Promise.reject(new VectorIndexUnavailableError('the vector index is not started'));
    return this.handle;
  }

  private async spawn(): Promise<WorkerHandle> {
    const worker = new Worker(this.workerUrl);
    const incarnation = ++this.incarnations;
    let onMessage: (message: IndexWorkerMessage) => void = () => undefined;
    let onError: (err: Error) => void = () => undefined;
    let onExit: (code: number) => void = () => undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
        const settle = (err?: Error) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        };
        onMessage = (message) => settle(message.type === 'ready' ? undefined : new Error(`unexpected first message ${message.type}`));
        onError = (err) => settle(err);
        onExit = (code) => settle(new Error(`exited with code ${code}`));
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      });
    } catch (err) {
      await worker.terminate();
      throw new VectorIndexUnavailableError(`the index worker cannot start: ${(err as Error).message}`);
    } finally {
      // Only ours: Worker's own listeners (which start and reference its message port) must stay.
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    }
    worker.unref();
    return new WorkerHandle(worker, incarnation, (_handle, error) => this.onGone(error));
  }

  private onGone(error: Error): void {
    if (this.closing) return;
    this.hooks.crashed(error);
    const now = Date.now();
    this.recentCrashes = [...this.recentCrashes.filter((at) => now - at < 60_000), now];
    const delay = Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** (this.recentCrashes.length - 1));
    this.hooks.log(`index worker died (${error.message}); restarting in ${delay} ms`);
    this.handle = this.restartAfter(delay);
    this.handle.catch(() => undefined);
  }

  private async restartAfter(delay: number): Promise<WorkerHandle> {
    for (let wait = delay; ; wait = Math.min(MAX_RESTART_DELAY_MS, wait * 2)) {
      await sleep(wait, undefined, { ref: false });
      if (this.closing) throw new VectorIndexUnavailableError('the vector index is closed');
      try {
        return await this.spawn();
      } catch (err) {
        this.hooks.log(`index worker restart failed (${(err as Error).message}); trying again`);
      }
    }
  }
}
