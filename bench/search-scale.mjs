// GET /memory/search end to end at 10k and 100k chunks, and the TARS node's memory there.
// Chunks are seeded directly in PostgreSQL with the rows ingestion writes (lib/semantic-seed.mjs:
// ~1.2 KB English chunks, vectors from TARS's own hashing embedder or fixture-model provider), then
// a node (roles all, no NATS) starts with its index folder removed, so that it rebuilds its FAISS
// index from PostgreSQL: the real rebuild path. Per configuration: index build times from the
// node's log, search latency sequential and under a bounded concurrent load (autocannon), for the
// semantic layer alone and for all layers, CPU per request, RSS, and the time to the first search
// after a restart that loads the saved index. Prints Markdown tables.
//
//   npx tsc -p tsconfig.json && node bench/search-scale.mjs [--configs 10k-hashing,10k-q8,100k-hnsw,100k-flat]
//       [--budget-minutes 75]
//
// Configurations: 10k-hashing (10,000 chunks, hashing embedder, flat index), 10k-q8 (the same chunks
// with fixture-model q8 vectors; the model is loaded for queries), 100k-hnsw (100,000 chunks, hashing,
// HNSW since index.hnswThreshold is 50,000) and 100k-flat (the same, threshold raised: flat). The
// in-process embedding cache is off (embeddings.cache.memoryEntries 0), so every query is embedded.
// Environment: BENCH_POSTGRES_URL. Every wait is bounded; Ctrl-C cleans up too.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { cpuMeter } from './lib/cpu.mjs';
import { DOCUMENT_QUERIES, SELECTIVE_QUERIES } from './lib/documents-corpus.mjs';
import { machineLines } from './lib/machine.mjs';
import { load, sequential, summarise } from './lib/measure.mjs';
import { loadAverage, memoryOf, rssSampler } from './lib/proc-memory.mjs';
import { addTransformersVectors, matchesPerQuery, seedHashingChunks } from './lib/semantic-seed.mjs';
import { table } from './lib/search-report.mjs';
import { adminHeaders, embeddingEnv, FIXTURE_MODELS_DIR, fixtureModel, HASHING_MODEL } from './lib/tars-http.mjs';
import { CLI_ENTRY, createDatabase, REPO_ROOT, TarsNode } from './lib/tars-node.mjs';

const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const { values: args } = parseArgs({
  options: {
    configs: { type: 'string', default: '10k-hashing,10k-q8,100k-hnsw,100k-flat' },
    'budget-minutes': { type: 'string', default: '75' },
  },
});

const PLAN = {
  sequentialWarmup: 30,
  sequential: 300,
  sequentialMaxMs: 90_000,
  duringRebuild: 100,
  loadConnections: 8,
  loadWarmupS: 2,
  loadDurationS: 10,
  buildTimeoutMs: 30 * 60_000,
  saveTimeoutMs: 3 * 60_000,
  seedTimeoutMs: 20 * 60_000,
  budgetMs: Number(args['budget-minutes']) * 60_000,
};

