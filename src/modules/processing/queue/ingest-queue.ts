import type { JobCodec, WorkQueue } from '../../../platform/queue/work-queue.js';

export type { JobContext, JobHandler, JobOutcome } from '../../../platform/queue/work-queue.js';

/** A unit of ingestion work: process this document. */
export interface IngestJob {
  documentId: string;
}

/** Where ingestion jobs wait. JetStream when NATS is configured; in-process otherwise. */
export type IngestQueue = WorkQueue<IngestJob>;

export const INGEST_QUEUE = 'IngestQueue';

/** Ingestion jobs are named by their document; anything else on the subject is malformed. */
export const INGEST_JOB_CODEC: JobCodec<IngestJob> = {
  idOf: (job) => job.documentId,
  parse: (data) => {
    const id = (data as IngestJob | null)?.documentId;
    if (typeof id !== 'string' || id.length === 0) throw new Error('an ingestion job needs a documentId');
    return { documentId: id };
  },
};
