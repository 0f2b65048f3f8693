/**
 * Turns callbacks (a runtime's onTextChunk, a worker's messages) into an async iterable: items
 * pushed before anyone reads are buffered, `end()` finishes the iteration and `fail()` makes it throw.
 * `onReturn` runs when the reader stops early (break, throw, return), so the producer can be stopped.
 */
export class PushStream<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private done = false;
  private error?: { value: unknown };
  private wake?: () => void;

  constructor(private readonly onReturn: () => void = () => undefined) {}

  push(item: T): void {
    if (this.done) return;
    this.items.push(item);
    this.notify();
  }

  end(): void {
    this.done = true;
    this.notify();
  }

  fail(err: unknown): void {
    if (this.done) return;
    this.error = { value: err };
    this.done = true;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let finished = false;
    try {
      for (;;) {
        if (this.items.length > 0) {
          yield this.items.shift() as T;
          continue;
        }
        if (this.error) throw this.error.value;
        if (this.done) {
          finished = true;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      if (!finished) this.onReturn();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
