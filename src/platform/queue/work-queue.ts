/** What a job handler gets besides the job. */
export interface JobContext {
  /** 1 for the first delivery, 2 for the first redelivery, … */
  attempt: number;
  /** The last delivery the queue will make: a failure now is final. */
  lastAttempt: boolean;
}

/** How a handler ended: done (acknowledge), retry later, or give up for good. */
export type JobOutcome = { kind: 'done' } | { kind: 'retry'; delayMs: number } | { kind: 'drop' };

export type JobHandler<T> = (job: T, context: JobContext) => Promise<JobOutcome>;

/**
 * Durable work shared by the nodes that run a module: JetStream when NATS is configured (a job
 * survives a crash and is delivered to one worker at a time), in-process otherwise.
 */
export interface WorkQueue<T> {
  /** Whether queued jobs survive a restart of this process (JetStream) or not (in-process). */
  readonly durable: boolean;
  /**
   * Queues a job once it is stored by the queue (JetStream acknowledges it). The same message id
   * (default: the job's id) queued twice within the de-duplication window is queued once.
   */
  enqueue(job: T, messageId?: string): Promise<void>;
  /** Starts delivering jobs to the handler, `concurrency` at a time. */
  start(handler: JobHandler<T>): Promise<void>;
  /** Stops taking new jobs and waits for the running ones. */
  stop(): Promise<void>;
  /** Jobs waiting or running (not yet acknowledged), for metrics and health. */
  depth(): Promise<number>;
}

/** How a queue reads and names its jobs. */
export interface JobCodec<T> {
  /** The job's identity: its default message id and the key of in-process de-duplication. */
  idOf(job: T): string;
  /** Checks a received job; throws (with the reason) when it is malformed, and it is moved aside. */
  parse(data: unknown): T;
}
