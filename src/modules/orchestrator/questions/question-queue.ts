import type { Provider } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import { NatsConnectionService } from '../../../platform/bus/nats-connection.service.js';
import { JetStreamWorkQueue } from '../../../platform/queue/jetstream-work-queue.js';
import { LocalWorkQueue } from '../../../platform/queue/local-work-queue.js';
import { QueueRegistry } from '../../../platform/queue/queue-registry.js';
import type { JobCodec, WorkQueue } from '../../../platform/queue/work-queue.js';

/** A unit of pipeline work: answer (or go on answering) this generation of this question. */
export interface QuestionJob {
  questionId: string;
  generation: number;
}

export type QuestionQueue = WorkQueue<QuestionJob>;
export const QUESTION_QUEUE = 'QuestionQueue';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One message per question and generation: a regeneration is a new message, a retry the same one. */
export const QUESTION_JOB_CODEC: JobCodec<QuestionJob> = {
  idOf: (job) => `${job.questionId}:${job.generation}`,
  parse: (data) => {
    const job = data as Partial<QuestionJob> | null;
    if (typeof job?.questionId !== 'string' || !UUID.test(job.questionId)) throw new Error('a question job needs a questionId (UUID)');
    if (!Number.isInteger(job.generation) || job.generation! < 1) throw new Error('a question job needs a generation (a whole number >= 1)');
    return { questionId: job.questionId, generation: job.generation! };
  },
};

/**
 * Deliveries one message may have: every planned retry (overload and quota) plus room for
 * redeliveries after crashed workers. The worker fails the question itself on the last one.
 */
export function questionMaxDeliver(config: TarsConfig): number {
  const { retry } = config.questions;
  return retry.overload.maxRetries + retry.quota.maxRetries + 1 + 10;
}

/**
 * JetStream when the node has NATS (shared by every orchestrator node), in-process otherwise. The
 * queue shows itself in the QueueRegistry once its workers start (health, metrics, heartbeats).
 */
export const questionQueueProvider: Provider = {
  provide: QUESTION_QUEUE,
  inject: [TarsConfig, NatsConnectionService, QueueRegistry],
  useFactory: (config: TarsConfig, nats: NatsConnectionService, registry: QueueRegistry): QuestionQueue => {
    const { queue } = config.questions;
    if (!nats.configured) return new LocalWorkQueue('questions', QUESTION_JOB_CODEC, queue.concurrency, questionMaxDeliver(config), registry);
    return new JetStreamWorkQueue(
      () => nats.connection(),
      {
        subjectPrefix: config.nats.subjectPrefix,
        stream: queue.stream,
        subject: `jobs.${queue.stream}`,
        ackWaitMs: queue.ackWaitMs,
        maxDeliver: questionMaxDeliver(config),
        concurrency: queue.concurrency,
      },
      QUESTION_JOB_CODEC,
      registry,
    );
  },
};
