import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigModule } from '../../src/config/config.module.js';
import type { TarsConfigValues } from '../../src/config/config.schema.js';
import { ConflictError } from '../../src/contracts/errors.js';
import { CleanupJob } from '../../src/modules/monitoring/jobs/cleanup.job.js';
import type { JobDefinition, JobRunContext } from '../../src/modules/monitoring/jobs/job-definition.js';
import { JobScheduler } from '../../src/modules/monitoring/jobs/job-scheduler.js';
import { JobService } from '../../src/modules/monitoring/jobs/job-service.js';
import { JobsModule } from '../../src/modules/monitoring/jobs/jobs.module.js';
import { DatabaseModule } from '../../src/platform/database/database.module.js';
import { MetricsModule } from '../../src/platform/metrics/metrics.module.js';
import { MetricsService } from '../../src/platform/metrics/metrics.service.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { eventually, runToEnd } from '../support/jobs.js';

/**
 * The runner and its lock against a real PostgreSQL, with several JobsModule instances ("nodes")
 * on one database. The cleanup job is replaced by one the test holds open, so that "running" lasts
 * as long as the test wants.
 */

function held(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A job that runs until released (or aborted), counting its runs across every node that has it. */
class HeldJob implements JobDefinition {
  readonly name = 'cleanup' as const;
  readonly description = 'held by the test';
  runs = 0;
  signals: AbortSignal[] = [];
  private gate = held();

  cron(config: TarsConfigValues): string {
    return config.jobs.cleanup.cron;
  }

  async run(context: JobRunContext): Promise<Record<string, unknown>> {
    this.runs++;
    this.signals.push(context.signal);
    context.progress({ step: 'held' });
    const aborted = new Promise<never>((_, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason as Error)));
    await Promise.race([this.gate.promise, aborted]);
    return { step: 'released', removed: 3 };
  }

  release(): void {
    this.gate.resolve();
    this.gate = held();
  }
}

interface JobsNode {
  name: string;
  app: INestApplicationContext;
  jobs: JobService;
  scheduler: JobScheduler;
  close(): Promise<void>;
}

let database: TestDatabase;
let sql: pg.Client;
const open: JobsNode[] = [];

async function startJobsNode(name: string, job?: JobDefinition, env: Record<string, string> = {}): Promise<JobsNode> {
  const config = testConfig({ DATABASE_URL: database.url, TARS_NODE_NAME: name, TARS_JOBS_ENABLED: 'false', TARS_JOBS_LEASE_MS: '1500', ...env });
  let builder = Test.createTestingModule({ imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(config), MetricsModule, JobsModule] });
  if (job) builder = builder.overrideProvider(CleanupJob).useValue(job);
  const app = await (await builder.compile()).init();
  let closed = false;
  const node: JobsNode = {
    name,
    app,
    jobs: app.get(JobService),
    scheduler: app.get(JobScheduler),
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
  open.push(node);
  return node;
}

const runsOf = async (where: string, params: unknown[] = []) =>
  (await sql.query(`SELECT id, node, state, trigger, scheduled_for, error, summary FROM job_runs WHERE job = 'cleanup' AND ${where} ORDER BY started_at`, params)).rows;

beforeAll(async () => {
  database = await createTestDatabase('jobs_lock');
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
});
afterEach(async () => {
  for (const node of open.splice(0)) await node.close();
  await sql.query('DELETE FROM job_runs');
});
afterAll(async () => {
  await sql?.end();
  await database?.drop();
});

