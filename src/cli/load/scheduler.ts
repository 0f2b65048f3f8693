import { type Clock, Notifier } from './clock.js';

/**
 * How fast questions are sent: at a fixed rate whatever happens to them (open loop), or so that at
 * most `limit` questions are in flight — sent and not yet final — at any time (closed loop).
 */
export type Pace = { kind: 'rate'; perSecond: number } | { kind: 'concurrency'; limit: number };

/** Requests of one run open at once, whatever the pace: a slow node slows the sender instead of piling up sockets. */
export const MAX_OPEN_REQUESTS = 16;

/** The questions of `items` in groups of `size`, read lazily. */
export function* inBatches<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** The first `limit` items, `repeat` times over, without copying them. */
export function* replay<T>(items: readonly T[], repeat: number, limit = items.length): Generator<T> {
  const count = Math.min(limit, items.length);
  for (let round = 0; round < repeat; round++) for (let i = 0; i < count; i++) yield items[i];
}

/**
 * Sends batches of questions at the chosen pace. The caller says when questions leave flight
 * (`release`: final, answered from the cache, or refused), which makes room in concurrency mode.
 */
export class SubmitScheduler<T> {
  private inFlight = 0;
  private openRequests = 0;
  private readonly changed = new Notifier();

  constructor(
    private readonly pace: Pace,
    private readonly batchSize: number,
    private readonly clock: Clock,
    private readonly maxOpenRequests = MAX_OPEN_REQUESTS,
  ) {}

  /** Questions sent and not released. */
  get questionsInFlight(): number {
    return this.inFlight;
  }

  release(count: number): void {
    this.inFlight -= count;
    this.changed.notify();
  }

  /**
   * Sends every batch through `submit` (which must not throw), then waits for the requests still
   * open. Stops sending when `signal` aborts. Returns how many questions were sent.
   */
  async run(items: Iterable<T>, submit: (batch: T[]) => Promise<void>, signal: AbortSignal): Promise<number> {
    const started = this.clock.now();
    const open = new Set<Promise<void>>();
    let sent = 0;
    for (const batch of inBatches(items, this.batchSize)) {
      if (this.pace.kind === 'rate') {
        const wait = started + (sent / this.pace.perSecond) * 1000 - this.clock.now();
        if (wait > 0) await this.clock.sleep(wait, signal);
      } else {
        const limit = this.pace.limit;
        await this.until(() => this.inFlight + batch.length <= limit, signal);
      }
      await this.until(() => this.openRequests < this.maxOpenRequests, signal);
      if (signal.aborted) break;
      sent += batch.length;
      this.inFlight += batch.length;
      this.openRequests += 1;
      const request: Promise<void> = submit(batch).finally(() => {
        this.openRequests -= 1;
        open.delete(request);
        this.changed.notify();
      });
      open.add(request);
    }
    await Promise.all(open);
    return sent;
  }

  private async until(condition: () => boolean, signal: AbortSignal): Promise<void> {
    while (!condition() && !signal.aborted) await this.changed.wait(signal);
  }
}
