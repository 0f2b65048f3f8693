import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  type DocumentItemsCommand,
  type ScanVectorsQuery,
  type ScanVectorsResult,
  type StoreChunksCommand,
  type StoreChunksResult,
} from '../../../contracts/memory/semantic.dto.js';
import { ValidationFailedError } from '../../../contracts/errors.js';

/** A semantic item as search needs it. */
export interface SemanticItemRow {
  id: number;
  kind: string;
  documentId: string | null;
  projectId: string | null;
  conversationId: string | null;
  chunkIndex: number | null;
  charStart: number | null;
  charEnd: number | null;
  pageStart: number | null;
  pageEnd: number | null;
  title: string;
  text: string;
}

interface RawItem {
  id: string;
  kind: string;
  document_id: string | null;
  project_id: string | null;
  conversation_id: string | null;
  chunk_index: number | null;
  char_start: number | null;
  char_end: number | null;
  page_start: number | null;
  page_end: number | null;
  title: string;
  text: string;
}

export function toItemRow(r: RawItem): SemanticItemRow {
  return {
    id: Number(r.id),
    kind: r.kind,
    documentId: r.document_id,
    projectId: r.project_id,
    conversationId: r.conversation_id,
    chunkIndex: r.chunk_index,
    charStart: r.char_start,
    charEnd: r.char_end,
    pageStart: r.page_start,
    pageEnd: r.page_end,
    title: r.title,
    text: r.text,
  };
}

/** Largest page of scanVectors, in bytes of JSON, far below NATS's default 1 MB payload limit. */
const SCAN_PAGE_BYTES = 256 * 1024;

/** Arbitrary constant naming the advisory lock that orders vector changes. */
const VECTOR_SEQUENCE_LOCK = 7_164_250_002;

/**
 * Transactions that take vector sequence numbers run one at a time (the lock is released at commit),
 * so sequence numbers become visible in increasing order: an index that caught up to N never misses
 * an N-1 that commits later.
 */
export async function lockVectorSequence(manager: EntityManager): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1)', [VECTOR_SEQUENCE_LOCK]);
}

export const chunkSourceKey = (documentId: string, index: number) => `document:${documentId}:${index}`;

/**
 * Memory layer 3: semantic items (document chunks, summaries, notable answers) and their vectors.
 * Vectors carry a sequence number per change, so that FAISS indexes can catch up from a watermark.
 */