describe('the job lock across nodes', () => {
  it('runs a scheduled slot once when two nodes fire it at the same time', async () => {
    const job = new HeldJob();
    const [pc1, pc2] = [await startJobsNode('pc1', job), await startJobsNode('pc2', job)];
    const slot = new Date(Date.UTC(2026, 2, 1, 3, 0, 0));
    const firing = [pc1.scheduler.fire(job, slot), pc2.scheduler.fire(job, slot)];
    await eventually(async () => (await runsOf('scheduled_for = $1', [slot])).length === 1 && job.runs === 1, 'the run to start');
    const [running] = await runsOf('scheduled_for = $1', [slot]);
    expect(running).toMatchObject({ state: 'running', trigger: 'schedule' });
    expect(['pc1', 'pc2']).toContain(running.node);

    job.release();
    await Promise.all(firing);
    const runs = await runsOf('scheduled_for = $1', [slot]);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ state: 'succeeded', node: running.node, summary: { step: 'released', removed: 3 } });
    expect(job.runs).toBe(1);
  });

  it('records a slot that comes while the job still runs as skipped, once, naming the node it runs on', async () => {
    const job = new HeldJob();
    const [pc1, pc2] = [await startJobsNode('pc1', job), await startJobsNode('pc2', job)];
    const manual = await pc1.jobs.run({ job: 'cleanup' });
    const slot = new Date(Date.UTC(2026, 2, 2, 3, 0, 0));
    await Promise.all([pc1.scheduler.fire(job, slot), pc2.scheduler.fire(job, slot)]);
    const skipped = await runsOf('scheduled_for = $1', [slot]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ state: 'skipped', trigger: 'schedule' });
    expect(skipped[0].error).toMatch(new RegExp(`still running at the scheduled time: on node pc1 \\(run ${manual.id}`));
    expect(job.runs).toBe(1);
    job.release();
    expect((await runToEnd(() => pc2.jobs.getRun({ id: manual.id }))).state).toBe('succeeded');
  });

  it('refuses a manual run while the job runs on another node (ConflictError naming the node), however long it runs', async () => {
    const job = new HeldJob();
    const [pc1, pc2] = [await startJobsNode('pc1', job), await startJobsNode('pc2', job)];
    const first = await pc1.jobs.run({ job: 'cleanup' });
    expect(first).toMatchObject({ job: 'cleanup', trigger: 'manual', state: 'running', node: 'pc1' });
    await expect(pc2.jobs.run({ job: 'cleanup' })).rejects.toThrow(ConflictError);
    // Longer than two leases (1.5 s): the lease is renewed, so the run still holds the lock.
    await new Promise((r) => setTimeout(r, 3500));
    const attempt = pc2.jobs.run({ job: 'cleanup' });
    await expect(attempt).rejects.toThrow(ConflictError);
    await expect(attempt).rejects.toThrow(`job cleanup is already running on node pc1 (run ${first.id}`);
    expect((await pc2.jobs.listJobs()).jobs.find((j) => j.name === 'cleanup')).toMatchObject({ running: true, lastRun: { id: first.id, state: 'running' } });
    job.release();
    await runToEnd(() => pc2.jobs.getRun({ id: first.id }));
    expect((await pc2.jobs.run({ job: 'cleanup' })).node).toBe('pc2');
    job.release();
  });

  it('marks a run whose node stopped renewing its lease failed, and lets a new run start', async () => {
    const job = new HeldJob();
    const pc2 = await startJobsNode('pc2', job);
    const dead = randomUUID();
    await sql.query(
      `INSERT INTO job_runs (id, job, trigger, node, state, started_at, lease_until)
       VALUES ($1, 'cleanup', 'manual', 'pc-dead', 'running', now() - interval '10 minutes', now() - interval '1 second')`,
      [dead],
    );
    const run = await pc2.jobs.run({ job: 'cleanup' });
    expect(run.node).toBe('pc2');
    const reaped = await pc2.jobs.getRun({ id: dead });
    expect(reaped).toMatchObject({ state: 'failed', node: 'pc-dead' });
    expect(reaped.error).toMatch(/^node pc-dead stopped renewing its lease \(it ended at .*\)/);
    expect(reaped.durationMs).toBeGreaterThanOrEqual(600_000);
    job.release();
    expect((await runToEnd(() => pc2.jobs.getRun({ id: run.id }))).state).toBe('succeeded');
  });

  it('stops a run whose lock another node took over (its node was paused past the lease), keeping the takeover on record', async () => {
    const job = new HeldJob();
    const pc1 = await startJobsNode('pc1', job);
    const run = await pc1.jobs.run({ job: 'cleanup' });
    await eventually(() => job.signals.length === 1, 'the job to start');
    // What another node does when it finds the lease ran out.
    await sql.query(`UPDATE job_runs SET state = 'failed', finished_at = now(), error = 'taken over' WHERE id = $1`, [run.id]);
    await eventually(() => job.signals[0].aborted, 'the run to be aborted at its next renewal', 5_000);
    expect((job.signals[0].reason as Error).message).toMatch(/lost its lock/);
    await new Promise((r) => setTimeout(r, 300));
    expect(await pc1.jobs.getRun({ id: run.id })).toMatchObject({ state: 'failed', error: 'taken over' });
  });

  it('fails its running runs with "node stopped" when the node shuts down, and aborts them', async () => {
    const job = new HeldJob();
    const pc3 = await startJobsNode('pc3', job);
    const pc1 = await startJobsNode('pc1', job);
    const run = await pc3.jobs.run({ job: 'cleanup' });
    await eventually(() => job.signals.length === 1, 'the job to start');
    await pc3.close();
    expect(job.signals[0].aborted).toBe(true);
    expect(await pc1.jobs.getRun({ id: run.id })).toMatchObject({ state: 'failed', error: 'node pc3 stopped', summary: { step: 'held' } });
    // The lock is free at once: no wait for a lease to run out.
    expect((await pc1.jobs.run({ job: 'cleanup' })).node).toBe('pc1');
    job.release();
  });

  it('records each run with its trigger, node, duration and summary, counts it in the metrics, and lists runs newest first', async () => {
    const job = new HeldJob();
    const pc1 = await startJobsNode('pc1', job);
    const first = await pc1.jobs.run({ job: 'cleanup' });
    await eventually(async () => (await pc1.jobs.getRun({ id: first.id })).summary.step === 'held', 'progress to be stored while it runs');
    job.release();
    const done = await runToEnd(() => pc1.jobs.getRun({ id: first.id }));
    expect(done).toMatchObject({ state: 'succeeded', trigger: 'manual', node: 'pc1', summary: { step: 'released', removed: 3 } });
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));

    const second = await pc1.jobs.run({ job: 'cleanup' });
    job.release();
    await runToEnd(() => pc1.jobs.getRun({ id: second.id }));
    const page = await pc1.jobs.listRuns({ job: 'cleanup', limit: 1 });
    expect(page.total).toBe(2);
    expect(page.items.map((r) => r.id)).toEqual([second.id]);
    expect((await pc1.jobs.listRuns({ job: 'synthesis' })).total).toBe(0);

    const metrics = await pc1.app.get(MetricsService).registry.metrics();
    expect(metrics).toMatch(/tars_job_runs_total\{job="cleanup",state="succeeded"[^}]*\} 2/);
    expect(metrics).toMatch(/tars_job_duration_seconds_count\{job="cleanup"[^}]*\} 2/);
  });
});

