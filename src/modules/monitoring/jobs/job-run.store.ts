import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { JobName, JobRunDto, JobRunState } from '../../../contracts/monitoring/job.dto.js';
import { type LockHolder, lostLeaseMessage } from './job-lock.js';

type Trigger = 'schedule' | 'manual';

interface Row {
  id: string;
  job: JobName;
  trigger: Trigger;
  scheduled_for: Date | null;
  node: string;
  state: JobRunState;
  started_at: Date;
  finished_at: Date | null;
  lease_until: Date | null;
  summary: Record<string, unknown> | null;
  error: string | null;
}

/** One recorded run. */
export interface JobRun {
  id: string;
  job: JobName;
  trigger: Trigger;
  scheduledFor: Date | null;
  node: string;
  state: JobRunState;
  startedAt: Date;
  finishedAt: Date | null;
  leaseUntil: Date | null;
  summary: Record<string, unknown>;
  error: string | null;
}

const COLUMNS = 'id, job, trigger, scheduled_for, node, state, started_at, finished_at, lease_until, summary, error';

function toRun(row: Row): JobRun {
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  return {
    id: row.id,
    job: row.job,
    trigger: row.trigger,
    scheduledFor: date(row.scheduled_for),
    node: row.node,
    state: row.state,
    startedAt: new Date(row.started_at),
    finishedAt: date(row.finished_at),
    leaseUntil: date(row.lease_until),
    summary: row.summary ?? {},
    error: row.error,
  };
}

export function toJobRunDto(run: JobRun): JobRunDto {
  return {
    id: run.id,
    job: run.job,
    trigger: run.trigger,
    ...(run.scheduledFor ? { scheduledFor: run.scheduledFor.toISOString() } : {}),
    state: run.state,
    node: run.node,
    startedAt: run.startedAt.toISOString(),
    ...(run.finishedAt
      ? { finishedAt: run.finishedAt.toISOString(), durationMs: run.finishedAt.getTime() - run.startedAt.getTime() }
      : {}),
    summary: run.summary,
    ...(run.error !== null ? { error: run.error } : {}),
  };
}

export const asHolder = (run: JobRun): LockHolder => ({ id: run.id, node: run.node, startedAt: run.startedAt, scheduledFor: run.scheduledFor });

// Every UPDATE … RETURNING is wrapped in a SELECT: TypeORM answers a bare one with [rows, count].

/**
 * The `job_runs` table: the record of every run, and the lock. Leases are compared with the
 * database's clock (`now()`), never a node's, so nodes with skewed clocks agree on who is dead.
 */
