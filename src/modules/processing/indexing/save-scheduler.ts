/**
 * Debounces saves: a save runs `delayMs` after the last change, but no later than `maxDelayMs`
 * after the first unsaved one, so a steady stream of adds still gets saved. Saving a large index
 * writes hundreds of megabytes: never once per add.
 */
export class SaveScheduler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private firstChangeAt: number | undefined;

  constructor(
    private readonly save: () => void,
    private readonly delayMs: number,
    private readonly maxDelayMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Something changed: (re)arm the timer. */
  changed(): void {
    const now = this.now();
    this.firstChangeAt ??= now;
    const wait = Math.max(0, Math.min(this.delayMs, this.firstChangeAt + this.maxDelayMs - now));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), wait);
    this.timer.unref();
  }

  /** Forget the pending save (it is being done now, or the index is closing). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.firstChangeAt = undefined;
  }

  private fire(): void {
    this.cancel();
    this.save();
  }
}
