import type { Clock } from '../clock.js';

/** A clock for tests: sleeping moves time forward at once. */
export class FakeClock implements Clock {
  time = 0;

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!signal?.aborted) this.time += ms;
  }
}
