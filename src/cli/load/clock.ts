/** Time as the load generator sees it; tests give a fake one. */
export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after `ms`, or at once when `signal` is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Resolves when `signal` aborts; `release` detaches the listener when that no longer matters. */
function onAbort(signal: AbortSignal | undefined, resolve: () => void): () => void {
  if (!signal) return () => undefined;
  signal.addEventListener('abort', resolve, { once: true });
  return () => signal.removeEventListener('abort', resolve);
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        release();
        resolve();
      };
      const timer = setTimeout(done, ms);
      const release = onAbort(signal, done);
    }),
};

/** Wakes whoever waits for a change (a question became final, a request ended, a poll is due). */
export class Notifier {
  private waiters: (() => void)[] = [];

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next notify(), or at once when `signal` is aborted. */
  wait(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        release();
        resolve();
      };
      const release = onAbort(signal, done);
      this.waiters.push(done);
    });
  }
}
