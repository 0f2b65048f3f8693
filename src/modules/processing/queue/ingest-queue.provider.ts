import type { Provider } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import { NatsConnectionService } from '../../../platform/bus/nats-connection.service.js';
import { INGEST_QUEUE } from './ingest-queue.js';
import { JetStreamIngestQueue } from './jetstream-ingest-queue.js';
import { LocalIngestQueue } from './local-ingest-queue.js';

/** JetStream when the node has NATS (shared by every processing node), in-process otherwise. */
export const ingestQueueProvider: Provider = {
  provide: INGEST_QUEUE,
  inject: [TarsConfig, NatsConnectionService],
  useFactory: (config: TarsConfig, nats: NatsConnectionService) => {
    const { queue } = config.processing;
    if (!nats.configured) return new LocalIngestQueue(queue.concurrency, queue.maxDeliver);
    return new JetStreamIngestQueue(() => nats.connection(), {
      subjectPrefix: config.nats.subjectPrefix,
      stream: queue.stream,
      ackWaitMs: queue.ackWaitMs,
      maxDeliver: queue.maxDeliver,
      concurrency: queue.concurrency,
    });
  },
};
