/** Milliseconds spent per stage of an answer, summed when a stage runs more than once. */
export class StageTimer {
  private readonly started = performance.now();
  private readonly stages: Record<string, number> = {};

  async time<T>(stage: string, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.add(stage, performance.now() - start);
    }
  }

  add(stage: string, ms: number): void {
    this.stages[stage] = (this.stages[stage] ?? 0) + ms;
  }

  /** Milliseconds since the timer was created. */
  elapsed(): number {
    return performance.now() - this.started;
  }

  /** Every stage and `total`, rounded to 0.1 ms. */
  snapshot(): Record<string, number> {
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return Object.fromEntries([...Object.entries(this.stages).map(([k, v]) => [k, round(v)]), ['total', round(this.elapsed())]]);
  }
}
