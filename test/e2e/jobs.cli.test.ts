import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir, uniqueSubjectPrefix } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { NATS_URL } from '../support/services.js';
import { freePort, runCli, TarsProcess } from '../support/tars-process.js';
import { hashingEmbeddingsEnv } from '../support/node-env.mjs';

/**
 * Issue 6, point 4 from the command line: `tars jobs` against node A (cognitive: api, memory,
 * inference) while the jobs run on node B (processing: processing, orchestrator, monitoring),
 * reached over the real NATS server; every run is recorded in PostgreSQL and listed by the API.
 */

describe('tars jobs against a two-node cluster', () => {
  let db: TestDatabase;
  let a: TarsProcess;
  let adminKey: string;
  let dirB: string;
  const started: TarsProcess[] = [];
  const dataDirs: string[] = [];

  async function launch(name: string, env: Record<string, string>): Promise<TarsProcess> {
    const node = new TarsProcess(name, await freePort(), env);
    started.push(node);
    await node.start(90_000);
    return node;
  }

  const tars = (args: string[]) => runCli(['jobs', ...args, '--url', a.url, '--api-key', adminKey], { TARS_CONFIG: '' }, 120_000);

  beforeAll(async () => {
    db = await createTestDatabase('e2e_jobs');
    const common = {
      DATABASE_URL: db.url,
      NATS_URL,
      TARS_NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(),
      TARS_AUTH_RATE_LIMIT_ENABLED: 'false',
      ...hashingEmbeddingsEnv(),
      TARS_JOBS_ENABLED: 'true',
      TARS_JOBS_TIMEZONE: 'Europe/Berlin',
    };
    const dirA = tempDataDir('tars-jobs-a');
    dirB = tempDataDir('tars-jobs-b');
    dataDirs.push(dirA, dirB);
    [, a] = await Promise.all([
      launch('node-b', { ...common, TARS_ROLES: 'processing', TARS_DATA_DIR: dirB }),
      launch('node-a', { ...common, TARS_ROLES: 'cognitive', TARS_DATA_DIR: dirA }),
    ]);
    adminKey = readFileSync(join(dirA, 'admin.key'), 'utf8').trim();
  });

  afterAll(async () => {
    await Promise.allSettled(started.map((node) => node.stop()));
    await db?.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('`tars jobs run cleanup` starts the job, follows it to its end, and GET /jobs/runs shows the run', async () => {
    const result = await tars(['run', 'cleanup', '--poll-ms', '200']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const id = /Started cleanup: run ([0-9a-f-]{36}) on node node-b\./.exec(result.stdout)?.[1];
    expect(id, result.stdout).toBeDefined();
    expect(result.stdout).toMatch(/cleanup succeeded in \d+\.\d s on node node-b/);
    expect(result.stdout).toMatch(/^ {2}jobRuns: 0$/m);

    const runs = await call(a.url, 'GET', '/jobs/runs?job=cleanup', { key: adminKey });
    expect(runs.status).toBe(200);
    expect(runs.body.items).toEqual([
      expect.objectContaining({ id, job: 'cleanup', trigger: 'manual', state: 'succeeded', node: 'node-b', durationMs: expect.any(Number) }),
    ]);
    expect((await call(a.url, 'GET', `/jobs/runs/${id}`, { key: adminKey })).body).toMatchObject({ id, state: 'succeeded' });
  });

  it('`tars jobs list` and `tars jobs runs` show the schedule and the recorded runs', async () => {
    const list = await tars(['list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const jobs = JSON.parse(list.stdout);
    expect(jobs.map((j: { name: string }) => j.name)).toEqual(['synthesis', 'index-maintenance', 'cleanup']);
    expect(jobs[2]).toMatchObject({ cron: '0 4 * * *', timezone: 'Europe/Berlin', running: false, lastRun: { state: 'succeeded', node: 'node-b' } });
    expect(Date.parse(jobs[2].nextRunAt)).toBeGreaterThan(Date.now());

    const table = await tars(['list']);
    expect(table.stdout).toMatch(/^cleanup +0 4 \* \* \* +Europe\/Berlin +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +no +succeeded .* on node-b$/m);
    const runs = await tars(['runs', '--job', 'cleanup']);
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout).toMatch(/^[0-9a-f-]{36} +cleanup +manual +succeeded +node-b /m);
  });

  it('`tars jobs run index-maintenance --json` prints the final run: indexes compacted and backed up on the processing node', async () => {
    const result = await tars(['run', 'index-maintenance', '--json', '--poll-ms', '200']);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const run = JSON.parse(result.stdout);
    expect(run).toMatchObject({ job: 'index-maintenance', state: 'succeeded', node: 'node-b', summary: { backup: { node: 'node-b' } } });
    expect(run.summary.backup.path.startsWith(join(dirB, 'backups', 'index'))).toBe(true);
  });

  it('refuses a job running elsewhere with exit code 1 and the node it runs on, and an unknown job by name', async () => {
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      await sql.query(
        `INSERT INTO job_runs (id, job, trigger, node, state, lease_until) VALUES ($1, 'synthesis', 'manual', 'pc-elsewhere', 'running', now() + interval '10 minutes')`,
        [randomUUID()],
      );
      const busy = await tars(['run', 'synthesis']);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/answered 409: job synthesis is already running on node pc-elsewhere/);
    } finally {
      await sql.end();
    }
    const unknown = await tars(['run', 'defragment']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/answered 400: job must be one of synthesis, index-maintenance, cleanup/);
  });
});
