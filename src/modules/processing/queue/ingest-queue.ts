/** A unit of ingestion work: process this document. */
export interface IngestJob {
  documentId: string;
}

/** What a job handler gets besides the job. */
export interface JobContext {
  /** 1 for the first delivery, 2 for the first redelivery, … */
  attempt: number;
  /** The last delivery the queue will make: a failure now is final. */
  lastAttempt: boolean;
}

/** How a handler ended: done (acknowledge), retry later, or give up for good. */
export type JobOutcome = { kind: 'done' } | { kind: 'retry'; delayMs: number } | { kind: 'drop' };

export type JobHandler = (job: IngestJob, context: JobContext) => Promise<JobOutcome>;

/** Where ingestion jobs wait. JetStream when NATS is configured; in-process otherwise. */
export interface IngestQueue {
  /** Whether queued jobs survive a restart of this process (JetStream) or not (in-process). */
  readonly durable: boolean;
  /** Durably queues a job; the same document queued twice within the de-duplication window is queued once. */
  enqueue(job: IngestJob): Promise<void>;
  /** Starts delivering jobs to the handler, `concurrency` at a time. */
  start(handler: JobHandler): Promise<void>;
  /** Stops taking new jobs and waits for the running ones. */
  stop(): Promise<void>;
  /** Jobs waiting (not yet acknowledged), for metrics and health. */
  depth(): Promise<number>;
}

export const INGEST_QUEUE = 'IngestQueue';
