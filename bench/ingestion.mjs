// Ingestion end to end: 1,000 generated English documents of about 2 KB each go through
// POST /documents of one TARS node (roles all) and are waited for until indexed. Per setup
// (embedder × queue × processing.queue.concurrency): documents/minute, chunks/s, time from submit
// to indexed (p50/p99), mean job time and the embedding model's share of it (from /metrics), the
// node's peak RSS, and the CPU time of the node, PostgreSQL and nats-server. Prints Markdown tables.
//
//   npx tsc -p tsconfig.json && node bench/ingestion.mjs [--documents 1000]
//       [--setups hashing:local:1,hashing:local:2,q8:local:1,q8:local:2,fp32:local:1,fp32:local:2,hashing:nats:1,q8:nats:1]
//       [--budget-minutes 90] [--setup-minutes 20]
//
// A setup is embedder:queue:concurrency. Embedder: hashing (the offline feature-hashing embedder)
// or q8 / fp32 (the fixture model ../shared/models/minilm-l6-random in that dtype). Queue: local
// (no NATS: the in-process queue) or nats (JetStream work queue at BENCH_NATS_URL, with the shared
// embedding cache in NATS KV as by default). Each setup gets a throwaway PostgreSQL database
// (BENCH_POSTGRES_URL) and data folder, and a unique NATS subject prefix whose stream and KV bucket
// are deleted afterwards. One warm-up document is ingested before the clock starts (the model and
// tokenizer load then). Every wait is bounded; Ctrl-C cleans up too.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { cpuMeter } from './lib/cpu.mjs';
import { listAll, postDocument, submitAll, waitUntilDone as waitForDocuments } from './lib/documents-api.mjs';
import { generateDocuments } from './lib/documents-corpus.mjs';
import { machineLines } from './lib/machine.mjs';
import { percentile } from './lib/measure.mjs';
import { loadAverage, memoryOf, rssSampler } from './lib/proc-memory.mjs';
import { table } from './lib/search-report.mjs';
import { adminHeaders, embeddingEnv, fixtureModel, HASHING_MODEL, metricDelta, scrapeMetrics } from './lib/tars-http.mjs';
import { CLI_ENTRY, createDatabase, REPO_ROOT, TarsNode } from './lib/tars-node.mjs';

const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

const { values: args } = parseArgs({
  options: {
    documents: { type: 'string', default: '1000' },
    setups: { type: 'string', default: 'hashing:local:1,hashing:local:2,q8:local:1,q8:local:2,fp32:local:1,fp32:local:2,hashing:nats:1,q8:nats:1' },
    'budget-minutes': { type: 'string', default: '90' },
    'setup-minutes': { type: 'string', default: '20' },
  },
});

const PLAN = {
  documents: Number(args.documents),
  submitConcurrency: 4,
  pollIntervalMs: 1000,
  setupMs: Number(args['setup-minutes']) * 60_000,
  budgetMs: Number(args['budget-minutes']) * 60_000,
};

function parseSetup(spec) {
  const [embedder, queue, concurrency] = spec.split(':');
  if (!['hashing', 'q8', 'fp32'].includes(embedder) || !['local', 'nats'].includes(queue) || !(Number(concurrency) >= 1)) {
    throw new Error(`bad setup '${spec}': embedder:queue:concurrency, e.g. q8:local:2`);
  }
  return { spec, embedder, queue, concurrency: Number(concurrency) };
}

