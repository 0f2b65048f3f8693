import { Logger } from '@nestjs/common';
import type { QueueRegistry, RegisteredQueue } from './queue-registry.js';
import type { JobCodec, JobHandler, JobOutcome, WorkQueue } from './work-queue.js';

/**
 * The in-process queue of a single-PC node without NATS. It is not durable by itself: the
 * database is, and the module queues again, at start, the work it finds unfinished.
 */
export class LocalWorkQueue<T> implements WorkQueue<T>, RegisteredQueue {
  readonly durable = false;
  private readonly logger: Logger;
  private readonly waiting: { job: T; key: string; attempt: number }[] = [];
  private readonly queued = new Set<string>();
  private handler?: JobHandler<T>;
  private running = 0;
  private stopped = false;
  private idle?: () => void;

  constructor(
    /** The queue's name, as the queue registry, metrics and health show it. */
    readonly name: string,
    private readonly codec: Pick<JobCodec<T>, 'idOf'>,
    private readonly concurrency: number,
    private readonly maxDeliver: number,
    /** Where the queue shows itself while this node consumes it (health, metrics, heartbeats). */
    private readonly registry?: Pick<QueueRegistry, 'register' | 'unregister'>,
  ) {
    this.logger = new Logger(`${name}-queue`);
  }

  async enqueue(job: T, messageId?: string): Promise<void> {
    const key = messageId ?? this.codec.idOf(job);
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.waiting.push({ job, key, attempt: 1 });
    this.pump();
  }

  async start(handler: JobHandler<T>): Promise<void> {
    this.registry?.register(this);
    this.handler = handler;
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.registry?.unregister(this.name);
    if (this.running === 0) return;
    await new Promise<void>((resolve) => (this.idle = resolve));
  }

  async depth(): Promise<number> {
    return this.waiting.length + this.running;
  }

  /** An in-process queue delivers as long as it has been started and not stopped. */
  async problem(): Promise<string | undefined> {
    if (this.stopped) return 'the queue is stopped';
    return this.handler ? undefined : 'the workers have not started';
  }

  private pump(): void {
    while (this.handler && !this.stopped && this.running < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running++;
      void this.run(next).finally(() => {
        this.running--;
        if (this.stopped && this.running === 0) this.idle?.();
        this.pump();
      });
    }
  }

  private async run(entry: { job: T; key: string; attempt: number }): Promise<void> {
    let outcome: JobOutcome;
    try {
      outcome = await this.handler!(entry.job, { attempt: entry.attempt, lastAttempt: entry.attempt >= this.maxDeliver });
    } catch (err) {
      this.logger.error(`job ${entry.key} threw: ${(err as Error)?.stack ?? String(err)}`);
      outcome = { kind: 'retry', delayMs: 5000 };
    }
    if (outcome.kind === 'retry' && entry.attempt < this.maxDeliver && !this.stopped) {
      setTimeout(() => {
        this.waiting.push({ ...entry, attempt: entry.attempt + 1 });
        this.pump();
      }, outcome.delayMs).unref();
      return;
    }
    this.queued.delete(entry.key);
  }
}
