/**
 * Whether a model's index can answer: pending while it loads or recovers, then ready, or failed
 * with the error callers get. Unlike a plain promise it can go back to pending (after a crash).
 */
export class Readiness {
  private promise!: Promise<void>;
  private settle: { resolve(): void; reject(err: Error): void } | undefined;

  constructor() {
    this.reset();
  }

  get pending(): boolean {
    return this.settle !== undefined;
  }

  wait(): Promise<void> {
    return this.promise;
  }

  /** Back to pending, unless already pending (callers already waiting keep waiting). */
  reset(): void {
    if (this.settle) return;
    this.promise = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // Nobody may be waiting when it fails; the failure is reported to whoever waits later.
    this.promise.catch(() => undefined);
  }

  resolve(): void {
    if (this.settle) this.settle.resolve();
    else this.promise = Promise.resolve();
    this.settle = undefined;
  }

  fail(err: Error): void {
    if (this.settle) this.settle.reject(err);
    else {
      this.promise = Promise.reject(err);
      this.promise.catch(() => undefined);
    }
    this.settle = undefined;
  }
}
