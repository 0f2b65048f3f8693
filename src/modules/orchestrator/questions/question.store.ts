import { randomUUID, createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { NotFoundError } from '../../../contracts/errors.js';
import { QUESTION_SUMMARY_CHARS } from '../../../contracts/questions/question.dto.js';
import type {
  AttemptDto,
  ErrorType,
  ImportedAnswerDto,
  ListQuestionsQuery,
  QuestionDto,
  QuestionInputDto,
  QuestionPageDto,
  QuestionState,
  QuestionStatsDto,
  ScoreMethod,
  SubmittedQuestionDto,
} from '../../../contracts/questions/question.dto.js';
import { questionHash } from './normalize-question.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of the queries below
type Row = Record<string, any>;

/** The stored state of a question, as the worker needs it. */
export interface QuestionRecord {
  id: string;
  text: string;
  reference: string | null;
  state: QuestionState;
  generation: number;
  try: number;
  updatedAt: Date;
}

/** An attempt that produced an answer (scored or not yet). */
export interface AnsweredAttempt {
  answer: string;
  model: string | null;
  score: number | null;
  timings: Record<string, number>;
  context: string[];
}

export interface AttemptKey {
  questionId: string;
  generation: number;
  try: number;
}

/** What the worker decided after scoring an answer. */
export type ScoreDecision = { kind: 'validated' } | { kind: 'regenerate'; detail: string } | { kind: 'low_quality'; detail: string };

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : undefined);

/**
 * Everything the question pipeline stores, in PostgreSQL. Every change of state is one transaction
 * with its timeline event; attempts, final answers, failures, latencies and scores have unique keys
 * (question, generation, try), so that work done twice (a redelivery after a crash) is stored once.
 */