const Q8 = { ...fixtureModel('q8'), queryPrefix: '', documentPrefix: '' };
const CONFIGS = {
  '10k-hashing': { label: '10k, hashing, flat', size: 10_000, model: HASHING_MODEL, threshold: 50_000, kind: 'flat' },
  '10k-q8': { label: '10k, fixture q8, flat', size: 10_000, model: Q8, threshold: 50_000, kind: 'flat' },
  '100k-hnsw': { label: '100k, hashing, HNSW', size: 100_000, model: HASHING_MODEL, threshold: 50_000, kind: 'hnsw' },
  '100k-flat': { label: '100k, hashing, flat', size: 100_000, model: HASHING_MODEL, threshold: 1_000_000_000, kind: 'flat' },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const BUILT = /([A-Za-z0-9._-]+): ([a-z0-9-]+) index of (\d+) vectors built in ([\d.]+) s/g;

/** The node's whole output from now on (TarsNode keeps only a tail), for the index build lines. */
function captureLog(node) {
  const captured = { text: node.output };
  const keep = (d) => (captured.text += d.toString());
  node.child.stdout.on('data', keep);
  node.child.stderr.on('data', keep);
  captured.builds = (modelId) => [...captured.text.matchAll(BUILT)].filter((m) => m[1] === modelId).map((m) => ({ kind: m[2], vectors: Number(m[3]), seconds: Number(m[4]) }));
  return captured;
}

async function waitFor(what, timeoutMs, check, node) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (node && !node.running) throw new Error(`the node exited while waiting for ${what}:\n${node.output}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

/** The saved manifest once it names an index of `kind` with `size` vectors, with the index file's size. */
function savedIndex(dataDir, modelId, kind, size) {
  try {
    const dir = path.join(dataDir, 'indexes', modelId);
    const { manifest } = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')); // { sha256, manifest }
    if (manifest.kind !== kind || manifest.stored !== size) return undefined;
    return { bytes: statSync(path.join(dir, manifest.indexFile)).size };
  } catch {
    return undefined;
  }
}

/** What is searched: the semantic layer or all four (no `layers`), with broad or selective queries. */
const MIXES = [
  { name: 'semantic, broad', layers: 'semantic', queries: DOCUMENT_QUERIES },
  { name: 'semantic, selective', layers: 'semantic', queries: SELECTIVE_QUERIES },
  { name: 'all four, broad', layers: 'all', queries: DOCUMENT_QUERIES },
];

function searchPaths({ layers, queries }) {
  let i = 0;
  const layer = layers === 'semantic' ? '&layers=semantic' : '';
  return () => `/memory/search?q=${encodeURIComponent(queries[i++ % queries.length])}${layer}`;
}

/** One search per query, checked: the vector half must have answered with the configured model. */
async function validate(baseUrl, headers, modelId, mix) {
  const next = searchPaths(mix);
  const stats = { hits: 0, vectorHits: 0, bytes: 0, responses: 0 };
  for (let i = 0; i < mix.queries.length; i++) {
    const res = await fetch(baseUrl + next(), { headers, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`search answered ${res.status}: ${text}`);
    const body = JSON.parse(text);
    if (body.vectorModel !== modelId || body.notices.some((n) => n.includes('unavailable'))) {
      throw new Error(`the vector half did not answer with ${modelId}: ${JSON.stringify({ vectorModel: body.vectorModel, notices: body.notices })}`);
    }
    stats.responses++;
    stats.hits += body.hits.length;
    stats.vectorHits += body.hits.filter((h) => h.similarity !== undefined).length;
    stats.bytes += text.length;
  }
  return stats;
}

/** Sequential then concurrent searches of one mix, with CPU per phase. */
async function measureSearches(node, headers, mix) {
  const options = { baseUrl: node.url, nextPath: searchPaths(mix), headers };
  await sequential({ ...options, count: PLAN.sequentialWarmup, maxMs: PLAN.sequentialMaxMs });
  let stop = cpuMeter({ node: node.pid });
  const seq = summarise([await sequential({ ...options, count: PLAN.sequential, maxMs: PLAN.sequentialMaxMs })]);
  seq.cpu = stop();
  await load({ ...options, connections: PLAN.loadConnections, durationS: PLAN.loadWarmupS });
  stop = cpuMeter({ node: node.pid });
  const conc = summarise([await load({ ...options, connections: PLAN.loadConnections, durationS: PLAN.loadDurationS })]);
  conc.cpu = stop();
  return { seq, conc };
}

function nodeEnv(config, dataDir, databaseUrl) {
  return {
    DATABASE_URL: databaseUrl,
    TARS_ROLES: 'all',
    TARS_DATA_DIR: dataDir,
    TARS_LOG_LEVEL: 'info',
    TARS_INDEX_HNSW_THRESHOLD: String(config.threshold),
    TARS_EMBEDDINGS_CACHE_MEMORY_ENTRIES: '0',
    ...embeddingEnv(config.model),
  };
}

/** Rebuild from PostgreSQL, measure, then restart on the saved index. The node is stopped on return. */
async function runConfig(config, dataDir, databaseUrl, nodes) {
  rmSync(path.join(dataDir, 'indexes'), { recursive: true, force: true });
  const modelId = config.model.id;
  const env = nodeEnv(config, dataDir, databaseUrl);
  const result = { config, loadBefore: loadAverage() };
  const spawnedAt = performance.now();
  let node = await TarsNode.start(`bench-search-${modelId}`, env, { readyTimeoutMs: 120_000 });
  nodes.add(node);
  try {
    result.readySeconds = (performance.now() - spawnedAt) / 1000;
    const log = captureLog(node);
    const headers = adminHeaders(dataDir);
    const built = () => log.builds(modelId).find((b) => b.kind === config.kind && b.vectors === config.size);
    if (config.kind === 'hnsw') {
      // Searches use the flat index built first while HNSW is built: sample them once meanwhile.
      await waitFor('the first (flat) index', PLAN.buildTimeoutMs, () => log.builds(modelId).length > 0, node);
      if (!built()) {
        result.duringRebuild = summarise([await sequential({ baseUrl: node.url, nextPath: searchPaths(MIXES[0]), headers, count: PLAN.duringRebuild, maxMs: 120_000 })]);
      }
    }
    await waitFor(`the ${config.kind} index of ${config.size} vectors`, PLAN.buildTimeoutMs, built, node);
    result.builds = log.builds(modelId);
    result.indexReadySeconds = (performance.now() - spawnedAt) / 1000;
    result.saved = await waitFor('the saved index', PLAN.saveTimeoutMs, () => savedIndex(dataDir, modelId, config.kind, config.size), node);
    result.idle = memoryOf(node.pid);
    const stopRss = rssSampler(node.pid);
    result.mixes = [];
    for (const mix of MIXES) {
      result.mixes.push({ mix, validation: await validate(node.url, headers, modelId, mix), ...(await measureSearches(node, headers, mix)) });
    }
    result.rss = stopRss();
    result.after = memoryOf(node.pid);
    result.loadAfter = loadAverage();
    await node.stop();
    nodes.delete(node);

    // Restart with the saved index: how long until searches work again.
    const restartedAt = performance.now();
    node = await TarsNode.start(`bench-search-${modelId}`, env, { readyTimeoutMs: 120_000 });
    nodes.add(node);
    await waitFor('a search after the restart', PLAN.buildTimeoutMs, async () => {
      const res = await fetch(`${node.url}/memory/search?q=boiler&layers=semantic`, { headers, signal: AbortSignal.timeout(120_000) }).catch(() => undefined);
      return res?.status === 200 && (await res.json()).vectorModel === modelId;
    }, node);
    result.restartSeconds = (performance.now() - restartedAt) / 1000;
    result.restartRss = memoryOf(node.pid).rssMiB;
    return result;
  } finally {
    await node.stop();
    nodes.delete(node);
  }
}

const f0 = (v) => (Number.isFinite(v) ? v.toFixed(0) : '–');
const f1 = (v) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const f2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : '–');

function printResults(results, matches, seeding) {
  console.log('\n## Set-up\n');
  const range = (counts) => `${counts[0]}–${counts.at(-1)} chunks (median ${counts[Math.floor(counts.length / 2)]})`;
  for (const [size, m] of Object.entries(matches)) {
    console.log(`- ${size} chunks: the ${DOCUMENT_QUERIES.length} broad queries match ${range(m.broad)} by full text, the ${SELECTIVE_QUERIES.length} selective ones ${range(m.selective)}`);
  }
  for (const line of seeding) console.log(`- ${line}`);
  console.log('');
  console.log(table(['configuration', 'index builds (from the log)', 'node ready s', 'index ready s', 'saved index MiB', 'restart → first search s', 'loadavg'], results.map((r) => [
    r.config.label,
    r.builds.map((b) => `${b.kind} ${b.vectors}: ${f1(b.seconds)} s`).join(', then '),
    f1(r.readySeconds), f1(r.indexReadySeconds), f1(r.saved.bytes / 2 ** 20), f1(r.restartSeconds),
    `${r.loadBefore[0].toFixed(2)} → ${r.loadAfter[0].toFixed(2)}`,
  ])));

  console.log(`\n## GET /memory/search\n\nSequential: one connection, ${PLAN.sequentialWarmup} warm-up then ${PLAN.sequential} requests. ` +
    `Load: autocannon, ${PLAN.loadConnections} connections, ${PLAN.loadWarmupS} s warm-up then ${PLAN.loadDurationS} s. k = 10.\n`);
  const rows = [];
  for (const r of results) {
    for (const { mix, validation: v, seq, conc } of r.mixes) {
      for (const [mode, m] of [['sequential', seq], [`${PLAN.loadConnections} connections`, conc]]) {
        rows.push([r.config.label, mix.name, mode, m.requests, f2(m.p50), f2(m.p90), f2(m.p99), f0(m.rps), m.errors,
          f1(v.vectorHits / v.responses), f1(v.bytes / v.responses / 1024), f0((m.cpu.node / m.requests) * 1000), f0((m.cpu.postgres / m.requests) * 1000)]);
      }
    }
    if (r.duringRebuild) {
      const m = r.duringRebuild;
      rows.push([r.config.label, MIXES[0].name, 'sequential, during the HNSW build', m.requests, f2(m.p50), f2(m.p90), f2(m.p99), f0(m.rps), m.errors, '', '', '', '']);
    }
  }
  console.log(table(['configuration', 'searched', 'mode', 'requests', 'p50 ms', 'p90 ms', 'p99 ms', 'req/s', 'errors', 'vector hits / response', 'KiB / response', 'node CPU µs/req', 'postgres CPU µs/req'], rows, 3));

  console.log('\n## Memory\n\nRSS of the TARS process (MiB). "other": machine CPU per request outside the listed processes (µs, all phases).\n');
  console.log(table(['configuration', 'RSS, index ready, idle', 'RSS peak during searches', 'RSS after', 'VmHWM (incl. build)', 'RSS after restart', 'other µs/req'], results.map((r) => {
    let other = 0;
    let requests = 0;
    for (const { seq, conc } of r.mixes) {
      for (const m of [seq, conc]) {
        const c = m.cpu;
        other += c.machine - c.node - c.postgres - c['nats-server'] - c['load generator'] - c['irq+softirq'];
        requests += m.requests;
      }
    }
    return [r.config.label, f0(r.idle.rssMiB), f0(r.rss.peakMiB), f0(r.after.rssMiB), f0(r.after.hwmMiB), f0(r.restartRss), f0((other / requests) * 1000)];
  })));
}

