/**
 * Runs tasks one at a time, in order: a model's load, rebuilds, catch-ups, compactions and saves
 * must not interleave. `runFirst` jumps the queue (recovery after a worker crash goes before
 * whatever was waiting).
 */
export class TaskQueue {
  private readonly waiting: Array<() => Promise<void>> = [];
  private running = false;
  private idleWaiters: Array<() => void> = [];

  run<T>(task: () => Promise<T>): Promise<T> {
    return this.enqueue(task, false);
  }

  runFirst<T>(task: () => Promise<T>): Promise<T> {
    return this.enqueue(task, true);
  }

  /** Resolves once nothing is running or waiting. */
  idle(): Promise<void> {
    if (!this.running && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue<T>(task: () => Promise<T>, first: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = () => Promise.resolve().then(task).then(resolve, reject);
      if (first) this.waiting.unshift(entry);
      else this.waiting.push(entry);
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) await next();
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
