import { Logger } from '@nestjs/common';
import {
  AckPolicy,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type JsMsg,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { IngestJob, IngestQueue, JobHandler } from './ingest-queue.js';

const NANOS_PER_MS = 1_000_000;
const DUPLICATE_WINDOW_MS = 120_000;
const FETCH_EXPIRES_MS = 2_000;

export interface JetStreamQueueOptions {
  /** Subject prefix of the install, e.g. `tars`. */
  subjectPrefix: string;
  /** Stream name below the prefix, e.g. `ingest`. */
  stream: string;
  ackWaitMs: number;
  maxDeliver: number;
  concurrency: number;
}

/** JetStream names allow no dots: `tars.test` + `ingest` -> `tars_test_ingest`. */
export function streamName(options: Pick<JetStreamQueueOptions, 'subjectPrefix' | 'stream'>): string {
  return `${options.subjectPrefix}_${options.stream}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * Ingestion jobs on a JetStream work-queue stream with one durable pull consumer shared by every
 * processing node: a job is delivered to one node at a time, acknowledged explicitly when done, and
 * delivered again (to any node) when its worker dies or stays silent longer than ackWaitMs.
 * Publishing is acknowledged by the server and de-duplicated by document id (Nats-Msg-Id).
 */
export class JetStreamIngestQueue implements IngestQueue {
  readonly durable = true;
  private readonly logger = new Logger('ingest-queue');
  private readonly subject: string;
  private readonly stream: string;
  private readonly consumerName: string;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly connection: () => Promise<NatsConnection>,
    private readonly options: JetStreamQueueOptions,
  ) {
    this.subject = `${options.subjectPrefix}.jobs.${options.stream}`;
    this.stream = streamName(options);
    this.consumerName = `${this.stream}_workers`;
  }

  /** Creates the stream and the consumer if they do not exist yet (idempotent, safe on every node). */
  async ensure(): Promise<void> {
    if (this.js) return;
    const nc = await this.connection();
    const jsm = await jetstreamManager(nc);
    const streamConfig = {
      name: this.stream,
      subjects: [this.subject],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: DUPLICATE_WINDOW_MS * NANOS_PER_MS,
    };
    await jsm.streams.info(this.stream).catch(() => jsm.streams.add(streamConfig));
    const consumerConfig = {
      durable_name: this.consumerName,
      ack_policy: AckPolicy.Explicit,
      ack_wait: this.options.ackWaitMs * NANOS_PER_MS,
      max_deliver: this.options.maxDeliver,
      filter_subject: this.subject,
    };
    await jsm.consumers
      .info(this.stream, this.consumerName)
      .then(() => jsm.consumers.update(this.stream, this.consumerName, { ack_wait: consumerConfig.ack_wait, max_deliver: consumerConfig.max_deliver }))
      .catch(() => jsm.consumers.add(this.stream, consumerConfig));
    this.jsm = jsm;
    this.js = jetstream(nc);
  }

  async enqueue(job: IngestJob): Promise<void> {
    await this.ensure();
    await this.js!.publish(this.subject, JSON.stringify(job), { msgID: job.documentId });
  }

  async start(handler: JobHandler): Promise<void> {
    await this.ensure();
    const consumer = await this.js!.consumers.get(this.stream, this.consumerName);
    this.loops = Array.from({ length: this.options.concurrency }, () => this.loop(consumer, handler));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  async depth(): Promise<number> {
    await this.ensure();
    const info = await this.jsm!.consumers.info(this.stream, this.consumerName);
    return info.num_pending + info.num_ack_pending;
  }

  private async loop(consumer: Consumer, handler: JobHandler): Promise<void> {
    while (!this.stopped) {
      let msg: JsMsg | null;
      try {
        msg = await consumer.next({ expires: FETCH_EXPIRES_MS });
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn(`waiting for jobs failed (${(err as Error).message}); trying again`);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (msg) await this.handle(msg, handler);
    }
  }

  private async handle(msg: JsMsg, handler: JobHandler): Promise<void> {
    let job: IngestJob;
    try {
      job = msg.json<IngestJob>();
    } catch {
      msg.term('not a JSON job');
      return;
    }
    const attempt = msg.info.deliveryCount;
    // Long jobs tell the server they are alive, so that they are not delivered to another node meanwhile.
    const heartbeat = setInterval(() => msg.working(), Math.max(1000, Math.floor(this.options.ackWaitMs / 3)));
    try {
      const outcome = await handler(job, { attempt, lastAttempt: attempt >= this.options.maxDeliver });
      if (outcome.kind === 'done') await msg.ackAck().catch(() => msg.ack());
      else if (outcome.kind === 'retry') msg.nak(outcome.delayMs);
      else msg.term();
    } catch (err) {
      this.logger.error(`job for document ${job.documentId} threw: ${(err as Error)?.stack ?? String(err)}`);
      msg.nak(5000);
    } finally {
      clearInterval(heartbeat);
    }
  }
}
