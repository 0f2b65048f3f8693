// GET /memory/search end to end with 1,000 stored notes, in two setups on one machine:
//   (a) one process, roles all, local contract bindings, no NATS;
//   (b) node A (api,orchestrator) and node B (memory) in two processes, calls crossing NATS.
// Both use the same PostgreSQL database (a throwaway one, dropped at the end) and run side by
// side; they are measured in alternating rounds so that drift on the machine affects both alike.
// For each: sequential requests on one connection (per-request latency, hence the cost of the NATS
// hop) and a concurrent load with autocannon, with the CPU time each process spent. Then the
// same search call is timed layer by layer without HTTP. Prints Markdown tables and the ratios.
//
//   node bench/search-latency.mjs        (needs dist/: npm run build; or use npm run bench)
// Environment: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// BENCH_NATS_URL (default nats://127.0.0.1:4222).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { cpuMeter } from './lib/cpu.mjs';
import { hopBreakdown } from './lib/hop-breakdown.mjs';
import { load, sequential, summarise } from './lib/measure.mjs';
import { generateNotes, QUERIES } from './lib/notes-corpus.mjs';
import { printBreakdown, printCpu, printLatency, printMachine } from './lib/search-report.mjs';
import { CLI_ENTRY, createDatabase, REPO_ROOT, TarsNode } from './lib/tars-node.mjs';

const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

const PLAN = {
  notes: 1000,
  seedConcurrency: 8,
  sequentialWarmup: 500,
  sequentialRounds: 6,
  sequentialPerRound: 500,
  sequentialRoundMaxMs: 15_000,
  loadConnections: 16,
  loadWarmupS: 3,
  loadRounds: 2,
  loadDurationS: 8,
  breakdownRounds: 8,
  breakdownPerRound: 250,
};

/** Search paths cycling through the queries, so that consecutive requests ask different things. */
function searchPaths() {
  let i = 0;
  // The notes layer only: the figures compare with the notes search the foundation issue measured.
  return () => `/memory/search?layers=notes&q=${encodeURIComponent(QUERIES[i++ % QUERIES.length])}`;
}

async function seedNotes(baseUrl, headers) {
  const notes = generateNotes(PLAN.notes);
  let next = 0;
  const worker = async () => {
    while (next < notes.length) {
      const note = notes[next++];
      const res = await fetch(`${baseUrl}/memory/notes`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(note),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status !== 201) throw new Error(`storing a note failed: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: PLAN.seedConcurrency }, worker));
}

/** How many notes each query matches (the rows PostgreSQL ranks before LIMIT 10). */
async function matchesPerQuery(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const counts = [];
    for (const q of QUERIES) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM notes WHERE search @@ websearch_to_tsquery('english', $1)`,
        [q],
      );
      counts.push(rows[0].n);
    }
    return counts.sort((x, y) => x - y);
  } finally {
    await client.end();
  }
}