@Injectable()
export class JobRunStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Marks failed every running run (of one job, or all) whose lease ran out; returns them. */
  async reapExpired(job?: JobName): Promise<JobRun[]> {
    const expired: Row[] = await this.db.query(
      `SELECT ${COLUMNS} FROM job_runs WHERE state = 'running' AND lease_until < now() AND ($1::text IS NULL OR job = $1)`,
      [job ?? null],
    );
    const reaped: JobRun[] = [];
    for (const row of expired.map(toRun)) {
      const rows: Row[] = await this.db.query(
        `WITH reaped AS (
           UPDATE job_runs SET state = 'failed', finished_at = now(), error = $2
            WHERE id = $1 AND state = 'running' AND lease_until < now() RETURNING ${COLUMNS}
         ) SELECT * FROM reaped`,
        [row.id, lostLeaseMessage(row)],
      );
      if (rows.length > 0) reaped.push(toRun(rows[0]));
    }
    return reaped;
  }

  /**
   * Inserts a running run unless the job runs already or (scheduled) the slot is taken: the unique
   * indexes decide, atomically, across nodes. Undefined when the insert lost.
   */
  async tryStart(input: { job: JobName; trigger: Trigger; scheduledFor?: Date; node: string; leaseMs: number }): Promise<JobRun | undefined> {
    const rows: Row[] = await this.db.query(
      `INSERT INTO job_runs (id, job, trigger, scheduled_for, node, state, started_at, lease_until)
       VALUES ($1, $2, $3, $4, $5, 'running', now(), now() + $6 * interval '1 millisecond')
       ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [randomUUID(), input.job, input.trigger, input.scheduledFor ?? null, input.node, input.leaseMs],
    );
    return rows.length > 0 ? toRun(rows[0]) : undefined;
  }

  /** Records that a scheduled slot was skipped; one node records it (the slot is unique). */
  async recordSkipped(input: { job: JobName; scheduledFor: Date; node: string; reason: string }): Promise<JobRun | undefined> {
    const rows: Row[] = await this.db.query(
      `INSERT INTO job_runs (id, job, trigger, scheduled_for, node, state, started_at, finished_at, error)
       VALUES ($1, $2, 'schedule', $3, $4, 'skipped', now(), now(), $5)
       ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [randomUUID(), input.job, input.scheduledFor, input.node, input.reason],
    );
    return rows.length > 0 ? toRun(rows[0]) : undefined;
  }

  async running(job: JobName): Promise<JobRun | undefined> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM job_runs WHERE job = $1 AND state = 'running'`, [job]);
    return rows.length > 0 ? toRun(rows[0]) : undefined;
  }

  async slotRun(job: JobName, scheduledFor: Date): Promise<JobRun | undefined> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM job_runs WHERE job = $1 AND scheduled_for = $2`, [job, scheduledFor]);
    return rows.length > 0 ? toRun(rows[0]) : undefined;
  }

  /** Extends the lease of a run still running and stores its progress; false when it is no longer running (taken over). */
  async renew(id: string, leaseMs: number, summary: Record<string, unknown>): Promise<boolean> {
    const rows: Row[] = await this.db.query(
      `WITH renewed AS (
         UPDATE job_runs SET lease_until = now() + $2 * interval '1 millisecond', summary = $3::jsonb
          WHERE id = $1 AND state = 'running' RETURNING id
       ) SELECT id FROM renewed`,
      [id, leaseMs, JSON.stringify(summary)],
    );
    return rows.length > 0;
  }

  /** Ends a run that is still running; undefined when it was not (reaped, or ended at shutdown). */
  async finish(id: string, state: 'succeeded' | 'failed', summary: Record<string, unknown>, error?: string): Promise<JobRun | undefined> {
    const rows: Row[] = await this.db.query(
      `WITH finished AS (
         UPDATE job_runs SET state = $2, finished_at = now(), lease_until = NULL, summary = $3::jsonb, error = $4
          WHERE id = $1 AND state = 'running' RETURNING ${COLUMNS}
       ) SELECT * FROM finished`,
      [id, state, JSON.stringify(summary), error ?? null],
    );
    return rows.length > 0 ? toRun(rows[0]) : undefined;
  }

  async get(id: string): Promise<JobRun | undefined> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM job_runs WHERE id = $1`, [id]);
    return rows.length > 0 ? toRun(rows[0]) : undefined;
  }

  /** Runs, newest first, with the total matching the filter. */
  async list(query: { job?: JobName; limit: number; offset: number }): Promise<{ runs: JobRun[]; total: number }> {
    const rows: Row[] = await this.db.query(
      `SELECT ${COLUMNS} FROM job_runs WHERE ($1::text IS NULL OR job = $1) ORDER BY started_at DESC, id LIMIT $2 OFFSET $3`,
      [query.job ?? null, query.limit, query.offset],
    );
    const [{ total }] = await this.db.query('SELECT count(*)::int AS total FROM job_runs WHERE ($1::text IS NULL OR job = $1)', [query.job ?? null]);
    return { runs: rows.map(toRun), total: Number(total) };
  }

  /** The newest run of each job. */
  async latestPerJob(): Promise<Map<JobName, JobRun>> {
    const rows: Row[] = await this.db.query(`SELECT DISTINCT ON (job) ${COLUMNS} FROM job_runs ORDER BY job, started_at DESC`);
    return new Map(rows.map((row) => [row.job, toRun(row)]));
  }

  /** Jobs with a running run whose lease has not run out. */
  async runningJobs(): Promise<Set<JobName>> {
    const rows: { job: JobName }[] = await this.db.query(`SELECT job FROM job_runs WHERE state = 'running' AND lease_until >= now()`);
    return new Set(rows.map((row) => row.job));
  }

  /** Deletes finished runs that started before the cutoff (running ones never). */
  async deleteFinishedBefore(cutoff: Date): Promise<number> {
    const [{ deleted }] = await this.db.query(
      `WITH gone AS (DELETE FROM job_runs WHERE state <> 'running' AND started_at < $1 RETURNING 1) SELECT count(*)::int AS deleted FROM gone`,
      [cutoff],
    );
    return Number(deleted);
  }
}
