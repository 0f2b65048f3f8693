import { type Transferable, Worker } from 'node:worker_threads';

/** Longest wait for a busy worker before it is terminated at close. */
const CLOSE_GRACE_MS = 10_000;

/** The worker could not start its job (for example the model files are missing). */
export class WorkerStartError extends Error {}

/** The worker thread died while a task was running; the task is lost, the next one gets a new worker. */
export class WorkerCrashedError extends Error {}

/** The worker ran the task and reported an error for it (the worker itself is fine). */
export class WorkerTaskError extends Error {}

/** Messages a worker entry point sends back (see transformers-embedding.worker.mjs). */
type WorkerMessage =
  | { type: 'ready' }
  | { type: 'start-failed'; message: string }
  | { type: 'result'; id: number; ok: true; payload: unknown }
  | { type: 'result'; id: number; ok: false; message: string };

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** One live worker thread and the tasks it owes answers for. */
class WorkerHandle {
  readonly pending = new Map<number, Pending>();
  readonly started: Promise<void>;
  private nextId = 1;

  constructor(
    readonly worker: Worker,
    onGone: (handle: WorkerHandle) => void,
  ) {
    this.started = new Promise((resolve, reject) => {
      let ready = false;
      const gone = (err: Error) => {
        onGone(this);
        if (!ready) reject(new WorkerStartError(err.message));
        for (const task of this.pending.values()) task.reject(new WorkerCrashedError(err.message));
        this.pending.clear();
      };
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          ready = true;
          this.updateRef();
          resolve();
        } else if (message.type === 'start-failed') {
          gone(new Error(message.message));
          void worker.terminate();
        } else {
          this.settle(message);
        }
      });
      worker.on('error', (err) => gone(err));
      worker.on('exit', (code) => gone(new Error(`worker thread exited with code ${code}`)));
    });
  }

  send(payload: unknown, transfer: readonly Transferable[]): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.updateRef();
      this.worker.postMessage({ id, payload }, transfer);
    });
  }

  private settle(message: Extract<WorkerMessage, { type: 'result' }>): void {
    const task = this.pending.get(message.id);
    if (!task) return;
    this.pending.delete(message.id);
    this.updateRef();
    if (message.ok) task.resolve(message.payload);
    else task.reject(new WorkerTaskError(message.message));
  }

  /** Resolves once the worker has started (or failed to) and owes no answer; `limitMs` bounds the wait. */
  async settled(limitMs: number): Promise<void> {
    const deadline = Date.now() + limitMs;
    await Promise.race([this.started.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, limitMs).unref())]);
    while (this.pending.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** An idle worker must not keep the process alive; a busy one must, or an awaiting CLI would exit early. */
  private updateRef(): void {
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}

/**
 * Request/response over one worker thread, started on first use. A worker that crashes fails the
 * tasks it held and is replaced by a fresh one on the next request, so the process never dies of it.
 */
export class WorkerChannel<Request, Response> {
  private current?: WorkerHandle;

  constructor(
    private readonly entry: URL,
    private readonly workerData: unknown,
    private readonly name: string,
  ) {}

  async request(payload: Request, transfer: readonly Transferable[] = []): Promise<Response> {
    const handle = this.current ?? this.spawn();
    await handle.started;
    return (await handle.send(payload, transfer)) as Response;
  }

  /** Starts the worker (if needed) and waits until its job is ready. */
  async start(): Promise<void> {
    await (this.current ?? this.spawn()).started;
  }

  /**
   * Stops the worker once it is idle (at most CLOSE_GRACE_MS): terminating a thread while native
   * code runs for it (onnxruntime loading a model or computing) can abort the whole process.
   */
  async close(): Promise<void> {
    const handle = this.current;
    this.current = undefined;
    if (!handle) return;
    await handle.settled(CLOSE_GRACE_MS);
    await handle.worker.terminate();
  }

  private spawn(): WorkerHandle {
    const handle = new WorkerHandle(new Worker(this.entry, { workerData: this.workerData, name: this.name }), (gone) => {
      if (this.current === gone) this.current = undefined;
    });
    this.current = handle;
    handle.started.catch(() => undefined); // observed by request()/start(); avoid an unhandled rejection when nobody waits
    return handle;
  }
}