@Injectable()
export class SemanticItemsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async storeChunks(command: StoreChunksCommand): Promise<StoreChunksResult> {
    const expectedBytes = command.dimensions * 4;
    for (const chunk of command.chunks) {
      if (Buffer.byteLength(chunk.vector, 'base64') !== expectedBytes) {
        throw new ValidationFailedError(`chunk ${chunk.index}: the vector does not have ${command.dimensions} dimensions`);
      }
      if (chunk.end < chunk.start) throw new ValidationFailedError(`chunk ${chunk.index}: end is before start`);
    }
    if (command.chunks.length === 0) return { itemIds: [] };
    return this.db.transaction(async (manager) => {
      await lockVectorSequence(manager);
      // Insert-or-keep by source key: a chunk stored by an earlier (interrupted) attempt is kept as it is.
      const rows: { id: string; source_key: string }[] = await manager.query(
        `INSERT INTO semantic_items (kind, source_key, document_id, chunk_index, char_start, char_end, page_start, page_end, title, text)
         SELECT 'chunk', c.source_key, $1::uuid, c.idx, c.cs, c.ce, c.ps, c.pe, $2, c.txt
           FROM unnest($3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::text[])
                AS c(source_key, idx, cs, ce, ps, pe, txt)
         ON CONFLICT (source_key) DO UPDATE SET source_key = EXCLUDED.source_key
         RETURNING id, source_key`,
        [
          command.documentId,
          command.title,
          command.chunks.map((c) => chunkSourceKey(command.documentId, c.index)),
          command.chunks.map((c) => c.index),
          command.chunks.map((c) => c.start),
          command.chunks.map((c) => c.end),
          command.chunks.map((c) => c.pageStart ?? null),
          command.chunks.map((c) => c.pageEnd ?? null),
          command.chunks.map((c) => c.text),
        ],
      );
      const idByKey = new Map(rows.map((r) => [r.source_key, Number(r.id)]));
      const itemIds = command.chunks.map((c) => idByKey.get(chunkSourceKey(command.documentId, c.index))!);
      await manager.query(
        `INSERT INTO semantic_vectors (item_id, model_id, dimensions, vector)
         SELECT v.item_id, $1, $2, v.vector FROM unnest($3::bigint[], $4::bytea[]) AS v(item_id, vector)
         ON CONFLICT (item_id, model_id) DO NOTHING`,
        [command.model, command.dimensions, itemIds, command.chunks.map((c) => Buffer.from(c.vector, 'base64'))],
      );
      return { itemIds };
    });
  }

  async deleteDocumentItems(command: DocumentItemsCommand): Promise<{ deletedItems: number }> {
    return this.db.transaction(async (manager) => {
      await lockVectorSequence(manager);
      // Wrapped in a SELECT: TypeORM answers a bare DELETE … RETURNING with [rows, count].
      const deleted: { id: string }[] = await manager.query(
        'WITH gone AS (DELETE FROM semantic_items WHERE document_id = $1 RETURNING id) SELECT id FROM gone',
        [command.documentId],
      );
      if (deleted.length > 0) {
        // Tombstones with a new sequence number: every index learns of the deletion when it catches up.
        await manager.query(
          `UPDATE semantic_vectors SET deleted = true, vector = ''::bytea, seq = nextval('semantic_vectors_seq')
            WHERE item_id = ANY($1::bigint[]) AND NOT deleted`,
          [deleted.map((d) => d.id)],
        );
      }
      return { deletedItems: deleted.length };
    });
  }

  async scanVectors(query: ScanVectorsQuery): Promise<ScanVectorsResult> {
    const rows: { item_id: string; seq: string; vector: Buffer; deleted: boolean }[] = await this.db.query(
      `SELECT item_id, seq, vector, deleted FROM semantic_vectors
        WHERE model_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [query.model, query.afterSequence, query.limit],
    );
    const [{ latest }] = await this.db.query(
      'SELECT coalesce(max(seq), 0) AS latest FROM semantic_vectors WHERE model_id = $1',
      [query.model],
    );
    // A page stays well under NATS's 1 MB message limit whatever the vectors' size: the caller asks again.
    const vectors: ScanVectorsResult['vectors'] = [];
    let bytes = 0;
    for (const r of rows) {
      const vector = r.deleted ? null : Buffer.from(r.vector).toString('base64');
      bytes += (vector?.length ?? 0) + 80;
      if (bytes > SCAN_PAGE_BYTES && vectors.length > 0) break;
      vectors.push({ itemId: Number(r.item_id), sequence: Number(r.seq), vector, deleted: r.deleted });
    }
    return { vectors, latestSequence: Number(latest) };
  }

  /** Items by id, in no particular order; ids that no longer exist are left out. */
  async loadItems(ids: number[]): Promise<SemanticItemRow[]> {
    if (ids.length === 0) return [];
    const rows: RawItem[] = await this.db.query('SELECT * FROM semantic_items WHERE id = ANY($1::bigint[])', [ids]);
    return rows.map(toItemRow);
  }

  /** Counts for a document (used by ingestion to report its chunk count, and by tests). */
  async countForDocument(documentId: string): Promise<{ items: number; vectors: number }> {
    const [row] = await this.db.query(
      `SELECT (SELECT count(*) FROM semantic_items WHERE document_id = $1) AS items,
              (SELECT count(*) FROM semantic_vectors v JOIN semantic_items i ON i.id = v.item_id
                WHERE i.document_id = $1 AND NOT v.deleted) AS vectors`,
      [documentId],
    );
    return { items: Number(row.items), vectors: Number(row.vectors) };
  }
}
