import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Uploaded content and the ingestion state of documents (processing module). */
export class CreateDocuments1763990001000 implements MigrationInterface {
  name = 'CreateDocuments1763990001000';

  async up(db: QueryRunner): Promise<void> {
    // The bytes as uploaded, kept so that a document can be processed again (retries, a new model).
    await db.query(`
      CREATE TABLE uploads (
        id uuid PRIMARY KEY,
        content_hash text NOT NULL,
        size_bytes integer NOT NULL,
        bytes bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE documents (
        id uuid PRIMARY KEY,
        upload_id uuid NOT NULL REFERENCES uploads (id),
        content_hash text NOT NULL,
        filename text NOT NULL DEFAULT '',
        declared_type text NOT NULL DEFAULT '',
        detected_type text NOT NULL,
        size_bytes integer NOT NULL,
        title text NOT NULL DEFAULT '',
        status text NOT NULL CHECK (status IN ('queued', 'processing', 'indexed', 'failed')),
        failure_reason text,
        chunk_count integer NOT NULL DEFAULT 0,
        embedding_model text,
        truncated boolean NOT NULL DEFAULT false,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        indexed_at timestamptz
      )`);
    // The same content is stored once.
    await db.query('CREATE UNIQUE INDEX documents_content_hash_idx ON documents (content_hash)');
    await db.query('CREATE INDEX documents_status_idx ON documents (status, created_at)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE documents');
    await db.query('DROP TABLE uploads');
  }
}
