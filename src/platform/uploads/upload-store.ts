import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

export interface StoredUpload {
  id: string;
  contentHash: string;
  sizeBytes: number;
}

/**
 * The bytes of uploaded documents, in PostgreSQL. The API node writes them (uploads can be far
 * larger than a NATS message) and hands only the id to the processing module, which reads them back.
 */
@Injectable()
export class UploadStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async put(bytes: Buffer): Promise<StoredUpload> {
    const upload = { id: randomUUID(), contentHash: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.length };
    await this.db.query('INSERT INTO uploads (id, content_hash, size_bytes, bytes) VALUES ($1, $2, $3, $4)', [
      upload.id,
      upload.contentHash,
      upload.sizeBytes,
      bytes,
    ]);
    return upload;
  }

  async get(id: string): Promise<Buffer | undefined> {
    const rows: { bytes: Buffer }[] = await this.db.query('SELECT bytes FROM uploads WHERE id = $1', [id]);
    return rows[0] ? Buffer.from(rows[0].bytes) : undefined;
  }

  /** Removes an upload no document refers to (a duplicate, or a refused type). */
  async deleteUnreferenced(id: string): Promise<void> {
    await this.db.query('DELETE FROM uploads u WHERE u.id = $1 AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.upload_id = u.id)', [id]);
  }
}
