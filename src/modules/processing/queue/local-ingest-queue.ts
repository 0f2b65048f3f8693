import { LocalWorkQueue } from '../../../platform/queue/local-work-queue.js';
import type { QueueRegistry } from '../../../platform/queue/queue-registry.js';
import { INGEST_JOB_CODEC, type IngestJob } from './ingest-queue.js';

/**
 * The in-process queue of a single-PC node without NATS. The documents table is durable: the
 * ingestion service queues again, at start, every document left unfinished.
 */
export class LocalIngestQueue extends LocalWorkQueue<IngestJob> {
  constructor(concurrency: number, maxDeliver: number, registry?: Pick<QueueRegistry, 'register' | 'unregister'>) {
    super('ingest', INGEST_JOB_CODEC, concurrency, maxDeliver, registry);
  }
}
