import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamWorkQueue, type JetStreamQueueOptions } from '../../../platform/queue/jetstream-work-queue.js';
import type { QueueRegistry } from '../../../platform/queue/queue-registry.js';
import { INGEST_JOB_CODEC, type IngestJob } from './ingest-queue.js';

export { streamName } from '../../../platform/queue/jetstream-work-queue.js';

/** Ingestion jobs on JetStream, subject `<prefix>.jobs.<stream>`, de-duplicated by document id. */
export class JetStreamIngestQueue extends JetStreamWorkQueue<IngestJob> {
  constructor(
    connection: () => Promise<NatsConnection>,
    options: Omit<JetStreamQueueOptions, 'subject'>,
    registry?: Pick<QueueRegistry, 'register' | 'unregister'>,
  ) {
    super(connection, { ...options, subject: `jobs.${options.stream}` }, INGEST_JOB_CODEC, registry);
  }
}
