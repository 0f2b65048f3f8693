// Ingestion across nodes: documents/minute with one and with two processing nodes sharing the
// JetStream work queue, and how soon a processing node started while a backlog waits takes work.
//
//   npm run build && node bench/cluster-processing.mjs [--documents 200] [--rounds 3] [--backlog 150]
//       [--dtype q8] [--threads 0] [--concurrency 1] [--processing-roles processing]
//
// The cluster is the two-PC layout on one machine: an API node (roles cognitive: inference, memory,
// api) and processing nodes (roles processing: processing, orchestrator, monitoring), each its own OS
// process, with a throwaway PostgreSQL database (BENCH_POSTGRES_URL), the NATS server at
// BENCH_NATS_URL under a unique subject prefix, and the fixture embedding model
// ../shared/models/minilm-l6-random (random weights, MiniLM's architecture and cost) as the only
// model. Documents are generated deterministically (bench/lib/documents-corpus.mjs, about 3 KB).
// Each round:
//   1. one processing node: `--documents` documents submitted (4 POSTs at a time), clock from the
//      first POST to the last indexedAt;
//   2. join, idle cores: `--backlog` documents are queued, the first processing node is paused
//      (SIGSTOP), a new processing node (fresh data folder) is spawned; times from the spawn to ready
//      (/health/ready, polled every 150 ms) and to its first finished job (/metrics, every 100 ms);
//      then the first node resumes and the backlog drains;
//   3. join, busy cores: the same with the first node working through a backlog big enough to last
//      about 45 s, so the new node starts on cores that are already busy;
//   4. two processing nodes (both warm): `--documents` new documents, as in 1.
// Every wait is bounded; nodes, database, NATS state and folders are removed, also on Ctrl-C.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cpuMeter } from './lib/cpu.mjs';
import { generateDocuments } from './lib/documents-corpus.mjs';
import { listAll, postDocument, submitAll, waitUntilDone } from './lib/documents-api.mjs';
import { deleteJetStreamState } from './lib/jetstream-state.mjs';
import { machineLines } from './lib/machine.mjs';
import { percentile } from './lib/measure.mjs';
import { loadAverage } from './lib/proc-memory.mjs';
import { table } from './lib/search-report.mjs';
import { adminHeaders, embeddingEnv, fixtureModel, scrapeMetrics } from './lib/tars-http.mjs';
import { createDatabase, REPO_ROOT, TarsNode } from './lib/tars-node.mjs';

const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const { values: args } = parseArgs({
  options: {
    documents: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    backlog: { type: 'string', default: '150' },
    dtype: { type: 'string', default: 'q8' },
    threads: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '1' },
    'processing-roles': { type: 'string', default: 'processing' },
  },
});
const PLAN = {
  documents: Number(args.documents),
  rounds: Number(args.rounds),
  backlog: Number(args.backlog),
  /** The busy-join backlog lasts about this long at the one-node rate of the round. */
  busyBacklogSeconds: 45,
  dtype: args.dtype,
  /** embeddings.models[].threads of every processing node (0: one ONNX thread per core). */
  threads: Number(args.threads),
  concurrency: Number(args.concurrency),
  processingRoles: args['processing-roles'],
  submitConcurrency: 4,
  targetBytes: 3072,
  phaseMs: 10 * 60_000,
  joinMs: 3 * 60_000,
};
if (!['q8', 'fp32'].includes(PLAN.dtype)) throw new Error('--dtype is q8 or fp32');

