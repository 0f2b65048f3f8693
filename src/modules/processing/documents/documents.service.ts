import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { NotFoundError } from '../../../contracts/errors.js';
import { MEMORY_CONTRACT, type MemoryContract } from '../../../contracts/memory/memory.contract.js';
import type {
  DocumentDto,
  DocumentIdQuery,
  DocumentListDto,
  DocumentType,
  ListDocumentsQuery,
  SubmitDocumentCommand,
  SubmitDocumentResultDto,
} from '../../../contracts/processing/document.dto.js';
import { UploadStore } from '../../../platform/uploads/upload-store.js';
import { INGEST_QUEUE, type IngestQueue } from '../queue/ingest-queue.js';
import { DocumentEntity } from './document.entity.js';

/** Decides a document's type from its bytes; throws a typed error (415 / 400) for what TARS cannot read. */
export type DocumentTypeDetector = (bytes: Uint8Array, hints: { filename?: string; mimeType?: string }) => DocumentType;
export const DOCUMENT_TYPE_DETECTOR = 'DocumentTypeDetector';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toDocumentDto(d: DocumentEntity): DocumentDto {
  return {
    id: d.id,
    filename: d.filename,
    title: d.title,
    type: d.detectedType,
    sizeBytes: d.sizeBytes,
    contentHash: d.contentHash,
    status: d.status,
    failureReason: d.failureReason,
    chunkCount: d.chunkCount,
    embeddingModel: d.embeddingModel,
    truncated: d.truncated,
    attempts: d.attempts,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    indexedAt: iso(d.indexedAt),
  };
}

/** Documents: accepting uploads, their ingestion state, listing and deletion. */
@Injectable()
export class DocumentsService {
  private readonly documents: Repository<DocumentEntity>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly uploads: UploadStore,
    @Inject(INGEST_QUEUE) private readonly queue: IngestQueue,
    @Inject(DOCUMENT_TYPE_DETECTOR) private readonly detectType: DocumentTypeDetector,
    @Inject(MEMORY_CONTRACT.token) private readonly memory: MemoryContract,
  ) {
    this.documents = db.getRepository(DocumentEntity);
  }

  async submitDocument(command: SubmitDocumentCommand): Promise<SubmitDocumentResultDto> {
    const existing = await this.documents.findOneBy({ contentHash: command.contentHash });
    if (existing) {
      await this.uploads.deleteUnreferenced(command.uploadId);
      return { document: toDocumentDto(existing), duplicate: true };
    }
    const bytes = await this.uploads.get(command.uploadId);
    if (!bytes) throw new NotFoundError(`no upload with id ${command.uploadId}`);
    let type: DocumentType;
    try {
      type = this.detectType(bytes, { filename: command.filename, mimeType: command.mimeType });
    } catch (err) {
      await this.uploads.deleteUnreferenced(command.uploadId);
      throw err;
    }
    // Stored first, queued second: a failed publish leaves a `queued` document that the start-up sweep queues again.
    const inserted: { id: string }[] = await this.db.query(
      `INSERT INTO documents (id, upload_id, content_hash, filename, declared_type, detected_type, size_bytes, title, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued')
       ON CONFLICT (content_hash) DO NOTHING RETURNING id`,
      [command.documentId, command.uploadId, command.contentHash, command.filename ?? '', command.mimeType ?? '', type, bytes.length, ''],
    );
    if (inserted.length === 0) {
      // Another upload of the same content won the race.
      await this.uploads.deleteUnreferenced(command.uploadId);
      const winner = await this.documents.findOneByOrFail({ contentHash: command.contentHash });
      return { document: toDocumentDto(winner), duplicate: true };
    }
    // Read before queueing: the answer shows the document as accepted (queued), not a later state.
    const document = await this.getDocument({ id: command.documentId });
    await this.queue.enqueue({ documentId: command.documentId });
    return { document, duplicate: false };
  }

  async getDocument(query: DocumentIdQuery): Promise<DocumentDto> {
    return toDocumentDto(await this.find(query.id));
  }

  async listDocuments(query: ListDocumentsQuery): Promise<DocumentListDto> {
    const [rows, total] = await this.documents.findAndCount({
      where: query.status ? { status: query.status } : {},
      order: { createdAt: 'DESC' },
      take: query.limit ?? 50,
      skip: query.offset ?? 0,
    });
    return { documents: rows.map(toDocumentDto), total };
  }

  async deleteDocument(query: DocumentIdQuery): Promise<DocumentDto> {
    const document = await this.find(query.id);
    // Chunks and vectors first: if this fails, the document is still there to delete again.
    await this.memory.deleteDocumentItems({ documentId: document.id });
    await this.db.transaction(async (manager) => {
      await manager.query('DELETE FROM documents WHERE id = $1', [document.id]);
      await manager.query('DELETE FROM uploads WHERE id = $1', [document.uploadId]);
    });
    return toDocumentDto(document);
  }

  async find(id: string): Promise<DocumentEntity> {
    const document = await this.documents.findOneBy({ id });
    if (!document) throw new NotFoundError(`no document with id ${id}`, { id });
    return document;
  }

  /** Documents queued or processing whose state has not changed for `staleAfterMs`, oldest first. */
  async unfinished(staleAfterMs: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM documents
        WHERE status IN ('queued', 'processing') AND updated_at <= now() - make_interval(secs => $1)
        ORDER BY created_at`,
      [staleAfterMs / 1000],
    );
    return rows.map((r) => r.id);
  }

  /** Marks a run as started and returns how many runs the document has had, this one included. */
  async markProcessing(id: string): Promise<number> {
    const rows: { attempts: number }[] = await this.db.query(
      `WITH run AS (
         UPDATE documents SET status = 'processing', attempts = attempts + 1, failure_reason = NULL, updated_at = now()
          WHERE id = $1 RETURNING attempts)
       SELECT attempts FROM run`,
      [id],
    );
    return rows[0]?.attempts ?? 0;
  }

  async markIndexed(id: string, result: { chunkCount: number; model: string; title: string; truncated: boolean }): Promise<void> {
    await this.db.query(
      `UPDATE documents SET status = 'indexed', chunk_count = $2, embedding_model = $3, title = $4, truncated = $5,
              failure_reason = NULL, indexed_at = now(), updated_at = now() WHERE id = $1`,
      [id, result.chunkCount, result.model, result.title, result.truncated],
    );
  }

  /** Chunks stored so far, while the document is processing: its progress. */
  async reportProgress(id: string, chunksStored: number): Promise<void> {
    await this.db.query(`UPDATE documents SET chunk_count = $2, updated_at = now() WHERE id = $1 AND status = 'processing'`, [
      id,
      chunksStored,
    ]);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.documents.countBy({ id })) > 0;
  }

  async markFailed(id: string, reason: string): Promise<void> {
    await this.db.query(`UPDATE documents SET status = 'failed', failure_reason = $2, updated_at = now() WHERE id = $1`, [
      id,
      reason.slice(0, 2000),
    ]);
  }

  uploadBytes(uploadId: string): Promise<Buffer | undefined> {
    return this.uploads.get(uploadId);
  }
}