describe('the schedule', () => {
  it('runs each slot of a seconds schedule once across two nodes, and lists the schedule with its next start', async () => {
    const env = { TARS_JOBS_ENABLED: 'true', TARS_JOBS_CLEANUP_CRON: '* * * * * *', TARS_JOBS_TIMEZONE: 'America/New_York' };
    // The real cleanup job: it is quick, and it must not delete the runs it is part of.
    const [pc1, pc2] = [await startJobsNode('pc1', undefined, env), await startJobsNode('pc2', undefined, env)];
    await eventually(async () => (await runsOf(`trigger = 'schedule' AND state <> 'running'`)).length >= 3, 'three scheduled runs', 20_000);
    await pc1.close();
    await pc2.close();
    const runs = await runsOf(`trigger = 'schedule'`);
    const slots = runs.map((r) => (r.scheduled_for as Date).toISOString());
    expect(new Set(slots).size).toBe(slots.length);
    expect(slots.every((s) => s.endsWith('.000Z'))).toBe(true);
    expect(runs.filter((r) => r.state === 'succeeded').length).toBeGreaterThanOrEqual(3);
    expect(runs.every((r) => r.state === 'succeeded' || r.state === 'skipped' || (r.state === 'failed' && /stopped/.test(r.error)))).toBe(true);

    const pc3 = await startJobsNode('pc3', undefined, { ...env, TARS_JOBS_CLEANUP_CRON: '0 4 * * *' });
    const listed = (await pc3.jobs.listJobs()).jobs;
    expect(listed.map((j) => j.name)).toEqual(['synthesis', 'index-maintenance', 'cleanup']);
    const cleanup = listed.find((j) => j.name === 'cleanup')!;
    expect(cleanup).toMatchObject({ cron: '0 4 * * *', timezone: 'America/New_York', running: false, lastRun: { trigger: 'schedule' } });
    // 04:00 in New York is 08:00 or 09:00 UTC, depending on daylight saving time.
    expect(new Date(cleanup.nextRunAt!).getUTCHours()).toBeOneOf([8, 9]);
    expect(new Date(cleanup.nextRunAt!).getTime()).toBeGreaterThan(Date.now());

    const off = await startJobsNode('pc4', undefined, { TARS_JOBS_ENABLED: 'false' });
    expect((await off.jobs.listJobs()).jobs.every((j) => j.nextRunAt === undefined)).toBe(true);
  });
});
