// Vector index benchmark: TARS's VectorIndexManager (faiss-node in a worker thread) on random unit
// vectors, for each index kind (flat, flat-int8, hnsw, hnsw-int8) and size (10k, 100k × 384):
// add time, search latency and queries/s, recall@10 against exact search, bytes per vector of the
// saved index, load and rebuild times, RSS, and the main thread's event-loop delay while indexing.
//
//   npx tsc -p tsconfig.json && node bench/faiss.mjs [--sizes 10000,100000] [--kinds flat,flat-int8,hnsw,hnsw-int8]
//                                                    [--queries 500] [--budget-minutes 75] [--omp-threads N]
//                                                    [--data random|lowrank] [--ef-construction N]
//
// --omp-threads sets OMP_NUM_THREADS for the measured processes (faiss's OpenMP threads: HNSW
// builds use every core; a single search gains nothing from them but waits at their barrier).
//
// Each (size, kind) runs in its own child process, so RSS figures do not mix and a run that
// exceeds its time limit is killed; the whole benchmark stops at the budget. Uses dist/ (the
// compiled code), never src/. Random unit vectors (--data random, the default) are HNSW's hardest
// case: no structure to navigate by. --data lowrank draws vectors near a 64-dimensional subspace
// (plus 10% noise), closer to real text embeddings, whose intrinsic dimension is far below 384.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist/modules/processing/indexing');
const DIMENSIONS = 384;
const MODEL = 'bench';
const ADD_BATCH = 1000;
const SEARCH_BATCH = 16;
const EF_SWEEP = [16, 64, 128, 256];

// --- one measurement, in a child process ---------------------------------------------------

const LOW_RANK = 64;