const log = (line) => console.error(`[cluster-processing] ${new Date().toISOString().slice(11, 19)} ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Finished ingestion jobs of a node, from its /metrics (undefined while it does not answer). */
async function jobsOf(node) {
  try {
    const metrics = await scrapeMetrics(node.url);
    let done = 0;
    let seconds = 0;
    for (const [key, value] of metrics) {
      if (key.startsWith('tars_ingestion_jobs_total') && key.includes('outcome="done"')) done += value;
      if (key.startsWith('tars_ingestion_job_duration_seconds_sum')) seconds += value;
    }
    return { done, seconds };
  } catch {
    return undefined;
  }
}

class Cluster {
  constructor(tmp, db, prefix) {
    this.tmp = tmp;
    this.db = db;
    this.prefix = prefix;
    this.processing = [];
    this.joined = 0;
    this.common = {
      DATABASE_URL: db.url,
      NATS_URL,
      TARS_NATS_SUBJECT_PREFIX: prefix,
      TARS_PROCESSING_QUEUE_CONCURRENCY: String(PLAN.concurrency),
      ...embeddingEnv({ ...fixtureModel(PLAN.dtype), threads: PLAN.threads }),
    };
  }

  async startApi() {
    const dataDir = path.join(this.tmp, 'api');
    this.api = await TarsNode.start('bench-api', { ...this.common, TARS_ROLES: 'cognitive', TARS_DATA_DIR: dataDir });
    this.headers = adminHeaders(dataDir);
  }

  /** A processing node with a fresh data folder; `onSpawn` as in TarsNode.start. */
  async startProcessing(onSpawn) {
    const name = `bench-processing-${++this.joined}`;
    const node = await TarsNode.start(name, { ...this.common, TARS_ROLES: PLAN.processingRoles, TARS_DATA_DIR: path.join(this.tmp, name) }, { onSpawn });
    this.processing.push(node);
    return node;
  }

  async stopProcessing(node) {
    process.kill(node.pid, 'SIGCONT');
    await node.stop();
    this.processing = this.processing.filter((n) => n !== node);
  }

  async stopAll() {
    for (const node of this.processing) if (node.running) process.kill(node.pid, 'SIGCONT');
    await Promise.allSettled([...this.processing, this.api].filter(Boolean).map((n) => n.stop()));
    await this.sql?.end().catch(() => undefined);
  }

  /**
   * Documents indexed or failed so far, read from PostgreSQL: while a processing node is paused, the
   * API could route a listing to it (one queue group) and wait for nothing.
   */
  async finished() {
    if (!this.sql) {
      this.sql = new pg.Client({ connectionString: this.db.url });
      await this.sql.connect();
    }
    const { rows } = await this.sql.query("SELECT count(*)::int AS n FROM documents WHERE status IN ('indexed', 'failed')");
    return rows[0].n;
  }

  /** Polls PostgreSQL until `expected` documents are finished; false when the deadline passed first. */
  async waitFinished(expected, deadline) {
    while ((await this.finished()) < expected) {
      if (Date.now() > deadline) return false;
      await sleep(250);
    }
    return true;
  }
}

/** Submits `docs` and waits until they are indexed; documents/minute from the first POST to the last indexedAt. */
async function measureThroughput(cluster, docs, label) {
  const before = await cluster.finished();
  const jobsBefore = await Promise.all(cluster.processing.map(jobsOf));
  const pids = Object.fromEntries([['api', cluster.api.pid], ...cluster.processing.map((n, i) => [`processing ${i + 1}`, n.pid])]);
  const stopCpu = cpuMeter(pids);
  const load = [loadAverage()[0]];
  const startedAt = Date.now();
  const submittedAt = await submitAll(cluster.api.url, cluster.headers, docs, PLAN.submitConcurrency);
  const done = await waitUntilDone(cluster.api.url, cluster.headers, before + docs.length, startedAt + PLAN.phaseMs);
  const cpu = stopCpu();
  load.push(loadAverage()[0]);
  const jobsAfter = await Promise.all(cluster.processing.map(jobsOf));
  const measured = (await listAll(cluster.api.url, cluster.headers)).filter((d) => submittedAt.has(d.id));
  const indexed = measured.filter((d) => d.status === 'indexed');
  const wallMs = done.timedOut ? Date.now() - startedAt : Math.max(...indexed.map((d) => Date.parse(d.indexedAt))) - startedAt;
  const latencies = Float64Array.from(indexed.map((d) => (Date.parse(d.indexedAt) - submittedAt.get(d.id)) / 1000)).sort();
  const result = {
    label,
    nodes: cluster.processing.length,
    submitted: submittedAt.size,
    indexed: indexed.length,
    failed: measured.filter((d) => d.status === 'failed').length,
    timedOut: done.timedOut,
    chunks: indexed.reduce((sum, d) => sum + d.chunkCount, 0),
    wallMs,
    perMinute: (indexed.length / wallMs) * 60_000,
    latencyP50: percentile(latencies, 50),
    jobsPerNode: jobsAfter.map((after, i) => (after?.done ?? 0) - (jobsBefore[i]?.done ?? 0)),
    cpu,
    load,
  };
  log(`${label}: ${result.indexed}/${docs.length} indexed in ${(wallMs / 1000).toFixed(1)} s = ${result.perMinute.toFixed(0)} docs/min, jobs per node ${result.jobsPerNode.join('/')}`);
  return result;
}

/**
 * Queues `backlog` documents, then spawns a new processing node and times it: spawn -> ready,
 * spawn -> first finished job. With `pauseOthers`, the running processing nodes are paused once the
 * backlog is queued, so what is left of it waits for the new node alone, which starts on idle cores.
 */
async function joinTrial(cluster, backlog, { pauseOthers, label }) {
  const others = [...cluster.processing];
  const before = await cluster.finished();
  const load = loadAverage()[0];
  // Submitting needs a processing node (it stores the upload), so the others are paused only after.
  await submitAll(cluster.api.url, cluster.headers, backlog, PLAN.submitConcurrency);
  if (pauseOthers) others.forEach((n) => process.kill(n.pid, 'SIGSTOP'));
  const waiting = before + backlog.length - (await cluster.finished());

  let spawnedAt;
  let firstJob;
  let polling = true;
  let poller;
  const node = await cluster.startProcessing((n) => {
    spawnedAt = performance.now();
    poller = (async () => {
      while (polling && performance.now() - spawnedAt < PLAN.joinMs) {
        const jobs = await jobsOf(n);
        if (jobs && jobs.done > 0) {
          firstJob = { at: performance.now(), seconds: jobs.seconds / jobs.done };
          return;
        }
        await sleep(100);
      }
    })();
  });
  const readyAt = performance.now();
  await poller;
  polling = false;
  if (pauseOthers) others.forEach((n) => process.kill(n.pid, 'SIGCONT'));
  const drained = await cluster.waitFinished(before + backlog.length, Date.now() + PLAN.phaseMs);
  const result = {
    label,
    backlog: backlog.length,
    waiting,
    readyS: (readyAt - spawnedAt) / 1000,
    firstJobS: firstJob ? (firstJob.at - spawnedAt) / 1000 : NaN,
    firstJobDurationS: firstJob?.seconds ?? NaN,
    drainedTimedOut: !drained,
    load,
  };
  log(`${label}: ${waiting} waiting; ready after ${result.readyS.toFixed(2)} s, first job done after ${result.firstJobS.toFixed(2)} s (the job took ${result.firstJobDurationS.toFixed(2)} s)`);
  return { result, node };
}

const f0 = (v) => (Number.isFinite(v) ? v.toFixed(0) : '–');
const f1 = (v) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const f2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : '–');
const median = (values) => percentile(Float64Array.from(values).sort(), 50);

function printResults(throughput, joins, sizes) {
  console.log(`\n## Processing throughput with one and two processing nodes (fixture model ${PLAN.dtype}, ${PLAN.threads || 'default'} ONNX threads, queue concurrency ${PLAN.concurrency} per node)\n`);
  console.log(`Documents per measurement: ${PLAN.documents}, ${sizes.min}–${sizes.max} bytes (median ${sizes.median}); ${PLAN.rounds} rounds, alternating one and two nodes.\n`);
  const cores = os.availableParallelism();
  const rows = throughput.map((r) => {
    const other = r.cpu.machine - Object.entries(r.cpu).filter(([k]) => k !== 'machine').reduce((sum, [, v]) => sum + v, 0);
    const pct = (ms) => f0((ms / r.wallMs) * 100);
    const processingCpu = Object.entries(r.cpu).filter(([k]) => k.startsWith('processing')).map(([, v]) => pct(v)).join(' + ');
    return [r.label, r.nodes, `${r.indexed}${r.failed ? ` (+${r.failed} failed)` : ''}${r.timedOut ? ' TIMED OUT' : ''}`, r.chunks, f1(r.wallMs / 1000),
      `**${f0(r.perMinute)}**`, f1(r.latencyP50), r.jobsPerNode.join(' / '), processingCpu, pct(r.cpu.api), pct(r.cpu.postgres), pct(r.cpu['nats-server']),
      pct(other), `${f0((r.cpu.machine / (r.wallMs * cores)) * 100)}%`, `${r.load[0].toFixed(2)} → ${r.load[1].toFixed(2)}`];
  });
  console.log(table(['round', 'processing nodes', 'indexed', 'chunks', 'wall s', 'docs/min', 'submit→indexed p50 s', 'jobs per node',
    'CPU % processing', 'CPU % api', 'postgres', 'nats', 'other', `machine (${cores} cores)`, 'loadavg 1 min'], rows, 1));
  const one = median(throughput.filter((r) => r.nodes === 1).map((r) => r.perMinute));
  const two = median(throughput.filter((r) => r.nodes === 2).map((r) => r.perMinute));
  console.log(`\nMedian: ${f0(one)} docs/min with one processing node, ${f0(two)} with two (×${f2(two / one)}).`);

  console.log('\n## A new processing node taking work while a backlog waits\n');
  console.log('Times from the spawn of `tars serve --roles processing` (fresh data folder). "first job started" = first job done minus that job\'s own duration (from /metrics).\n');
  const joinRows = joins.map((j) => [j.label, j.waiting, f2(j.readyS), f2(j.firstJobS), f2(j.firstJobDurationS), f2(j.firstJobS - j.firstJobDurationS),
    f2(j.firstJobS - j.readyS), j.load.toFixed(2)]);
  console.log(table(['trial', 'documents waiting', 'spawn→ready s', 'spawn→first job done s', 'first job s', 'spawn→first job started s', 'ready→first job done s', 'loadavg 1 min'], joinRows, 1));
  for (const kind of ['idle cores', 'busy cores']) {
    const of = joins.filter((j) => j.label.includes(kind));
    if (of.length) console.log(`\nMedian, ${kind}: ready after ${f2(median(of.map((j) => j.readyS)))} s, first job done after ${f2(median(of.map((j) => j.firstJobS)))} s.`);
  }
}

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tars-bench-cluster-'));
  const prefix = `tarsbenchcluster${process.pid}`;
  let db;
  let cluster;
  const cleanup = async () => {
    await cluster?.stopAll().catch(() => undefined);
    await deleteJetStreamState(NATS_URL, prefix).catch((e) => log(`could not delete the JetStream streams: ${e.message}`));
    await db?.drop().catch((e) => log(`could not drop ${db.name}: ${e.message}`));
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const header = machineLines(REPO_ROOT);
  const throughput = [];
  const joins = [];
  let seed = 1000;
  const corpus = (count) => generateDocuments(count, { seed: seed++, targetBytes: PLAN.targetBytes });
  try {
    db = await createDatabase(POSTGRES_URL, 'cluster');
    cluster = new Cluster(tmp, db, prefix);
    await cluster.startApi();
    let first = await cluster.startProcessing();
    log(`cluster up (loadavg ${loadAverage().join(' ')}); warming up`);
    // Warm-up: the model, the tokenizer and the index load, and the queue exists.
    for (const doc of corpus(2)) await postDocument(cluster.api.url, cluster.headers, doc);
    const warm = await waitUntilDone(cluster.api.url, cluster.headers, 2, Date.now() + 180_000);
    if (warm.indexed !== 2) throw new Error(`the warm-up documents were not indexed: ${JSON.stringify(warm)}\n${first.output}`);

    const sample = corpus(PLAN.documents).map((d) => Buffer.byteLength(d.text)).sort((a, b) => a - b);
    const sizes = { min: sample[0], max: sample.at(-1), median: sample[Math.floor(sample.length / 2)] };
    for (let round = 1; round <= PLAN.rounds; round++) {
      const single = await measureThroughput(cluster, corpus(PLAN.documents), `${round}`);
      throughput.push(single);

      const idle = await joinTrial(cluster, corpus(PLAN.backlog), { pauseOthers: true, label: `${round}, idle cores` });
      joins.push(idle.result);
      await cluster.stopProcessing(idle.node);

      const busyBacklog = Math.max(PLAN.backlog, Math.min(1000, Math.round((single.perMinute / 60) * PLAN.busyBacklogSeconds)));
      const busy = await joinTrial(cluster, corpus(busyBacklog), { pauseOthers: false, label: `${round}, busy cores` });
      joins.push(busy.result);

      throughput.push(await measureThroughput(cluster, corpus(PLAN.documents), `${round}`));
      await cluster.stopProcessing(busy.node);
      if (!first.running) first = await cluster.startProcessing();
    }
    console.log(`# cluster-processing\n\n${header.join('\n')}`);
    printResults(throughput, joins, sizes);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

await main();
