/** Thrown by `acquire` when the queue is already full (the caller turns it into LlmOverloadedError). */
export class QueueFullError extends Error {
  constructor(readonly maxQueue: number) {
    super(`its queue is full (${maxQueue} waiting)`);
    this.name = 'QueueFullError';
  }
}

interface Waiter {
  grant: () => void;
}

/** Gives the slot back; calling it more than once is harmless. */
export type Release = () => void;

/**
 * At most `maxConcurrent` holders at once; the others wait in FIFO order, at most `maxQueue` of
 * them. A full queue refuses at once instead of waiting (back-pressure), and a waiter whose signal
 * aborts leaves the queue without ever holding a slot.
 */
export class ConcurrencyLimiter {
  private holders = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxQueue: number,
  ) {}

  get active(): number {
    return this.holders;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with the release of a slot once one is free; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.holders < this.maxConcurrent) {
      this.holders++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.maxQueue) return Promise.reject(new QueueFullError(this.maxQueue));
    return new Promise<Release>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        // The slot passes straight from the releasing holder to this waiter: `holders` stays the same.
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.grant();
      else this.holders--;
    };
  }
}
