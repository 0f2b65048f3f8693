import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateNotes1763900001000 implements MigrationInterface {
  name = 'CreateNotes1763900001000';

  async up(db: QueryRunner): Promise<void> {
    // array_to_string is only STABLE; tags are plain text, so this wrapper may honestly be IMMUTABLE,
    // which a generated column requires.
    await db.query(`
      CREATE FUNCTION tars_tags_text(tags text[]) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string(tags, ' ') $$`);
    // Title weighs most, then tags, then the text; the column is kept up to date by PostgreSQL.
    await db.query(`
      CREATE TABLE notes (
        id uuid PRIMARY KEY,
        title text NOT NULL,
        text text NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', title), 'A') ||
          setweight(to_tsvector('english', tars_tags_text(tags)), 'B') ||
          setweight(to_tsvector('english', text), 'C')
        ) STORED
      )`);
    await db.query('CREATE INDEX notes_search_idx ON notes USING gin (search)');
    await db.query('CREATE INDEX notes_created_at_idx ON notes (created_at DESC)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE notes');
    await db.query('DROP FUNCTION tars_tags_text(text[])');
  }
}