/** Deletes the JetStream stream and KV bucket a node made under `prefix` on the shared NATS server. */
async function deleteNatsState(prefix) {
  const nc = await connect({ servers: NATS_URL, timeout: 5000 });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(`${prefix}_ingest`).catch(() => undefined);
    await new Kvm(nc).open(`${prefix}_embeddings`).then((kv) => kv.destroy()).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

function nodeEnv(setup, dataDir, databaseUrl, prefix) {
  const model = setup.embedder === 'hashing' ? HASHING_MODEL : fixtureModel(setup.embedder);
  return {
    DATABASE_URL: databaseUrl,
    TARS_ROLES: 'all',
    TARS_DATA_DIR: dataDir,
    TARS_PROCESSING_QUEUE_CONCURRENCY: String(setup.concurrency),
    ...embeddingEnv(model),
    ...(setup.queue === 'nats' ? { NATS_URL, TARS_NATS_SUBJECT_PREFIX: prefix } : {}),
  };
}

/** One setup on a fresh database and data folder; everything it started is stopped and removed before it returns. */
async function runSetup(setup, docs, warmup, resources) {
  const prefix = `tarsbenchingest${process.pid}x${resources.setups++}`;
  const dataDir = path.join(resources.tmp, prefix);
  const db = await createDatabase(POSTGRES_URL, 'ingest');
  resources.databases.add(db);
  if (setup.queue === 'nats') resources.natsPrefixes.add(prefix);
  let node;
  try {
    node = await TarsNode.start(`bench-ingest-${setup.spec.replaceAll(':', '-')}`, nodeEnv(setup, dataDir, db.url, prefix));
    resources.nodes.add(node);
    const headers = adminHeaders(dataDir);
    const deadline = Date.now() + PLAN.setupMs;

    // Warm-up: loads the model and the tokenizer, opens the index; not measured.
    await postDocument(node.url, headers, warmup);
    const warm = await waitForDocuments(node.url, headers, 1, Math.min(deadline, Date.now() + 180_000), PLAN.pollIntervalMs);
    if (warm.indexed !== 1) throw new Error(`the warm-up document was not indexed (${JSON.stringify(warm)}):\n${node.output}`);
    const expected = docs.length + 1;

    const before = { load: loadAverage(), memory: memoryOf(node.pid), metrics: await scrapeMetrics(node.url) };
    const stopCpu = cpuMeter({ node: node.pid });
    const stopRss = rssSampler(node.pid);
    const startedAt = Date.now();
    const t0 = performance.now();
    const submittedAt = await submitAll(node.url, headers, docs, PLAN.submitConcurrency);
    const submitMs = performance.now() - t0;
    const done = await waitForDocuments(node.url, headers, expected, deadline, PLAN.pollIntervalMs);
    const cpu = stopCpu();
    const rss = stopRss();
    const after = { load: loadAverage(), memory: memoryOf(node.pid), metrics: await scrapeMetrics(node.url) };

    const measured = (await listAll(node.url, headers)).filter((d) => submittedAt.has(d.id));
    const indexed = measured.filter((d) => d.status === 'indexed');
    const lastIndexedAt = Math.max(...indexed.map((d) => Date.parse(d.indexedAt)));
    const wallMs = done.timedOut ? Date.now() - startedAt : lastIndexedAt - startedAt;
    const latencies = Float64Array.from(indexed.map((d) => (Date.parse(d.indexedAt) - submittedAt.get(d.id)) / 1000)).sort();
    const chunks = indexed.reduce((sum, d) => sum + d.chunkCount, 0);
    const models = [...new Set(indexed.map((d) => d.embeddingModel))];
    const delta = (name) => metricDelta(before.metrics, after.metrics, name);
    return {
      setup,
      submitted: submittedAt.size,
      indexed: indexed.length,
      failed: measured.filter((d) => d.status === 'failed').length,
      failures: [...new Set(measured.filter((d) => d.status === 'failed').map((d) => d.failureReason))].slice(0, 3),
      timedOut: done.timedOut,
      models,
      chunks,
      wallMs,
      submitMs,
      latencyP50: percentile(latencies, 50),
      latencyP99: percentile(latencies, 99),
      jobs: delta('tars_ingestion_job_duration_seconds_count'),
      jobSeconds: delta('tars_ingestion_job_duration_seconds_sum'),
      embeddingSeconds: delta('tars_embedding_duration_seconds_sum'),
      cacheHits: delta('tars_embedding_cache_requests_total{tier="memory",result="hit"}') + delta('tars_embedding_cache_requests_total{tier="shared",result="hit"}'),
      rssBeforeMiB: before.memory.rssMiB,
      rssPeakMiB: rss.peakMiB,
      rssAfterMiB: after.memory.rssMiB,
      hwmMiB: after.memory.hwmMiB,
      cpu,
      load: [before.load[0], after.load[0]],
    };
  } finally {
    if (node) {
      await node.stop();
      resources.nodes.delete(node);
    }
    await db.drop().catch((e) => process.stderr.write(`could not drop ${db.name}: ${e.message}\n`));
    resources.databases.delete(db);
    if (setup.queue === 'nats') {
      await deleteNatsState(prefix).catch((e) => process.stderr.write(`could not delete NATS state of ${prefix}: ${e.message}\n`));
      resources.natsPrefixes.delete(prefix);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const f0 = (v) => (Number.isFinite(v) ? v.toFixed(0) : '–');
const f1 = (v) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const EMBEDDER_NAMES = { hashing: 'hashing', q8: 'fixture q8', fp32: 'fixture fp32' };
const QUEUE_NAMES = { local: 'in-process', nats: 'JetStream' };

function printResults(results, docs) {
  const sizes = Float64Array.from(docs.map((d) => Buffer.byteLength(d.text))).sort();
  console.log(`\n## Ingestion of ${docs.length} documents through POST /documents\n`);
  console.log(`Documents: ${docs.length}, ${percentile(sizes, 1)}–${percentile(sizes, 100)} bytes (median ${percentile(sizes, 50)}), ` +
    `submitted ${PLAN.submitConcurrency} at a time as JSON; clock from the first POST to the last indexedAt.\n`);
  const rows = results.map((r) => {
    const s = r.setup;
    return [
      EMBEDDER_NAMES[s.embedder], QUEUE_NAMES[s.queue], s.concurrency,
      `${r.indexed}${r.failed ? ` (+${r.failed} failed)` : ''}${r.timedOut ? ' TIMED OUT' : ''}`, r.chunks,
      f1(r.wallMs / 1000), f1(r.submitMs / 1000), f0((r.indexed / r.wallMs) * 60_000), f1((r.chunks / r.wallMs) * 1000),
      f1(r.latencyP50), f1(r.latencyP99), f0((r.jobSeconds / r.jobs) * 1000), `${f0((r.embeddingSeconds / r.jobSeconds) * 100)}%`,
      f0(r.rssBeforeMiB), f0(r.rssPeakMiB), f0(r.hwmMiB),
    ];
  });
  console.log(table(['embedder', 'queue', 'conc.', 'indexed', 'chunks', 'wall s', 'submit s', 'docs/min', 'chunks/s',
    'submit→indexed p50 s', 'p99 s', 'job ms (mean)', 'embedding share', 'RSS before MiB', 'RSS peak MiB', 'VmHWM MiB'], rows, 2));

  console.log('\nCPU during the measurement, in % of one core over the wall time ("other": machine busy time outside the listed processes):\n');
  const cores = os.availableParallelism();
  const cpuRows = results.map((r) => {
    const c = r.cpu;
    const pct = (ms) => f0((ms / r.wallMs) * 100);
    const other = c.machine - c.node - c.postgres - c['nats-server'] - c['load generator'] - c['irq+softirq'];
    return [EMBEDDER_NAMES[r.setup.embedder], QUEUE_NAMES[r.setup.queue], r.setup.concurrency, pct(c.node), pct(c.postgres), pct(c['nats-server']),
      pct(c['load generator']), pct(c['irq+softirq']), pct(other), `${f0((c.machine / (r.wallMs * cores)) * 100)}%`, `${r.load[0].toFixed(2)} → ${r.load[1].toFixed(2)}`];
  });
  console.log(table(['embedder', 'queue', 'conc.', 'TARS node', 'postgres', 'nats-server', 'load generator', 'irq+softirq', 'other', `machine (${cores} cores)`, 'loadavg 1 min'], cpuRows, 2));

  for (const r of results) {
    const notes = [];
    if (r.failed) notes.push(`${r.failed} failed: ${r.failures.join('; ')}`);
    if (r.models.length !== 1) notes.push(`vectors from models ${r.models.join(', ')}`);
    if (r.cacheHits > 0) notes.push(`${r.cacheHits} embedding cache hits`);
    const other = r.cpu.machine - r.cpu.node - r.cpu.postgres - r.cpu['nats-server'] - r.cpu['load generator'] - r.cpu['irq+softirq'];
    if (other / r.wallMs > 0.15) notes.push(`**disturbed**: other processes used ${f0((other / r.wallMs) * 100)}% of a core; run again`);
    if (notes.length) console.log(`- ${r.setup.spec}: ${notes.join('; ')}`);
  }
}

async function main() {
  const setups = args.setups.split(',').map(parseSetup);
  if (!existsSync(CLI_ENTRY)) throw new Error(`${CLI_ENTRY} is missing: run npx tsc -p tsconfig.json first`);
  const docs = generateDocuments(PLAN.documents);
  const [warmup] = generateDocuments(1, { seed: 99 });
  const resources = { tmp: mkdtempSync(path.join(os.tmpdir(), 'tars-bench-ingest-')), setups: 0, nodes: new Set(), databases: new Set(), natsPrefixes: new Set() };
  const cleanup = async () => {
    await Promise.allSettled([...resources.nodes].map((n) => n.stop()));
    await Promise.allSettled([...resources.databases].map((db) => db.drop()));
    await Promise.allSettled([...resources.natsPrefixes].map(deleteNatsState));
    rmSync(resources.tmp, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const header = machineLines(REPO_ROOT);
  const results = [];
  const started = Date.now();
  try {
    for (const setup of setups) {
      if (Date.now() - started > PLAN.budgetMs) {
        process.stderr.write(`budget of ${args['budget-minutes']} min used up: ${setup.spec} skipped\n`);
        continue;
      }
      process.stderr.write(`${new Date().toISOString()} ${setup.spec}: ${docs.length} documents (loadavg ${loadAverage().join(' ')})\n`);
      const result = await runSetup(setup, docs, warmup, resources);
      process.stderr.write(`  ${result.indexed} indexed in ${(result.wallMs / 1000).toFixed(1)} s: ${((result.indexed / result.wallMs) * 60_000).toFixed(0)} docs/min\n`);
      results.push(result);
    }
    console.log(`# ingestion\n\n${header.join('\n')}`);
    printResults(results, docs);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

await main();
