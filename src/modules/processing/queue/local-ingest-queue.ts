import { Logger } from '@nestjs/common';
import type { IngestJob, IngestQueue, JobHandler } from './ingest-queue.js';

/**
 * The in-process queue of a single-PC node without NATS. It is not durable by itself: the documents
 * table is, and the ingestion service queues again, at start, every document left unfinished.
 */
export class LocalIngestQueue implements IngestQueue {
  readonly durable = false;
  private readonly logger = new Logger('ingest-queue');
  private readonly waiting: { job: IngestJob; attempt: number }[] = [];
  private readonly queued = new Set<string>();
  private handler?: JobHandler;
  private running = 0;
  private stopped = false;
  private idle?: () => void;

  constructor(
    private readonly concurrency: number,
    private readonly maxDeliver: number,
  ) {}

  async enqueue(job: IngestJob): Promise<void> {
    if (this.queued.has(job.documentId)) return;
    this.queued.add(job.documentId);
    this.waiting.push({ job, attempt: 1 });
    this.pump();
  }

  async start(handler: JobHandler): Promise<void> {
    this.handler = handler;
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.running === 0) return;
    await new Promise<void>((resolve) => (this.idle = resolve));
  }

  async depth(): Promise<number> {
    return this.waiting.length + this.running;
  }

  private pump(): void {
    while (this.handler && !this.stopped && this.running < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running++;
      void this.run(next.job, next.attempt).finally(() => {
        this.running--;
        if (this.stopped && this.running === 0) this.idle?.();
        this.pump();
      });
    }
  }

  private async run(job: IngestJob, attempt: number): Promise<void> {
    let outcome;
    try {
      outcome = await this.handler!(job, { attempt, lastAttempt: attempt >= this.maxDeliver });
    } catch (err) {
      this.logger.error(`job for document ${job.documentId} threw: ${(err as Error)?.stack ?? String(err)}`);
      outcome = { kind: 'retry' as const, delayMs: 5000 };
    }
    if (outcome.kind === 'retry' && attempt < this.maxDeliver && !this.stopped) {
      setTimeout(() => {
        this.waiting.push({ job, attempt: attempt + 1 });
        this.pump();
      }, outcome.delayMs).unref();
      return;
    }
    this.queued.delete(job.documentId);
  }
}
