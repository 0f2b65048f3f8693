import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigModule } from '../../src/config/config.module.js';
import { JobService } from '../../src/modules/monitoring/jobs/job-service.js';
import { JobsModule } from '../../src/modules/monitoring/jobs/jobs.module.js';
import { DatabaseModule } from '../../src/platform/database/database.module.js';
import { MetricsModule } from '../../src/platform/metrics/metrics.module.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { runToEnd } from '../support/jobs.js';

/** The cleanup job against a real PostgreSQL: only rows older than jobs.cleanup.keepDays go, and never a running run. */

let database: TestDatabase;
let sql: pg.Client;
let app: INestApplicationContext;
let jobs: JobService;

beforeAll(async () => {
  database = await createTestDatabase('jobs_cleanup');
  const config = testConfig({ DATABASE_URL: database.url, TARS_JOBS_ENABLED: 'false', TARS_JOBS_CLEANUP_KEEP_DAYS: '30' });
  const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(config), MetricsModule, JobsModule] }).compile();
  app = await moduleRef.init();
  jobs = app.get(JobService);
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
});
afterAll(async () => {
  await app?.close();
  await sql?.end();
  await database?.drop();
});

const ids = async (query: string) => (await sql.query(query)).rows.map((r) => r.id as string).sort();

describe('the cleanup job', () => {
  it('deletes job runs, resolved alerts, stage latencies and score history older than keepDays, and nothing else', async () => {
    const run = (state: string, daysAgo: number, job = 'index-maintenance') =>
      sql.query(
        `INSERT INTO job_runs (id, job, trigger, node, state, started_at, finished_at, lease_until)
         VALUES ($1, $2, 'manual', 'pc1', $3, now() - $4 * interval '1 day', CASE WHEN $3 = 'running' THEN NULL ELSE now() END,
                 CASE WHEN $3 = 'running' THEN now() + interval '1 hour' END) RETURNING id`,
        [randomUUID(), job, state, daysAgo],
      );
    await run('succeeded', 40);
    await run('failed', 31);
    const keptRuns = [(await run('succeeded', 29)).rows[0].id, (await run('running', 45, 'synthesis')).rows[0].id];

    const alert = (state: 'firing' | 'resolved', firedDaysAgo: number, resolvedDaysAgo?: number) =>
      sql.query(
        `INSERT INTO monitoring_alerts (id, rule, subject, state, message, fired_at, fired_by, resolved_at)
         VALUES ($1, 'disk_low', $2, $3, 'disk', now() - $4 * interval '1 day', 'pc1', now() - $5 * interval '1 day') RETURNING id`,
        [randomUUID(), `node-${randomUUID()}`, state, firedDaysAgo, resolvedDaysAgo ?? null],
      );
    await alert('resolved', 60, 40);
    const keptAlerts = [(await alert('resolved', 60, 10)).rows[0].id, (await alert('firing', 60)).rows[0].id];

    const question = randomUUID();
    await sql.query(`INSERT INTO questions (id, text, normalized_hash, state) VALUES ($1, 'q', 'h', 'validated')`, [question]);
    const latency = (stage: string, daysAgo: number) =>
      sql.query(`INSERT INTO stage_latencies (question_id, generation, try, stage, ms, at) VALUES ($1, 1, 1, $2, 5, now() - $3 * interval '1 day') RETURNING id`, [
        question,
        stage,
        daysAgo,
      ]);
    await latency('generate', 45);
    const keptLatency = (await latency('score', 5)).rows[0].id;
    const score = (generation: number, daysAgo: number) =>
      sql.query(`INSERT INTO score_history (question_id, generation, score, method, at) VALUES ($1, $2, 0.5, 'relevance', now() - $3 * interval '1 day') RETURNING id`, [
        question,
        generation,
        daysAgo,
      ]);
    await score(1, 45);
    const keptScore = (await score(2, 1)).rows[0].id;

    const started = await jobs.run({ job: 'cleanup' });
    const done = await runToEnd(() => jobs.getRun({ id: started.id }));
    expect(done.state).toBe('succeeded');
    expect(done.summary).toMatchObject({ jobRuns: 2, resolvedAlerts: 1, stageLatencies: 1, scoreHistory: 1 });
    expect(Date.parse(done.summary.cutoff as string)).toBeCloseTo(Date.now() - 30 * 86_400_000, -5);

    expect(await ids(`SELECT id FROM job_runs WHERE id <> '${started.id}'`)).toEqual(keptRuns.sort());
    expect(await ids('SELECT id FROM monitoring_alerts')).toEqual(keptAlerts.sort());
    expect(await ids('SELECT id::text AS id FROM stage_latencies')).toEqual([String(keptLatency)]);
    expect(await ids('SELECT id::text AS id FROM score_history')).toEqual([String(keptScore)]);

    // Again: nothing left to delete.
    const second = await jobs.run({ job: 'cleanup' });
    const again = await runToEnd(() => jobs.getRun({ id: second.id }));
    expect(again.summary).toMatchObject({ jobRuns: 0, resolvedAlerts: 0, stageLatencies: 0, scoreHistory: 0 });
  });

  it('skips a table this install does not have, and says so', async () => {
    await sql.query('ALTER TABLE monitoring_alerts RENAME TO monitoring_alerts_away');
    try {
      const started = await jobs.run({ job: 'cleanup' });
      const done = await runToEnd(() => jobs.getRun({ id: started.id }));
      expect(done.state).toBe('succeeded');
      expect(done.summary).toMatchObject({ skippedTables: ['monitoring_alerts'] });
      expect(done.summary).not.toHaveProperty('resolvedAlerts');
    } finally {
      await sql.query('ALTER TABLE monitoring_alerts_away RENAME TO monitoring_alerts');
    }
  });
});