/** Waits until a search through `baseUrl` answers 200 (node A's NATS client connects in the background). */
async function waitForSearch(baseUrl, headers, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${baseUrl}/memory/search?q=boiler`, { headers, signal: AbortSignal.timeout(5000) }).catch((e) => e);
    if (res.status === 200) return;
    last = res instanceof Error ? res.message : `${res.status} ${await res.text()}`;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`search did not answer within ${timeoutMs} ms: ${last}`);
}

function addCpu(total, sample) {
  for (const [name, value] of Object.entries(sample)) total[name] = (total[name] ?? 0) + value;
}

/**
 * Measures every setup `{ label, url, pids }` in alternating rounds (the order flips each round):
 * sequential requests first, then the concurrent load. Returns `{ seq, conc }` per setup.
 */
async function measureSetups(setups, headers) {
  const state = setups.map(() => ({ nextPath: searchPaths(), seq: [], conc: [], seqCpu: {}, concCpu: {} }));
  const inOrder = (round) => (round % 2 === 0 ? setups.map((s, i) => [s, state[i]]) : setups.map((s, i) => [s, state[i]]).reverse());
  const seqOptions = (setup, st, count) => ({ baseUrl: setup.url, nextPath: st.nextPath, headers, count, maxMs: PLAN.sequentialRoundMaxMs });
  const loadOptions = (setup, st, durationS) => ({ baseUrl: setup.url, nextPath: st.nextPath, headers, connections: PLAN.loadConnections, durationS });

  process.stderr.write(`sequential: warm-up, then ${PLAN.sequentialRounds} rounds of ${PLAN.sequentialPerRound} requests per setup\n`);
  for (const [setup, st] of inOrder(0)) await sequential(seqOptions(setup, st, PLAN.sequentialWarmup));
  for (let round = 0; round < PLAN.sequentialRounds; round++) {
    for (const [setup, st] of inOrder(round)) {
      const stop = cpuMeter(setup.pids);
      st.seq.push(await sequential(seqOptions(setup, st, PLAN.sequentialPerRound)));
      addCpu(st.seqCpu, stop());
    }
  }
  process.stderr.write(`load: ${PLAN.loadWarmupS} s warm-up, then ${PLAN.loadRounds} rounds of ${PLAN.loadDurationS} s per setup\n`);
  for (const [setup, st] of inOrder(0)) await load(loadOptions(setup, st, PLAN.loadWarmupS));
  for (let round = 0; round < PLAN.loadRounds; round++) {
    for (const [setup, st] of inOrder(round)) {
      const stop = cpuMeter(setup.pids);
      st.conc.push(await load(loadOptions(setup, st, PLAN.loadDurationS)));
      addCpu(st.concCpu, stop());
    }
  }
  return state.map((st) => ({ seq: { ...summarise(st.seq), cpu: st.seqCpu }, conc: { ...summarise(st.conc), cpu: st.concCpu } }));
}

async function main() {
  if (!existsSync(CLI_ENTRY)) throw new Error(`${CLI_ENTRY} is missing: run npm run build first`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tars-bench-'));
  const subjectPrefix = `tarsbench${process.pid}`;
  const nodes = [];
  let db;
  const cleanup = async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    if (db) await db.drop().catch((e) => process.stderr.write(`could not drop ${db.name}: ${e.message}\n`));
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    db = await createDatabase(POSTGRES_URL, 'search');
    const shared = { DATABASE_URL: db.url };
    const start = async (name, env) => {
      const node = await TarsNode.start(name, { ...shared, ...env, TARS_DATA_DIR: path.join(tmp, name) });
      nodes.push(node);
      return node;
    };

    process.stderr.write(`(a) one node, roles all, no NATS, on database ${db.name}\n`);
    const single = await start('bench-all', { TARS_ROLES: 'all' });
    const key = readFileSync(path.join(tmp, 'bench-all', 'admin.key'), 'utf8').trim();
    const headers = { authorization: `Bearer ${key}` };
    process.stderr.write(`storing ${PLAN.notes} notes\n`);
    await seedNotes(single.url, headers);
    const matches = await matchesPerQuery(db.url);

    // Same database: same notes, and the admin key made by (a) is valid on node A too.
    process.stderr.write('(b) node B (memory) and node A (api,orchestrator) over NATS\n');
    const natsEnv = { NATS_URL, TARS_NATS_SUBJECT_PREFIX: subjectPrefix };
    const memory = await start('bench-memory', { ...natsEnv, TARS_ROLES: 'memory' });
    const api = await start('bench-api', { ...natsEnv, TARS_ROLES: 'api,orchestrator' });
    await waitForSearch(api.url, headers);

    const [a, b] = await measureSetups([
      { url: single.url, pids: { node: single.pid } },
      { url: api.url, pids: { node: api.pid, 'node B': memory.pid } },
    ], headers);
    await Promise.all([single.stop(), api.stop()]);

    process.stderr.write('the hop layer by layer\n');
    const breakdown = await hopBreakdown({
      databaseUrl: db.url, natsUrl: NATS_URL, subjectPrefix, dataDir: path.join(tmp, 'breakdown'),
      rounds: PLAN.breakdownRounds, perRound: PLAN.breakdownPerRound, maxBlockMs: 10_000,
    });
    const results = [['(a) one process, local bindings', a], ['(b) api + memory over NATS', b]];
    printMachine(REPO_ROOT);
    printLatency(PLAN, results, { matches, queries: QUERIES.length });
    printCpu(PLAN, results);
    printBreakdown(breakdown);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

await main();
