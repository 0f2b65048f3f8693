import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TarsConfig } from '../../../config/tars-config.js';
import { NotFoundError, TarsError } from '../../../contracts/errors.js';
import { MEMORY_CONTRACT, type MemoryContract } from '../../../contracts/memory/memory.contract.js';
import { encodeVector } from '../../../contracts/memory/semantic.dto.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import { DocumentsService } from '../documents/documents.service.js';
import { EmbeddingEngine } from '../embeddings/embedding-engine.js';
import { VectorIndexes } from '../indexing/vector-index.provider.js';
import { INGEST_QUEUE, type IngestJob, type IngestQueue, type JobContext, type JobOutcome } from '../queue/ingest-queue.js';
import { typedFailure } from '../../../platform/database/database-unavailable.js';
import { isPermanentIngestionError, readDocumentText, splitIntoChunks } from './document-text.js';

/** Chunks embedded and stored per round: bounds memory and NATS message sizes, and shows progress. */
const BATCH_CHUNKS = 64;
/** A round's chunks and vectors, as JSON, stay well below NATS's 1 MB message limit. */
const BATCH_BYTES = 400_000;
const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 120_000;

/** Consecutive groups of at most BATCH_CHUNKS items and about BATCH_BYTES bytes (never empty). */
export function batchesOf<T>(items: readonly T[], sizeOf: (item: T) => number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= BATCH_CHUNKS || bytes + size > BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * The ingestion job: read the upload, extract and clean its text, chunk it by tokens, embed the
 * chunks in batches, store them in memory layer 3 and add their vectors to the index. Safe to run
 * twice on the same document (a redelivered job): chunks are stored idempotently.
 */
@Injectable()
export class IngestionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ingestion');
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly config: TarsConfig,
    private readonly documents: DocumentsService,
    private readonly engine: EmbeddingEngine,
    private readonly indexes: VectorIndexes,
    private readonly metrics: MetricsService,
    private readonly moduleRef: ModuleRef,
    @Inject(INGEST_QUEUE) private readonly queue: IngestQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.start((job, context) => this.run(job, context));
    // An in-process queue lost its jobs with the previous process: every unfinished document goes back.
    await this.requeueUnfinished(this.queue.durable ? undefined : 0);
    // A job whose last delivery died with its worker stays in JetStream unacknowledged; its document
    // would stay "processing" for ever. Such documents are queued again, now and then.
    const { ackWaitMs, maxDeliver } = this.config.processing.queue;
    this.sweeper = setInterval(() => void this.requeueUnfinished(), Math.max(60_000, ackWaitMs * maxDeliver));
    this.sweeper.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.queue.stop();
  }

  /** Documents left unfinished by a stop or a crash are queued again (the queue de-duplicates). */
  private async requeueUnfinished(staleAfterMs?: number): Promise<void> {
    const { ackWaitMs, maxDeliver } = this.config.processing.queue;
    try {
      for (const id of await this.documents.unfinished(staleAfterMs ?? ackWaitMs * maxDeliver)) {
        await this.queue.enqueue({ documentId: id });
      }
    } catch (err) {
      this.logger.warn(`queueing unfinished documents again failed: ${(err as Error).message}`);
    }
  }

  private get memory(): MemoryContract {
    return this.moduleRef.get<MemoryContract>(MEMORY_CONTRACT.token, { strict: false });
  }

  async run(job: IngestJob, context: JobContext): Promise<JobOutcome> {
    const started = performance.now();
    const outcome = await this.ingest(job).catch((err: unknown) => this.failure(job, context, err));
    this.metrics.observeIngestionJob(outcome.kind, (performance.now() - started) / 1000);
    return outcome;
  }

  private async ingest(job: IngestJob): Promise<JobOutcome> {
    const document = await this.documents.find(job.documentId).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined; // deleted meanwhile
      throw err;
    });
    if (!document) return { kind: 'drop' };
    if (document.status === 'indexed') return { kind: 'done' }; // a late redelivery of finished work

    const runs = await this.documents.markProcessing(document.id);
    // Runs that never ended (the worker died each time, e.g. killed for memory) are counted across
    // deliveries and re-queueings: a document that keeps taking its worker down is given up.
    if (runs > this.config.processing.queue.maxDeliver * 2) {
      await this.documents.markFailed(document.id, `gave up after ${runs - 1} runs that did not finish (the worker stopped during each)`);
      return { kind: 'drop' };
    }
    const bytes = await this.documents.uploadBytes(document.uploadId);
    if (!bytes) throw new NotFoundError(`the upload of document ${document.id} is missing`);

    const text = await readDocumentText(bytes, document.detectedType, this.config.processing);
    const counter = await this.engine.tokenCounterFor('documents');
    const chunks = splitIntoChunks(text, counter, this.config.processing.chunking);
    if (chunks.length === 0) {
      await this.documents.markFailed(document.id, 'no text found in the document');
      return { kind: 'drop' };
    }
    const title = text.title?.trim() || document.filename || 'untitled';

    // Every batch uses the model of the first one: one document's vectors come from one model.
    let model: string | undefined;
    let stored = 0;
    const vectorBytes = this.engine.registry.defaultFor('documents').dimensions * 6;
    for (const batch of batchesOf(chunks, (c) => c.text.length * 1.2 + vectorBytes)) {
      const embedded = await this.engine.embed({
        texts: batch.map((c) => c.text),
        use: 'documents',
        ...(model ? { model, allowFallback: false } : {}),
      });
      model = embedded.model;
      const { itemIds } = await this.memory.storeChunks({
        documentId: document.id,
        title,
        model: embedded.model,
        dimensions: embedded.dimensions,
        chunks: batch.map((c, i) => ({
          index: c.index,
          text: c.text,
          start: c.start,
          end: c.end,
          ...(c.pageStart ? { pageStart: c.pageStart, pageEnd: c.pageEnd } : {}),
          vector: encodeVector(embedded.vectors[i]),
        })),
      });
      await this.indexes.manager.add(
        embedded.model,
        itemIds.map((id, i) => ({ id, vector: embedded.vectors[i] })),
      );
      stored += batch.length;
      await this.documents.reportProgress(document.id, stored);
    }
    await this.documents.markIndexed(document.id, { chunkCount: chunks.length, model: model!, title, truncated: text.truncated });
    // Deleted while it was being processed: take back what this run stored.
    if (!(await this.documents.exists(document.id))) await this.memory.deleteDocumentItems({ documentId: document.id });
    this.logger.log(`document ${document.id} indexed: ${chunks.length} chunks, model ${model}`);
    return { kind: 'done' };
  }

  /** Content problems fail the document at once; anything else (a module down, a database hiccup) is retried. */
  private async failure(job: IngestJob, context: JobContext, raw: unknown): Promise<JobOutcome> {
    // A database outage is expected operation (it is retried and reported by readiness): one line, no stack.
    const err = typedFailure(raw);
    const reason = err instanceof Error ? err.message : String(err);
    if (isPermanentIngestionError(err)) {
      await this.documents.markFailed(job.documentId, reason).catch(() => undefined);
      return { kind: 'drop' };
    }
    if (!(err instanceof TarsError)) this.logger.error(`document ${job.documentId}: ${(err as Error)?.stack ?? reason}`);
    if (context.lastAttempt) {
      await this.documents.markFailed(job.documentId, `gave up after ${context.attempt} attempts: ${reason}`).catch(() => undefined);
      return { kind: 'drop' };
    }
    const delayMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (context.attempt - 1));
    this.logger.warn(`document ${job.documentId}, attempt ${context.attempt}: ${reason}; retrying in ${delayMs} ms`);
    return { kind: 'retry', delayMs };
  }
}
