import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApiKeys1763900000000 implements MigrationInterface {
  name = 'CreateApiKeys1763900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT api_keys_scopes_known CHECK (scopes <@ ARRAY['read','write','admin']::text[] AND cardinality(scopes) > 0)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE api_keys');
  }
}