@Injectable()
export class QuestionStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A validated answer to the same (normalised) question younger than `ttlHours`, if any. */
  async cachedAnswer(text: string, ttlHours: number): Promise<{ answer: string; score: number | null; method: string | null } | undefined> {
    if (ttlHours <= 0) return undefined;
    const rows: Row[] = await this.db.query(
      `SELECT answer, score, score_method FROM answers
        WHERE normalized_hash = $1 AND validated AND answered_at > now() - make_interval(secs => $2)
        ORDER BY answered_at DESC LIMIT 1`,
      [questionHash(text), ttlHours * 3600],
    );
    return rows[0] ? { answer: rows[0].answer, score: rows[0].score, method: rows[0].score_method } : undefined;
  }

  /**
   * Stores a submitted question as pending (or, with a cached answer, validated at once). With an
   * idempotency key already used, returns the question stored then.
   */
  async submit(input: QuestionInputDto, cached?: { answer: string; score: number | null; method: string | null }): Promise<SubmittedQuestionDto> {
    return this.db.transaction(async (tx) => {
      if (input.idempotencyKey) {
        const existing: Row[] = await tx.query('SELECT id, state FROM questions WHERE idempotency_key = $1', [input.idempotencyKey]);
        if (existing[0]) return { id: existing[0].id, state: existing[0].state, cached: false, duplicate: true };
      }
      const id = randomUUID();
      const hash = questionHash(input.question);
      const state: QuestionState = cached ? 'validated' : 'pending';
      const inserted: Row[] = await tx.query(
        `INSERT INTO questions (id, text, normalized_hash, reference, idempotency_key, state, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 = 'validated' THEN now() END)
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
        [id, input.question, hash, input.reference ?? null, input.idempotencyKey ?? null, state],
      );
      if (inserted.length === 0) {
        // Another submission with the same key won the race.
        const existing: Row[] = await tx.query('SELECT id, state FROM questions WHERE idempotency_key = $1', [input.idempotencyKey]);
        return { id: existing[0].id, state: existing[0].state, cached: false, duplicate: true };
      }
      await this.event(tx, id, 'pending', 'submitted');
      if (!cached) return { id, state, cached: false, duplicate: false };
      await tx.query(
        `INSERT INTO answers (question_id, normalized_hash, answer, score, score_method, validated, source)
         VALUES ($1, $2, $3, $4, $5, true, 'cache')`,
        [id, hash, cached.answer, cached.score, cached.method],
      );
      await this.event(tx, id, 'validated', 'answered from the cache of validated answers');
      return { id, state, cached: true, duplicate: false, answer: cached.answer, ...(cached.score !== null ? { score: cached.score } : {}) };
    });
  }

  /** Removes a question that was never accepted (it could not be queued). */
  async remove(id: string): Promise<void> {
    await this.db.query('DELETE FROM questions WHERE id = $1', [id]);
  }

  async load(id: string): Promise<QuestionRecord | undefined> {
    const rows: Row[] = await this.db.query('SELECT id, text, reference, state, generation, try, updated_at FROM questions WHERE id = $1', [id]);
    const row = rows[0];
    if (!row) return undefined;
    return { id: row.id, text: row.text, reference: row.reference, state: row.state, generation: row.generation, try: row.try, updatedAt: row.updated_at };
  }

  /** Moves a question that is not final to `state` (with a timeline event). */
  async setState(id: string, state: QuestionState, detail?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE questions SET state = $2, updated_at = now() WHERE id = $1 AND state NOT IN ('validated', 'low_quality', 'failed')`,
        [id, state],
      );
      await this.event(tx, id, state, detail);
    });
  }

  /** The answer of an attempt already generated (a redelivery after a crash goes on from there). */
  async answeredAttempt(key: AttemptKey): Promise<AnsweredAttempt | undefined> {
    const rows: Row[] = await this.db.query(
      `SELECT answer, model, score, timings FROM question_attempts
        WHERE question_id = $1 AND generation = $2 AND try = $3 AND outcome = 'answered'`,
      [key.questionId, key.generation, key.try],
    );
    const row = rows[0];
    if (!row) return undefined;
    const { context, ...timings } = row.timings as Record<string, number> & { context?: string[] };
    return { answer: row.answer, model: row.model, score: row.score, timings, context: context ?? [] };
  }

  /** Failed tries of one generation so far, per error type. */
  async errorCounts(questionId: string, generation: number): Promise<Partial<Record<ErrorType, number>>> {
    const rows: Row[] = await this.db.query(
      `SELECT error_type, count(*)::integer AS n FROM question_attempts
        WHERE question_id = $1 AND generation = $2 AND outcome = 'error' GROUP BY error_type`,
      [questionId, generation],
    );
    return Object.fromEntries(rows.map((r) => [r.error_type, r.n]));
  }

  /** Records a generated answer (before scoring) and moves the question to scoring. */
  async recordAnswer(key: AttemptKey, answer: AnsweredAttempt, startedAt: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO question_attempts (question_id, generation, try, outcome, answer, model, timings, started_at, finished_at)
         VALUES ($1, $2, $3, 'answered', $4, $5, $6, $7, now()) ON CONFLICT (question_id, generation, try) DO NOTHING`,
        [key.questionId, key.generation, key.try, answer.answer, answer.model, JSON.stringify({ ...answer.timings, context: answer.context }), startedAt],
      );
      await tx.query(`UPDATE questions SET state = 'scoring', updated_at = now() WHERE id = $1 AND state NOT IN ('validated', 'low_quality', 'failed')`, [key.questionId]);
      await this.event(tx, key.questionId, 'scoring', `generation ${key.generation}, try ${key.try}: answered`);
    });
  }

  /**
   * Records a failed attempt; then either schedules the next try (state retrying) or ends the
   * question as failed with its reason (kept with the whole history).
   */
  async recordError(
    key: AttemptKey,
    failure: { errorType: ErrorType; message: string; timings: Record<string, number>; startedAt: Date },
    next: { kind: 'retry'; delayMs: number } | { kind: 'fail' },
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO question_attempts (question_id, generation, try, outcome, error_type, error, timings, started_at, finished_at)
         VALUES ($1, $2, $3, 'error', $4, $5, $6, $7, now()) ON CONFLICT (question_id, generation, try) DO NOTHING`,
        [key.questionId, key.generation, key.try, failure.errorType, failure.message.slice(0, 2000), JSON.stringify(failure.timings), failure.startedAt],
      );
      if (next.kind === 'retry') {
        await tx.query(
          `UPDATE questions SET state = 'retrying', try = $3 + 1, updated_at = now()
            WHERE id = $1 AND generation = $2 AND try = $3 AND state NOT IN ('validated', 'low_quality', 'failed')`,
          [key.questionId, key.generation, key.try],
        );
        await this.event(tx, key.questionId, 'retrying', `${failure.errorType}: ${failure.message.slice(0, 300)}; next try in ${next.delayMs} ms`);
        return;
      }
      const attempts: Row[] = await tx.query('SELECT count(*)::integer AS n FROM question_attempts WHERE question_id = $1', [key.questionId]);
      await tx.query(
        `INSERT INTO failed_questions (question_id, error_type, reason, attempts) VALUES ($1, $2, $3, $4) ON CONFLICT (question_id) DO NOTHING`,
        [key.questionId, failure.errorType, failure.message.slice(0, 2000), attempts[0].n],
      );
      await tx.query(
        `UPDATE questions SET state = 'failed', failure = $2, updated_at = now(), finished_at = now()
          WHERE id = $1 AND state NOT IN ('validated', 'low_quality', 'failed')`,
        [key.questionId, `${failure.errorType}: ${failure.message.slice(0, 2000)}`],
      );
      await this.event(tx, key.questionId, 'failed', `${failure.errorType}: ${failure.message.slice(0, 300)}`);
    });
  }

  /**
   * Records an answer's score and latencies, and what follows: validated (the answer is final),
   * regenerate (next generation), or low_quality (the best answer of all generations is final).
   */
  async recordScore(
    key: AttemptKey,
    score: { value: number; method: ScoreMethod },
    latencies: Record<string, number>,
    decision: ScoreDecision,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { questionId, generation } = key;
      await tx.query('UPDATE question_attempts SET score = $4, score_method = $5 WHERE question_id = $1 AND generation = $2 AND try = $3', [
        questionId,
        generation,
        key.try,
        score.value,
        score.method,
      ]);
      await tx.query(
        'INSERT INTO score_history (question_id, generation, score, method) VALUES ($1, $2, $3, $4) ON CONFLICT (question_id, generation) DO NOTHING',
        [questionId, generation, score.value, score.method],
      );
      for (const [stage, ms] of Object.entries(latencies)) {
        await tx.query(
          `INSERT INTO stage_latencies (question_id, generation, try, stage, ms) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (question_id, generation, try, stage) DO NOTHING`,
          [questionId, generation, key.try, stage, ms],
        );
      }
      if (decision.kind === 'regenerate') {
        await tx.query(
          `UPDATE questions SET state = 'pending', generation = $2 + 1, try = 1, updated_at = now()
            WHERE id = $1 AND generation = $2 AND state NOT IN ('validated', 'low_quality', 'failed')`,
          [questionId, generation],
        );
        // Waiting in the queue for its next generation, like a new question.
        await this.event(tx, questionId, 'pending', decision.detail);
        return;
      }
      // The final answer: this one when validated, else the best scored answer of every generation.
      const best: Row[] = await tx.query(
        `SELECT answer, score, score_method, model FROM question_attempts
          WHERE question_id = $1 AND outcome = 'answered' AND score IS NOT NULL ORDER BY ${decision.kind === 'validated' ? 'generation DESC' : 'score DESC, generation'} LIMIT 1`,
        [questionId],
      );
      const final = best[0];
      const validated = decision.kind === 'validated';
      await tx.query(
        `INSERT INTO answers (question_id, normalized_hash, answer, score, score_method, validated, source, model, generations)
         SELECT q.id, q.normalized_hash, $2, $3, $4, $5, 'live', $6, $7 FROM questions q WHERE q.id = $1
         ON CONFLICT (question_id) DO NOTHING`,
        [questionId, final.answer, final.score, final.score_method, validated, final.model, generation],
      );
      const state: QuestionState = validated ? 'validated' : 'low_quality';
      await tx.query(
        `UPDATE questions SET state = $2, updated_at = now(), finished_at = now() WHERE id = $1 AND state NOT IN ('validated', 'low_quality', 'failed')`,
        [questionId, state],
      );
      await this.event(tx, questionId, state, validated ? `score ${score.value.toFixed(3)} (${score.method})` : decision.detail);
    });
  }

  /** Questions not in a final state, for queueing them again after a restart without NATS. */
  async unfinished(limit = 10_000): Promise<Array<{ id: string; generation: number }>> {
    const rows: Row[] = await this.db.query(
      `SELECT id, generation FROM questions WHERE state NOT IN ('validated', 'low_quality', 'failed') ORDER BY created_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, generation: r.generation }));
  }

  /** Questions not final whose last change is older than `staleMs`: their message may be lost. */
  async stale(staleMs: number, limit = 1000): Promise<Array<{ id: string; generation: number }>> {
    const rows: Row[] = await this.db.query(
      `SELECT id, generation FROM questions
        WHERE state NOT IN ('validated', 'low_quality', 'failed') AND updated_at < now() - make_interval(secs => $1)
        ORDER BY updated_at LIMIT $2`,
      [staleMs / 1000, limit],
    );
    return rows.map((r) => ({ id: r.id, generation: r.generation }));
  }

  async get(id: string): Promise<QuestionDto> {
    const rows: Row[] = await this.db.query(
      `SELECT q.*, a.answer, a.score, a.score_method FROM questions q LEFT JOIN answers a ON a.question_id = q.id WHERE q.id = $1`,
      [id],
    );
    const q = rows[0];
    if (!q) throw new NotFoundError(`no question with id ${id}`, { id });
    const attempts: Row[] = await this.db.query(
      'SELECT * FROM question_attempts WHERE question_id = $1 ORDER BY generation, try',
      [id],
    );
    const events: Row[] = await this.db.query('SELECT state, detail, at FROM question_events WHERE question_id = $1 ORDER BY id', [id]);
    return {
      id: q.id,
      question: q.text,
      ...(q.reference !== null ? { reference: q.reference } : {}),
      state: q.state,
      ...(q.answer !== null && q.answer !== undefined ? { answer: q.answer } : {}),
      ...(q.score !== null && q.score !== undefined ? { score: q.score } : {}),
      ...(q.score_method ? { scoreMethod: q.score_method } : {}),
      ...(q.failure ? { failure: q.failure } : {}),
      attempts: attempts.map((a) => this.attempt(a)),
      timeline: events.map((e) => ({ state: e.state, at: iso(e.at)!, ...(e.detail ? { detail: e.detail } : {}) })),
      createdAt: iso(q.created_at)!,
      updatedAt: iso(q.updated_at)!,
    };
  }

  /**
   * A page of questions, newest first (id breaks ties, so that pages never overlap), read from the
   * index on (created_at, id) or (state, created_at, id); the attempts are counted for the page only.
   */
  async list(query: ListQuestionsQuery): Promise<QuestionPageDto> {
    // A filter written only when given: `$n IS NULL OR ...` would keep a generic plan off the state index.
    const where = query.state ? 'WHERE q.state = $4' : '';
    const filter = query.state ? [query.state] : [];
    const [rows, counted] = await Promise.all([
      this.db.query(
        `SELECT q.id, left(q.text, $3) AS text, length(q.text) > $3 AS truncated, q.state, q.created_at, q.updated_at, a.score,
                (SELECT count(*)::integer FROM question_attempts t WHERE t.question_id = q.id) AS attempts
           FROM questions q LEFT JOIN answers a ON a.question_id = q.id
          ${where}
          ORDER BY q.created_at DESC, q.id DESC LIMIT $1 OFFSET $2`,
        [query.limit ?? 50, query.offset ?? 0, QUESTION_SUMMARY_CHARS, ...filter],
      ) as Promise<Row[]>,
      this.db.query(`SELECT count(*)::integer AS n FROM questions q ${where.replace('$4', '$1')}`, filter) as Promise<Row[]>,
    ]);
    return {
      questions: rows.map((q) => ({
        id: q.id,
        question: q.text,
        truncated: q.truncated,
        state: q.state,
        attempts: q.attempts,
        ...(q.score !== null && q.score !== undefined ? { score: q.score } : {}),
        createdAt: iso(q.created_at)!,
        updatedAt: iso(q.updated_at)!,
      })),
      total: counted[0]?.n ?? 0,
    };
  }

  async stats(): Promise<QuestionStatsDto> {
    const [states, latency, errors, regenerations, sources] = await Promise.all([
      this.db.query('SELECT state, count(*)::integer AS n FROM questions GROUP BY state'),
      this.db.query('SELECT stage, count, p50, p95, p99 FROM question_stage_latency ORDER BY stage'),
      this.db.query('SELECT error_type, count FROM question_error_distribution ORDER BY error_type'),
      this.db.query('SELECT * FROM question_regeneration_outcomes'),
      this.db.query('SELECT source, count(*)::integer AS n FROM answers GROUP BY source'),
    ]);
    const round = (n: unknown) => (n === null || n === undefined ? null : Math.round(Number(n) * 1000) / 1000);
    const regen = (regenerations as Row[])[0] ?? {};
    return {
      states: Object.fromEntries((states as Row[]).map((r) => [r.state, r.n])),
      latencyByStage: (latency as Row[]).map((r) => ({ stage: r.stage, count: r.count, p50: round(r.p50)!, p95: round(r.p95)!, p99: round(r.p99)! })),
      errors: (errors as Row[]).map((r) => ({ errorType: r.error_type, count: r.count })),
      regenerations: {
        regenerated: regen.regenerated ?? 0,
        validated: regen.validated ?? 0,
        lowQuality: regen.low_quality ?? 0,
        meanFirstScore: round(regen.mean_first_score),
        meanBestScore: round(regen.mean_best_score),
      },
      answersBySource: Object.fromEntries((sources as Row[]).map((r) => [r.source, r.n])),
    };
  }

  /**
   * Stores historical answers as final questions (source import). The same question and answer
   * imported again is skipped: the import key is a hash of both.
   */
  async importAnswers(answers: ImportedAnswerDto[], threshold: number): Promise<{ imported: number; skipped: number }> {
    let imported = 0;
    await this.db.transaction(async (tx) => {
      for (const item of answers) {
        const key = `import:${createHash('sha256').update(`${questionHash(item.question)}\u0000${item.answer}`).digest('hex')}`;
        const id = randomUUID();
        const validated = item.score === undefined || item.score >= threshold;
        const state: QuestionState = validated ? 'validated' : 'low_quality';
        const askedAt = item.askedAt ?? item.answeredAt ?? new Date().toISOString();
        const answeredAt = item.answeredAt ?? askedAt;
        const rows: Row[] = await tx.query(
          `INSERT INTO questions (id, text, normalized_hash, idempotency_key, source, state, created_at, updated_at, finished_at)
           VALUES ($1, $2, $3, $4, 'import', $5, $6, $7, $7) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
          [id, item.question, questionHash(item.question), key, state, askedAt, answeredAt],
        );
        if (rows.length === 0) continue;
        imported++;
        await tx.query(
          `INSERT INTO answers (question_id, normalized_hash, answer, score, score_method, validated, source, answered_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'import', $7)`,
          [id, questionHash(item.question), item.answer, item.score ?? null, item.score !== undefined ? 'imported' : null, validated, answeredAt],
        );
        if (item.score !== undefined) {
          await tx.query(`INSERT INTO score_history (question_id, generation, score, method, at) VALUES ($1, 1, $2, 'imported', $3)`, [
            id,
            item.score,
            answeredAt,
          ]);
        }
        await tx.query(`INSERT INTO question_events (question_id, state, detail, at) VALUES ($1, $2, 'imported', $3)`, [id, state, answeredAt]);
      }
    });
    return { imported, skipped: answers.length - imported };
  }

  private attempt(a: Row): AttemptDto {
    const { context: _context, ...timings } = (a.timings ?? {}) as Record<string, number> & { context?: unknown };
    return {
      generation: a.generation,
      try: a.try,
      outcome: a.outcome,
      ...(a.error_type ? { errorType: a.error_type } : {}),
      ...(a.error ? { error: a.error } : {}),
      ...(a.answer !== null ? { answer: a.answer } : {}),
      ...(a.score !== null ? { score: a.score } : {}),
      ...(a.score_method ? { scoreMethod: a.score_method } : {}),
      timings,
      startedAt: iso(a.started_at)!,
      finishedAt: iso(a.finished_at)!,
    };
  }

  private async event(tx: EntityManager, id: string, state: QuestionState, detail?: string): Promise<void> {
    await tx.query('INSERT INTO question_events (question_id, state, detail) VALUES ($1, $2, $3)', [id, state, detail ?? null]);
  }
}
