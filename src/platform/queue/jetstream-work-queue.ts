import { Logger } from '@nestjs/common';
import {
  AckPolicy,
  type Consumer,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type JsMsg,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { QueueRegistry, RegisteredQueue } from './queue-registry.js';
import type { JobCodec, JobHandler, WorkQueue } from './work-queue.js';
import { requestIdHeaders, requestIdOf } from '../bus/request-id-header.js';
import { runWithRequestId } from '../logging/request-context.js';

const NANOS_PER_MS = 1_000_000;
const DUPLICATE_WINDOW_MS = 120_000;
const FETCH_EXPIRES_MS = 2_000;
/** Dead letters are kept this long, for an operator to look at. */
const DEAD_LETTER_MAX_AGE_MS = 14 * 24 * 3600_000;

export interface JetStreamQueueOptions {
  /** Subject prefix of the install, e.g. `tars`. */
  subjectPrefix: string;
  /** Stream name below the prefix, e.g. `ingest`. */
  stream: string;
  /** Subject of the jobs below the prefix, e.g. `jobs.ingest`. */
  subject: string;
  ackWaitMs: number;
  maxDeliver: number;
  concurrency: number;
}

/** JetStream names allow no dots: `tars.test` + `ingest` -> `tars_test_ingest`. */
export function streamName(options: Pick<JetStreamQueueOptions, 'subjectPrefix' | 'stream'>): string {
  return `${options.subjectPrefix}_${options.stream}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Where a queue's malformed messages go, with the reason: `<prefix>.deadletter.<stream>`. */
export function deadLetterSubject(options: Pick<JetStreamQueueOptions, 'subjectPrefix' | 'stream'>): string {
  return `${options.subjectPrefix}.deadletter.${options.stream}`;
}

/** A queue's durable consumer as the server sees it, and whether this node pulls from it (health checks). */
export interface ConsumerState {
  stream: string;
  consumer: string;
  /** This node's pull loops are running. */
  pulling: boolean;
  /** The durable consumer exists on the server. */
  exists: boolean;
  /** Jobs not yet delivered, and delivered but not yet acknowledged (when the consumer exists). */
  pending?: number;
  ackPending?: number;
  /** Why the queue cannot deliver work right now; undefined when it can. */
  problem?: string;
}

/** A dead letter: what could not be handled, and why. */
export interface DeadLetter {
  stream: string;
  reason: string;
  /** The message as received (cut at 64 KB). */
  data: string;
  deliveries: number;
  at: string;
}

/**
 * Jobs on a JetStream work-queue stream with one durable pull consumer shared by every node that
 * runs the module: a job is delivered to one node at a time, acknowledged explicitly when done, and
 * delivered again (to any node) when its worker dies or stays silent longer than ackWaitMs.
 * Publishing is acknowledged by the server and de-duplicated by message id (Nats-Msg-Id).
 * A malformed message is moved to the dead-letter stream with its reason and never blocks the consumer.
 */
export class JetStreamWorkQueue<T> implements WorkQueue<T>, RegisteredQueue {
  readonly durable = true;
  /** The stream's name, as the queue registry, metrics and health show it. */
  readonly name: string;
  private readonly logger: Logger;
  private readonly subject: string;
  private readonly stream: string;
  private readonly consumerName: string;
  private readonly deadLetters: string;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  private ensuring?: Promise<void>;
  private repairing?: Promise<void>;
  private stopped = false;
  private loops: Promise<void>[] = [];
  private pulling = false;
  private startError?: string;

  constructor(
    private readonly connection: () => Promise<NatsConnection>,
    private readonly options: JetStreamQueueOptions,
    private readonly codec: JobCodec<T>,
    /** Where the queue shows itself while this node consumes it (health, metrics, heartbeats). */
    private readonly registry?: Pick<QueueRegistry, 'register' | 'unregister'>,
  ) {
    this.subject = `${options.subjectPrefix}.${options.subject}`;
    this.stream = streamName(options);
    this.name = this.stream;
    this.consumerName = `${this.stream}_workers`;
    this.deadLetters = deadLetterSubject(options);
    this.logger = new Logger(`${options.stream}-queue`);
  }

  /** Creates the streams and the consumer if they do not exist yet (idempotent, safe on every node). */
  ensure(): Promise<void> {
    this.ensuring ??= this.create().catch((err: unknown) => {
      this.ensuring = undefined;
      throw err;
    });
    return this.ensuring;
  }

  private async create(): Promise<void> {
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
    const deadStream = `${this.stream}_dead`;
    await jsm.streams.info(deadStream).catch(() =>
      jsm.streams.add({
        name: deadStream,
        subjects: [this.deadLetters],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: DEAD_LETTER_MAX_AGE_MS * NANOS_PER_MS,
        discard: DiscardPolicy.Old,
      }),
    );
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

  async enqueue(job: T, messageId?: string): Promise<void> {
    await this.ensure();
    // The request that queued the job travels with it, so that the worker's log lines can be matched to it.
    await this.js!.publish(this.subject, JSON.stringify(job), { msgID: messageId ?? this.codec.idOf(job), headers: requestIdHeaders() });
  }

  async start(handler: JobHandler<T>): Promise<void> {
    // Registered before anything can fail: a node whose workers could not start must say so in its health.
    this.registry?.register(this);
    this.stopped = false;
    try {
      await this.ensure();
      const consumer = await this.js!.consumers.get(this.stream, this.consumerName);
      this.loops = Array.from({ length: this.options.concurrency }, () => this.loop(consumer, handler));
      this.pulling = true;
      this.startError = undefined;
    } catch (err) {
      this.startError = (err as Error).message;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pulling = false;
    this.registry?.unregister(this.name);
    await Promise.all(this.loops);
  }

  /** Why this node cannot take jobs from the queue right now (consumer missing, workers not pulling), or undefined. */
  async problem(): Promise<string | undefined> {
    return (await this.consumerState()).problem;
  }

  /** One consumer-info call (no fetch, nothing created): the consumer's existence and backlog, and this node's pull loops. */
  async consumerState(): Promise<ConsumerState> {
    const state: ConsumerState = { stream: this.stream, consumer: this.consumerName, pulling: this.pulling, exists: false };
    if (!this.jsm) return { ...state, problem: this.startError ? `the workers could not start: ${this.startError}` : 'not connected to JetStream yet' };
    try {
      const info = await this.jsm.consumers.info(this.stream, this.consumerName);
      Object.assign(state, { exists: true, pending: info.num_pending, ackPending: info.num_ack_pending });
    } catch (err) {
      if (!isMissing(err)) throw err;
      return { ...state, problem: `the consumer ${this.consumerName} of stream ${this.stream} does not exist (it is created again when the workers notice)` };
    }
    if (!this.pulling) return { ...state, problem: this.startError ? `the workers could not start: ${this.startError}` : 'this node does not pull jobs from the queue' };
    return state;
  }

  async depth(): Promise<number> {
    await this.ensure();
    const info = await this.jsm!.consumers.info(this.stream, this.consumerName);
    return info.num_pending + info.num_ack_pending;
  }

  /** Messages in the dead-letter stream of this queue. */
  async deadLetterCount(): Promise<number> {
    await this.ensure();
    return (await this.jsm!.streams.info(`${this.stream}_dead`)).state.messages;
  }

  private async loop(consumer: Consumer, handler: JobHandler<T>): Promise<void> {
    while (!this.stopped) {
      let msg: JsMsg | null;
      try {
        msg = await consumer.next({ expires: FETCH_EXPIRES_MS });
      } catch (err) {
        if (this.stopped) return;
        this.logger.warn(`waiting for jobs failed (${(err as Error).message}); trying again`);
        await new Promise((r) => setTimeout(r, 1000));
        await this.recreateIfMissing().catch((e: unknown) => this.logger.warn(`could not check the consumer (${(e as Error).message})`));
        continue;
      }
      if (!msg) continue;
      const requestId = requestIdOf(msg.headers);
      await (requestId ? runWithRequestId(requestId, () => this.handle(msg, handler)) : this.handle(msg, handler));
    }
  }

  /**
   * After a failed fetch: when the consumer (or its stream) no longer exists — deleted, or NATS
   * restarted without its store — it is created again (once for all loops), so that the workers
   * resume instead of waiting for a restart while submissions are still accepted.
   */
  private recreateIfMissing(): Promise<void> {
    this.repairing ??= (async () => {
      const missing = await this.jsm!.consumers.info(this.stream, this.consumerName).then(() => false, isMissing);
      if (!missing) return;
      this.logger.warn(`the consumer ${this.consumerName} of stream ${this.stream} is gone: creating it again`);
      this.ensuring = undefined;
      await this.ensure();
    })().finally(() => (this.repairing = undefined));
    return this.repairing;
  }

  private async handle(msg: JsMsg, handler: JobHandler<T>): Promise<void> {
    let job: T;
    try {
      job = this.codec.parse(msg.json<unknown>());
    } catch (err) {
      await this.moveAside(msg, err instanceof SyntaxError ? `not JSON: ${err.message}` : (err as Error).message);
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
      this.logger.error(`job ${this.codec.idOf(job)} threw: ${(err as Error)?.stack ?? String(err)}`);
      msg.nak(5000);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async moveAside(msg: JsMsg, reason: string): Promise<void> {
    const letter: DeadLetter = {
      stream: this.options.stream,
      reason,
      data: msg.string().slice(0, 65_536),
      deliveries: msg.info.deliveryCount,
      at: new Date().toISOString(),
    };
    try {
      await this.js!.publish(this.deadLetters, JSON.stringify(letter));
      this.logger.warn(`malformed message moved to ${this.deadLetters}: ${reason}`);
      // No reason on term(): nats-server before 2.10.4 does not understand "+TERM <reason>" and would redeliver.
      msg.term();
    } catch (err) {
      // Not stored aside: leave it for a later delivery rather than lose it.
      this.logger.error(`could not move a malformed message aside (${(err as Error).message})`);
      msg.nak(10_000);
    }
  }
}

/** The consumer or its stream does not exist (deleted, or NATS restarted without its store). */
function isMissing(err: unknown): boolean {
  return err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.ConsumerNotFound || err.code === JetStreamApiCodes.StreamNotFound);
}
