import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduled jobs (issue 6): every run of a job, which is also the lock that makes each run happen on
 * one node; and the conversation summaries written by the nightly synthesis (memory layer 2, with the
 * last turn each one covers, so that turns are compacted only once a stored summary holds them).
 */
export class CreateJobRuns1764100003000 implements MigrationInterface {
  name = 'CreateJobRuns1764100003000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE job_runs (
        id uuid PRIMARY KEY,
        job text NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
        scheduled_for timestamptz,
        node text NOT NULL,
        state text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'skipped')),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        lease_until timestamptz,
        summary jsonb NOT NULL DEFAULT '{}',
        error text,
        CHECK ((trigger = 'schedule') = (scheduled_for IS NOT NULL))
      )`);
    // The lock: at most one running run per job, whichever node runs it...
    await db.query(`CREATE UNIQUE INDEX job_runs_one_running_idx ON job_runs (job) WHERE state = 'running'`);
    // ...and one run (or one skip) per scheduled slot: every node with the schedule tries, one insert wins.
    await db.query('CREATE UNIQUE INDEX job_runs_slot_idx ON job_runs (job, scheduled_for)');
    await db.query('CREATE INDEX job_runs_job_started_idx ON job_runs (job, started_at DESC)');
    await db.query('CREATE INDEX job_runs_started_idx ON job_runs (started_at DESC)');

    await db.query(`
      CREATE TABLE conversation_summaries (
        conversation_id uuid PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
        project_id uuid NOT NULL UNIQUE,
        item_id bigint,
        summary text NOT NULL,
        method text NOT NULL CHECK (method IN ('llm', 'extractive')),
        model text,
        covered_until_turn_id bigint NOT NULL,
        covered_turns integer NOT NULL,
        compacted_turns integer NOT NULL DEFAULT 0,
        summarised_at timestamptz NOT NULL DEFAULT now(),
        compacted_at timestamptz
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE conversation_summaries');
    await db.query('DROP TABLE job_runs');
  }
}
