import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /questions lists questions newest first, all of them or those in one state: both orders come
 * from an index (scanned backwards), so a page costs its own rows, not a sort of the whole table.
 */
export class IndexQuestionsByCreation1764100004000 implements MigrationInterface {
  name = 'IndexQuestionsByCreation1764100004000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('CREATE INDEX questions_created_idx ON questions (created_at, id)');
    await db.query('CREATE INDEX questions_state_created_idx ON questions (state, created_at, id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX questions_state_created_idx');
    await db.query('DROP INDEX questions_created_idx');
  }
}
