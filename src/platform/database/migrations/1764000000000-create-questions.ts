import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The question pipeline (issue 5): questions and their timeline, every attempt, the final answers
 * and failures (one row per question: the unique keys make redelivered work land exactly once),
 * per-stage latencies and score history, and the analytics views over them.
 */
export class CreateQuestions1764000000000 implements MigrationInterface {
  name = 'CreateQuestions1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE questions (
        id uuid PRIMARY KEY,
        text text NOT NULL,
        normalized_hash text NOT NULL,
        reference text,
        idempotency_key text UNIQUE,
        source text NOT NULL DEFAULT 'live' CHECK (source IN ('live', 'import')),
        state text NOT NULL CHECK (state IN ('pending', 'generating', 'scoring', 'retrying', 'validated', 'low_quality', 'failed')),
        generation integer NOT NULL DEFAULT 1,
        try integer NOT NULL DEFAULT 1,
        failure text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await db.query('CREATE INDEX questions_hash_idx ON questions (normalized_hash)');
    await db.query('CREATE INDEX questions_state_idx ON questions (state, updated_at)');
    await db.query(`
      CREATE TABLE question_events (
        id bigserial PRIMARY KEY,
        question_id uuid NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
        state text NOT NULL,
        detail text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX question_events_question_idx ON question_events (question_id, id)');
    await db.query(`
      CREATE TABLE question_attempts (
        id bigserial PRIMARY KEY,
        question_id uuid NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
        generation integer NOT NULL,
        try integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('answered', 'error')),
        error_type text CHECK (error_type IN ('overload', 'quota', 'timeout', 'permanent')),
        error text,
        answer text,
        score real,
        score_method text,
        model text,
        timings jsonb NOT NULL DEFAULT '{}',
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        UNIQUE (question_id, generation, try)
      )`);
    await db.query(`
      CREATE TABLE answers (
        question_id uuid PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
        normalized_hash text NOT NULL,
        answer text NOT NULL,
        score real,
        score_method text,
        validated boolean NOT NULL,
        source text NOT NULL DEFAULT 'live',
        model text,
        generations integer NOT NULL DEFAULT 1,
        answered_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX answers_cache_idx ON answers (normalized_hash, answered_at DESC) WHERE validated');
    await db.query(`
      CREATE TABLE failed_questions (
        question_id uuid PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
        error_type text NOT NULL,
        reason text NOT NULL,
        attempts integer NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE stage_latencies (
        id bigserial PRIMARY KEY,
        question_id uuid NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
        generation integer NOT NULL,
        try integer NOT NULL,
        stage text NOT NULL,
        ms double precision NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (question_id, generation, try, stage)
      )`);
    await db.query('CREATE INDEX stage_latencies_stage_idx ON stage_latencies (stage, at)');
    await db.query(`
      CREATE TABLE score_history (
        id bigserial PRIMARY KEY,
        question_id uuid NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
        generation integer NOT NULL,
        score real NOT NULL,
        method text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (question_id, generation)
      )`);

    await db.query(`
      CREATE VIEW question_stage_latency AS
        SELECT stage, count(*)::integer AS count,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
               percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
          FROM stage_latencies GROUP BY stage`);
    await db.query(`
      CREATE VIEW question_error_distribution AS
        SELECT error_type, count(*)::integer AS count
          FROM question_attempts WHERE outcome = 'error' GROUP BY error_type`);
    await db.query(`
      CREATE VIEW question_regeneration_outcomes AS
        WITH per_question AS (
          SELECT h.question_id,
                 max(h.generation) AS generations,
                 max(h.score) FILTER (WHERE h.generation = 1) AS first_score,
                 max(h.score) AS best_score
            FROM score_history h GROUP BY h.question_id
        )
        SELECT count(*)::integer AS regenerated,
               count(*) FILTER (WHERE q.state = 'validated')::integer AS validated,
               count(*) FILTER (WHERE q.state = 'low_quality')::integer AS low_quality,
               avg(p.first_score) AS mean_first_score,
               avg(p.best_score) AS mean_best_score
          FROM per_question p JOIN questions q ON q.id = p.question_id
         WHERE p.generations > 1`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP VIEW question_regeneration_outcomes');
    await db.query('DROP VIEW question_error_distribution');
    await db.query('DROP VIEW question_stage_latency');
    for (const table of ['score_history', 'stage_latencies', 'failed_questions', 'answers', 'question_attempts', 'question_events', 'questions']) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