async function main() {
  if (!existsSync(CLI_ENTRY)) throw new Error(`${CLI_ENTRY} is missing: run npx tsc -p tsconfig.json first`);
  const wanted = args.configs.split(',');
  for (const name of wanted) if (!CONFIGS[name]) throw new Error(`unknown configuration ${name}; known: ${Object.keys(CONFIGS).join(', ')}`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tars-bench-search-scale-'));
  const dataDir = path.join(tmp, 'node');
  const nodes = new Set();
  let db;
  const cleanup = async () => {
    await Promise.allSettled([...nodes].map((n) => n.stop()));
    if (db) await db.drop().catch((e) => process.stderr.write(`could not drop ${db.name}: ${e.message}\n`));
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const header = machineLines(REPO_ROOT);
  const started = Date.now();
  const results = [];
  const matches = {};
  const seeding = [];
  try {
    db = await createDatabase(POSTGRES_URL, 'scale');
    // A first start applies the migrations and saves the admin key in the data folder.
    const first = await TarsNode.start('bench-search-migrate', nodeEnv(CONFIGS['10k-hashing'], dataDir, db.url));
    nodes.add(first);
    await first.stop();
    nodes.delete(first);

    for (const name of wanted) {
      const config = CONFIGS[name];
      if (Date.now() - started > PLAN.budgetMs) {
        process.stderr.write(`budget of ${args['budget-minutes']} min used up: ${name} skipped\n`);
        continue;
      }
      const seedDeadline = Date.now() + PLAN.seedTimeoutMs;
      if (!matches[config.size]) {
        process.stderr.write(`${new Date().toISOString()} seeding ${config.size} chunks with hashing vectors\n`);
        const seconds = await seedHashingChunks(db.url, config.size, { deadlineMs: seedDeadline });
        seeding.push(`seeding up to ${config.size} chunks (text, hashing vectors, SQL inserts, ANALYZE): ${f0(seconds)} s`);
        matches[config.size] = { broad: await matchesPerQuery(db.url, DOCUMENT_QUERIES), selective: await matchesPerQuery(db.url, SELECTIVE_QUERIES) };
      }
      if (config.model.provider === 'transformers') {
        process.stderr.write(`${new Date().toISOString()} embedding the chunks with ${config.model.source} (${config.model.dtype})\n`);
        const seconds = await addTransformersVectors(db.url, config.model, { modelsDir: FIXTURE_MODELS_DIR, allowRemoteModels: false }, { deadlineMs: seedDeadline });
        seeding.push(`vectors of ${config.model.source} ${config.model.dtype} for the ${config.size} chunks, made by TARS's transformers provider in the benchmark process: ${f0(seconds)} s`);
      }
      process.stderr.write(`${new Date().toISOString()} ${config.label}: rebuild, measure, restart (loadavg ${loadAverage().join(' ')})\n`);
      results.push(await runConfig(config, dataDir, db.url, nodes));
    }
    console.log(`# search-scale\n\n${header.join('\n')}`);
    printResults(results, matches, seeding);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

await main();
