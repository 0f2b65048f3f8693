import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Memory layers 1 (conversations), 2 (projects) and 3 (semantic items with their vectors). */
export class CreateMemoryLayers1763990000000 implements MigrationInterface {
  name = 'CreateMemoryLayers1763990000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE conversations (
        id uuid PRIMARY KEY,
        title text NOT NULL DEFAULT '',
        turn_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX conversations_updated_at_idx ON conversations (updated_at DESC)');
    await db.query(`
      CREATE TABLE conversation_turns (
        id bigserial PRIMARY KEY,
        conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
        content text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        search tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED
      )`);
    await db.query('CREATE INDEX conversation_turns_conversation_idx ON conversation_turns (conversation_id, id)');
    await db.query('CREATE INDEX conversation_turns_search_idx ON conversation_turns USING gin (search)');

    await db.query(`
      CREATE TABLE projects (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        summary text NOT NULL DEFAULT '',
        tags text[] NOT NULL DEFAULT '{}',
        keywords text[] NOT NULL DEFAULT '{}',
        started_at timestamptz,
        ended_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', name), 'A') ||
          setweight(to_tsvector('english', tars_tags_text(tags) || ' ' || tars_tags_text(keywords)), 'B') ||
          setweight(to_tsvector('english', summary), 'C')
        ) STORED
      )`);
    await db.query('CREATE INDEX projects_search_idx ON projects USING gin (search)');

    // source_key makes storing an item idempotent (e.g. 'document:<id>:<chunk index>'): a redelivered
    // ingestion job cannot store a chunk twice.
    await db.query(`
      CREATE TABLE semantic_items (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('chunk', 'summary', 'answer', 'note')),
        source_key text NOT NULL UNIQUE,
        document_id uuid,
        project_id uuid,
        conversation_id uuid,
        chunk_index integer,
        char_start integer,
        char_end integer,
        page_start integer,
        page_end integer,
        title text NOT NULL DEFAULT '',
        text text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', title), 'B') || setweight(to_tsvector('english', text), 'C')
        ) STORED
      )`);
    await db.query('CREATE INDEX semantic_items_document_idx ON semantic_items (document_id, chunk_index)');
    await db.query('CREATE INDEX semantic_items_search_idx ON semantic_items USING gin (search)');

    // Vectors are the source of truth of the FAISS indexes. Every change (insert, deletion) takes a new
    // sequence number, so an index catches up by reading what came after its watermark. A deleted
    // vector stays as a tombstone (deleted = true) until compaction purges it.
    await db.query('CREATE SEQUENCE semantic_vectors_seq');
    await db.query(`
      CREATE TABLE semantic_vectors (
        item_id bigint NOT NULL,
        model_id text NOT NULL,
        dimensions integer NOT NULL,
        vector bytea NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('semantic_vectors_seq'),
        deleted boolean NOT NULL DEFAULT false,
        PRIMARY KEY (item_id, model_id)
      )`);
    await db.query('CREATE INDEX semantic_vectors_model_seq_idx ON semantic_vectors (model_id, seq)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE semantic_vectors');
    await db.query('DROP SEQUENCE semantic_vectors_seq');
    await db.query('DROP TABLE semantic_items');
    await db.query('DROP TABLE projects');
    await db.query('DROP TABLE conversation_turns');
    await db.query('DROP TABLE conversations');
  }
}