async function runPhase({ n, kind, queries: queryCount, truthFile, writeTruth, data, efConstruction }) {
  const { VectorIndexManager } = await import(pathToFileURL(path.join(DIST, 'vector-index.manager.js')).href);
  const { InMemoryVectorSource } = await import(pathToFileURL(path.join(DIST, 'in-memory-vector-source.js')).href);
  const { lowRankUnitVectors, randomItems, randomUnitVectors, recallAtK } = await import(pathToFileURL(path.join(DIST, 'testing/random-vectors.js')).href);
  const hnsw = kind.startsWith('hnsw');
  const items = data === 'lowrank' ? lowRankUnitVectors(n, DIMENSIONS, LOW_RANK, 1, 0).map((vector, i) => ({ id: i + 1, vector })) : randomItems(n, DIMENSIONS, 1);
  const queries = data === 'lowrank' ? lowRankUnitVectors(queryCount, DIMENSIONS, LOW_RANK, 1, 1) : randomUnitVectors(queryCount, DIMENSIONS, 2);
  const source = new InMemoryVectorSource(1000);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tars-bench-faiss-'));
  const logger = { log: () => undefined, warn: (m) => console.error(`warn: ${m}`), error: (m) => console.error(`error: ${m}`) };
  const options = {
    dataDir,
    models: [{ id: MODEL, dimensions: DIMENSIONS }],
    // HNSW kinds switch at 1,000 vectors (a rebuild from the source), then take every later add directly.
    hnswThreshold: hnsw ? 1000 : Number.MAX_SAFE_INTEGER,
    hnswM: 32,
    ...(efConstruction ? { hnswEfConstruction: efConstruction } : {}),
    quantization: kind.endsWith('int8') ? 'int8' : 'none',
    syncIntervalMs: 0,
    saveDelayMs: 3_600_000,
    maxSaveDelayMs: 3_600_000,
  };
  const result = { n, kind, data, efConstruction };
  try {
    let manager = new VectorIndexManager(source, options, logger);
    await manager.open();
    await manager.ready(MODEL);

    // Add, in batches of 1,000 as ingestion would, each committed to the source first.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    let started = performance.now();
    for (let i = 0; i < n; i += ADD_BATCH) {
      const batch = items.slice(i, i + ADD_BATCH);
      source.put(MODEL, batch);
      await manager.add(MODEL, batch);
      if ((i / ADD_BATCH) % Math.max(1, Math.round(n / ADD_BATCH / 10)) === 0) console.error(`${kind} ${n}: ${i + batch.length} added, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    await manager.idle(MODEL);
    lag.disable();
    result.addSeconds = (performance.now() - started) / 1000;
    result.addPerSecond = n / result.addSeconds;
    result.loopDelayP99Ms = lag.percentile(99) / 1e6;
    result.loopDelayMaxMs = lag.max / 1e6;
    const stats = manager.stats(MODEL);
    result.indexKind = stats.kind;
    result.live = stats.live;

    // Search: one query per call (sequential), then 16 per call.
    const single = await timeSearches(manager, queries);
    Object.assign(result, single.figures);
    started = performance.now();
    for (let i = 0; i < queries.length; i += SEARCH_BATCH) await manager.searchMany(MODEL, queries.slice(i, i + SEARCH_BATCH), 10);
    result.batchedQps = queries.length / ((performance.now() - started) / 1000);

    if (writeTruth) {
      await writeFile(truthFile, JSON.stringify(single.hits.map((hits) => hits.map((hit) => ({ id: hit.id })))));
      result.recall10 = 1;
    } else if (existsSync(truthFile)) {
      const truth = JSON.parse(await readFile(truthFile, 'utf8'));
      result.recall10 = recallAtK(single.hits, truth, 10);
    }

    // A node in steady state has caught up with the source (its periodic sync), so the saved
    // watermark is current and a restart has nothing to catch up.
    await manager.sync(MODEL);
    await manager.flush();
    const saved = manager.stats(MODEL).lastSave;
    result.fileBytes = saved.bytes;
    result.bytesPerVector = saved.bytes / stats.stored;
    result.rssMiB = process.memoryUsage().rss / 2 ** 20;
    result.peakRssMiB = peakRssMiB();
    await manager.close();

    // Restart: load from disk (checksum, read).
    started = performance.now();
    manager = new VectorIndexManager(source, options, logger);
    const [loaded] = await manager.open();
    await manager.ready(MODEL);
    result.loadSeconds = (performance.now() - started) / 1000;
    result.loadState = loaded.state;
    await manager.close();

    // efSearch at search time, set on load (HNSW kinds).
    if (hnsw) {
      result.efSweep = [];
      for (const ef of EF_SWEEP) {
        manager = new VectorIndexManager(source, { ...options, hnswEfSearch: ef }, logger);
        await manager.open();
        await manager.ready(MODEL);
        const timed = await timeSearches(manager, queries);
        const recall10 = existsSync(truthFile) ? recallAtK(timed.hits, JSON.parse(await readFile(truthFile, 'utf8')), 10) : undefined;
        result.efSweep.push({ ef, recall10, ...timed.figures });
        await manager.close();
      }
    }

    // Recovery: the index file is gone; time until searchable again (rebuilt from the source).
    // HNSW kinds come back as an exact flat index first, then rebuild as HNSW in the background.
    if (!hnsw || n <= 10_000) {
      await rm(path.join(dataDir, 'indexes', MODEL), { recursive: true, force: true });
      started = performance.now();
      manager = new VectorIndexManager(source, options, logger);
      const [report] = await manager.open();
      await manager.ready(MODEL);
      result.recoverSearchableSeconds = (performance.now() - started) / 1000;
      await manager.idle(MODEL);
      result.recoverFinalSeconds = (performance.now() - started) / 1000;
      result.recoverState = report.state;
      result.recoverKind = manager.stats(MODEL).kind;
      await manager.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  result.loadAverage = loadavg()[0];
  console.log(`RESULT ${JSON.stringify(result)}`);
}

async function timeSearches(manager, queries) {
  const latencies = [];
  const hits = [];
  const started = performance.now();
  for (const query of queries) {
    const t0 = performance.now();
    hits.push(await manager.search(MODEL, query, 10));
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return { hits, figures: { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), qps: queries.length / seconds } };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

function peakRssMiB() {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : undefined;
}

// --- the orchestra -----------------------------------------------------------------------------

function parseArgs(argv) {
  const args = { sizes: [10_000, 100_000], kinds: ['flat', 'flat-int8', 'hnsw', 'hnsw-int8'], queries: 500, budgetMinutes: 75, ompThreads: undefined, data: 'random', efConstruction: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (name === '--sizes') args.sizes = value.split(',').map(Number);
    else if (name === '--kinds') args.kinds = value.split(',');
    else if (name === '--queries') args.queries = Number(value);
    else if (name === '--budget-minutes') args.budgetMinutes = Number(value);
    else if (name === '--omp-threads') args.ompThreads = value;
    else if (name === '--data') args.data = value;
    else if (name === '--ef-construction') args.efConstruction = Number(value);
    else throw new Error(`unknown argument ${name}`);
  }
  return args;
}

/** Runs one phase in a child process, killed after `limitMs`; resolves with its result or why there is none. */
function runChild(params, limitMs, ompThreads) {
  return new Promise((resolve) => {
    const env = ompThreads === undefined ? process.env : { ...process.env, OMP_NUM_THREADS: ompThreads };
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--phase', JSON.stringify(params)], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) resolve(JSON.parse(line.slice(7)));
      else resolve({ ...params, failed: signal === 'SIGKILL' ? `stopped at the ${Math.round(limitMs / 1000)} s limit` : `exited with ${code ?? signal}` });
    });
  });
}

function phaseLimitMs(n, kind) {
  if (n <= 10_000) return 10 * 60_000;
  return kind.startsWith('hnsw') ? 30 * 60_000 : 15 * 60_000;
}

const fmt = (value, digits = 1) => (value === undefined || Number.isNaN(value) ? '–' : Number(value).toFixed(digits));

function printTables(results) {
  console.log('\n| vectors | index | add (s) | add vectors/s | search p50 ms | p99 ms | queries/s (1 per call) | queries/s (16 per call) | recall@10 | bytes/vector | load (s) | RSS MiB (peak) | event-loop delay p99 / max ms | load avg |');
  console.log('|---:|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    if (r.failed) {
      console.log(`| ${r.n} | ${r.kind} | ${r.failed} |||||||||||`);
      continue;
    }
    console.log(
      `| ${r.n} | ${r.indexKind} | ${fmt(r.addSeconds)} | ${fmt(r.addPerSecond, 0)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.qps, 0)} | ${fmt(r.batchedQps, 0)} | ${fmt(r.recall10, 3)} | ${fmt(r.bytesPerVector, 0)} | ${fmt(r.loadSeconds, 2)} | ${fmt(r.rssMiB, 0)} (${fmt(r.peakRssMiB, 0)}) | ${fmt(r.loopDelayP99Ms)} / ${fmt(r.loopDelayMaxMs)} | ${fmt(r.loadAverage)} |`,
    );
  }
  const sweeps = results.filter((r) => r.efSweep);
  if (sweeps.length > 0) {
    console.log('\n| vectors | index | efSearch | recall@10 | p50 ms | p99 ms | queries/s |');
    console.log('|---:|:---|---:|---:|---:|---:|---:|');
    for (const r of sweeps) for (const s of r.efSweep) console.log(`| ${r.n} | ${r.indexKind} | ${s.ef} | ${fmt(s.recall10, 3)} | ${fmt(s.p50Ms, 2)} | ${fmt(s.p99Ms, 2)} | ${fmt(s.qps, 0)} |`);
  }
  const recoveries = results.filter((r) => r.recoverState);
  if (recoveries.length > 0) {
    console.log('\n| vectors | index | index folder deleted: state | searchable after (s) | final kind | final after (s) |');
    console.log('|---:|:---|:---|---:|:---|---:|');
    for (const r of recoveries) console.log(`| ${r.n} | ${r.indexKind} | ${r.recoverState} | ${fmt(r.recoverSearchableSeconds)} | ${r.recoverKind} | ${fmt(r.recoverFinalSeconds)} |`);
  }
}

async function orchestrate() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(DIST, 'vector-index.manager.js'))) {
    console.error('dist/ has no vector index: build first with `npx tsc -p tsconfig.json`');
    process.exit(1);
  }
  const deadline = Date.now() + args.budgetMinutes * 60_000;
  console.log(`vector index benchmark: ${args.sizes.join(', ')} × ${DIMENSIONS} ${args.data === 'lowrank' ? `unit vectors near a ${LOW_RANK}-dimensional subspace` : 'random unit vectors'}, ${args.queries} queries, k = 10`);
  console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${new Date().toISOString()}, load average ${loadavg()[0].toFixed(1)}, OMP_NUM_THREADS ${args.ompThreads ?? process.env.OMP_NUM_THREADS ?? 'unset'}, HNSW efConstruction ${args.efConstruction ?? 'default (40)'}`);
  const truthDir = await mkdtemp(path.join(tmpdir(), 'tars-bench-truth-'));
  const results = [];
  try {
    for (const n of args.sizes) {
      const truthFile = path.join(truthDir, `truth-${n}.json`);
      // The flat index is exact: its answers are the ground truth of the others, so it runs first.
      const kinds = [...args.kinds].sort((a, b) => (a === 'flat' ? -1 : b === 'flat' ? 1 : 0));
      for (const kind of kinds) {
        const remaining = deadline - Date.now();
        if (remaining < 30_000) {
          results.push({ n, kind, failed: 'not run: benchmark budget spent' });
          continue;
        }
        console.error(`--- ${kind}, ${n} vectors`);
        const result = await runChild({ n, kind, queries: args.queries, truthFile, writeTruth: kind === 'flat', data: args.data, efConstruction: args.efConstruction }, Math.min(phaseLimitMs(n, kind), remaining), args.ompThreads);
        console.error(JSON.stringify(result));
        results.push(result);
      }
    }
  } finally {
    await rm(truthDir, { recursive: true, force: true });
  }
  printTables(results);
  console.log(`\nraw: ${JSON.stringify(results)}`);
}

if (process.argv[2] === '--phase') await runPhase(JSON.parse(process.argv[3]));
else await orchestrate();
