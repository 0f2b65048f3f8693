import type { Provider } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import { NatsConnectionService } from '../../../platform/bus/nats-connection.service.js';
import { QueueRegistry } from '../../../platform/queue/queue-registry.js';
import { INGEST_QUEUE } from './ingest-queue.js';
import { JetStreamIngestQueue } from './jetstream-ingest-queue.js';
import { LocalIngestQueue } from './local-ingest-queue.js';

/**
 * JetStream when the node has NATS (shared by every processing node), in-process otherwise. The
 * queue shows itself in the QueueRegistry once its workers start (health, metrics, heartbeats).
 */
export const ingestQueueProvider: Provider = {
  provide: INGEST_QUEUE,
  inject: [TarsConfig, NatsConnectionService, QueueRegistry],
  useFactory: (config: TarsConfig, nats: NatsConnectionService, registry: QueueRegistry) => {
    const { queue } = config.processing;
    if (!nats.configured) return new LocalIngestQueue(queue.concurrency, queue.maxDeliver, registry);
    return new JetStreamIngestQueue(
      () => nats.connection(),
      {
        subjectPrefix: config.nats.subjectPrefix,
        stream: queue.stream,
        ackWaitMs: queue.ackWaitMs,
        maxDeliver: queue.maxDeliver,
        concurrency: queue.concurrency,
      },
      registry,
    );
  },
};
