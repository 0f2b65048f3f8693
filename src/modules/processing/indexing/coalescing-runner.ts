/**
 * Runs a job one at a time. A call while no run is going starts one; a call during a run gets the
 * run after it, shared with every other call made meanwhile: each caller gets a run that started
 * after its call, and callers arriving together cost one run.
 */
export class CoalescingRunner {
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly job: () => Promise<void>) {}

  /** A run is already waiting for the current one to end. */
  get queued(): boolean {
    return this.next !== undefined;
  }

  run(): Promise<void> {
    if (!this.running) {
      this.running = this.job().finally(() => (this.running = undefined));
      return this.running;
    }
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.run();
      });
    return this.next;
  }
}
