import type { Command } from 'commander';
import type { JobDto, JobListDto, JobRunDto, JobRunPageDto } from '../contracts/monitoring/job.dto.js';
import { ApiClient } from './api-client.js';
import { resolveConnection } from './chat/connection.js';
import { positiveInteger } from './load/cli-options.js';

interface JobsOptions {
  url?: string;
  apiKey?: string;
  config?: string;
  json?: boolean;
}

const MAX_POLL_FAILURES = 5;

async function client(opts: JobsOptions): Promise<ApiClient> {
  const connection = resolveConnection(opts, process.env);
  if (!connection.apiKey) throw new Error('no API key: pass --api-key, set TARS_API_KEY, put apiKey in cli.yaml, or give the node config (--config) whose admin.key to use');
  const api = new ApiClient(connection.url, connection.apiKey);
  if (!(await api.isUp())) throw new Error(`no TARS node answers at ${connection.url} (from ${connection.urlFrom})`);
  return api;
}

const time = (iso?: string) => (iso ? iso.slice(0, 19).replace('T', ' ') : '-');
const seconds = (ms?: number) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** `tars jobs list` as a table. */
export function renderJobs(jobs: JobDto[]): string {
  return table(
    ['JOB', 'SCHEDULE', 'TIME ZONE', 'NEXT RUN', 'RUNNING', 'LAST RUN'],
    jobs.map((j) => [
      j.name,
      j.cron,
      j.timezone,
      j.nextRunAt ? time(j.nextRunAt) : 'off here',
      j.running ? 'yes' : 'no',
      j.lastRun ? `${j.lastRun.state} ${time(j.lastRun.startedAt)} on ${j.lastRun.node}` : 'never',
    ]),
  );
}

/** `tars jobs runs` as a table. */
export function renderRuns(runs: JobRunDto[]): string {
  return table(
    ['ID', 'JOB', 'TRIGGER', 'STATE', 'NODE', 'STARTED', 'DURATION', 'ERROR'],
    runs.map((r) => [r.id, r.job, r.trigger, r.state, r.node, time(r.startedAt), seconds(r.durationMs), r.error ?? '']),
  );
}

/** A run's summary as indented `key: value` lines (nested values as compact JSON). */
export function renderSummary(summary: Record<string, unknown>): string {
  return Object.entries(summary)
    .map(([key, value]) => `  ${key}: ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
    .join('\n');
}

/** Polls a run until it is no longer running, printing its progress as it changes; resolves with the final run. */
export async function followRun(
  get: () => Promise<JobRunDto>,
  options: { pollMs: number; print: (line: string) => void; sleep?: (ms: number) => Promise<void> },
): Promise<JobRunDto> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last = '{}';
  let failures = 0;
  for (;;) {
    let run: JobRunDto;
    try {
      run = await get();
      failures = 0;
    } catch (err) {
      if (++failures >= MAX_POLL_FAILURES) throw err;
      await sleep(options.pollMs);
      continue;
    }
    if (run.state !== 'running') return run;
    const progress = JSON.stringify(run.summary);
    if (progress !== last && progress !== '{}') options.print(`  … ${progress}`);
    last = progress;
    await sleep(options.pollMs);
  }
}

export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('scheduled jobs (synthesis, index-maintenance, cleanup): list them, their runs, run one now');
  const common = (cmd: Command) =>
    cmd
      .option('--url <url>', 'the node to ask (default: TARS_URL, url in cli.yaml, else the node config)')
      .option('--api-key <key>', 'a key (admin to run a job) (default: TARS_API_KEY, apiKey in cli.yaml, else <dataDir>/admin.key)')
      .option('-c, --config <file>', 'a node config file (default: TARS_CONFIG): its address and admin key, when not given otherwise')
      .option('--json', 'print JSON');

  common(jobs.command('list'))
    .description('the jobs with their schedule, next start and last run')
    .action(async (opts: JobsOptions) => {
      const { jobs: list } = await (await client(opts)).request<JobListDto>('GET', '/jobs');
      console.log(opts.json ? JSON.stringify(list, null, 2) : renderJobs(list));
    });

  common(jobs.command('runs'))
    .description('recorded runs, newest first')
    .option('--job <name>', 'only the runs of this job')
    .option('--limit <n>', 'how many (at most 200)', positiveInteger, 20)
    .action(async (opts: JobsOptions & { job?: string; limit: number }) => {
      const query = new URLSearchParams({ limit: String(opts.limit), ...(opts.job ? { job: opts.job } : {}) });
      const page = await (await client(opts)).request<JobRunPageDto>('GET', `/jobs/runs?${query}`);
      if (opts.json) return console.log(JSON.stringify(page, null, 2));
      if (page.items.length === 0) return console.log('No job runs recorded.');
      console.log(renderRuns(page.items));
      if (page.total > page.items.length) console.log(`(${page.items.length} of ${page.total}; --limit for more)`);
    });

  common(jobs.command('run'))
    .description('start a job now and follow it to its end (exit code 1 when it fails)')
    .argument('<name>', 'synthesis, index-maintenance or cleanup')
    .option('--no-wait', 'only start it, print the run and exit')
    .option('--poll-ms <ms>', 'how often to ask for its progress', positiveInteger, 1000)
    .action(async (name: string, opts: JobsOptions & { wait: boolean; pollMs: number }) => {
      const api = await client(opts);
      const started = await api.request<JobRunDto>('POST', `/jobs/${encodeURIComponent(name)}/run`);
      if (!opts.wait) return console.log(opts.json ? JSON.stringify(started, null, 2) : `Started ${started.job}: run ${started.id} on node ${started.node}.`);
      if (!opts.json) console.log(`Started ${started.job}: run ${started.id} on node ${started.node}.`);
      const run = await followRun(() => api.request<JobRunDto>('GET', `/jobs/runs/${started.id}`), {
        pollMs: opts.pollMs,
        print: (line) => !opts.json && console.log(line),
      });
      if (run.state === 'failed') process.exitCode = 1;
      if (opts.json) return console.log(JSON.stringify(run, null, 2));
      console.log(`${run.job} ${run.state} in ${seconds(run.durationMs)} on node ${run.node}${run.error ? `: ${run.error}` : ''}`);
      const summary = renderSummary(run.summary);
      if (summary) console.log(summary);
    });
}
