// POST /chat/stream against the Ollama simulator at fixed settings, measured in one run next to
// calling the simulator directly:
//   direct  the simulator's POST /api/chat (stream), as TARS's Ollama backend calls it;
//   (S)     one node, roles all, no NATS;
//   (A→I)   node A (api,orchestrator,memory,processing,monitoring) with node I (inference): the
//           generation request and its tokens cross NATS.
// 1. Time to first token, sequential requests on one keep-alive connection, the setups in
//    alternating rounds: a direct question (routed inference_only, no retrieval; also with
//    `remember: false`, which skips storing the turns), then a question routed needs_context.
//    Added time = TARS minus direct, next to the median of each stage timing TARS returns in
//    `done.timings`, to show where the added time goes.
// 2. 20, 100 and 500 SSE clients at once, one stream each: completed and dropped streams, tokens/s
//    delivered against the simulator's capacity, time to first token, RSS of the API process, and
//    the CPU of every process. The clients run in this process; their event-loop delay is printed.
//
//   node bench/chat-streaming.mjs [--clients 20,100,500] [--no-ttft] [--dump results.json]
//   (needs dist/: npx tsc -p tsconfig.json; or use npm run bench; about 5½ minutes)
// --dump writes every answer's client-side times and `done.timings`, for a closer look.
// Environment: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// BENCH_NATS_URL (default nats://127.0.0.1:4222).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chatStream, ollamaChatStream } from './lib/chat-client.mjs';
import { printConcurrency, printHeader, printStages, printTtft } from './lib/chat-report.mjs';
import { cpuMeter } from './lib/cpu.mjs';
import { deleteJetStreamState } from './lib/jetstream-state.mjs';
import { generateNotes } from './lib/notes-corpus.mjs';
import { memoryOf, rssSampler } from './lib/proc-memory.mjs';
import { SimulatorProcess } from './lib/simulator-process.mjs';
import { CLI_ENTRY, createDatabase, REPO_ROOT, TarsNode } from './lib/tars-node.mjs';

const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

const PLAN = {
  sim: { ttftMs: 50, tokensPerSecond: 100, parallel: 4, maxQueue: 2000, replyTokens: 20, model: 'llama3.2:3b' },
  notes: 200,
  warmup: 15,
  ttftRounds: 4,
  ttftPerRound: 25,
  contextRounds: 2,
  contextPerRound: 20,
  roundMaxMs: 30_000,
  concurrency: [20, 100, 500],
  streamTimeoutMs: 120_000,
  readyTimeoutMs: 30_000,
};
const DIRECT_QUESTION = 'Hello, how are you today?';
const CONTEXT_QUESTION = 'What do my notes say about the boiler?';
const { values: args } = parseArgs({ options: { clients: { type: 'string', default: '20,100,500' }, 'no-ttft': { type: 'boolean', default: false }, dump: { type: 'string' } } });
PLAN.concurrency = args.clients.split(',').filter(Boolean).map(Number);
const LOOP_RESOLUTION_MS = 10;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (line) => process.stderr.write(`${line}\n`);

/** The settings of a chat node, as test/e2e/chat-across-nodes.test.ts has them, at benchmark limits. */
function chatEnv(databaseUrl, simUrl) {
  return {
    DATABASE_URL: databaseUrl,
    TARS_AUTH_RATE_LIMIT_ENABLED: 'false',
    TARS_EMBEDDINGS_MODELS: JSON.stringify([{ id: 'hashing', provider: 'hashing', dimensions: 384, minSimilarity: 0.1 }]),
    TARS_EMBEDDINGS_DEFAULTS_DOCUMENTS: 'hashing',
    TARS_EMBEDDINGS_DEFAULTS_QUERIES: 'hashing',
    TARS_EMBEDDINGS_DEFAULTS_CONVERSATIONS: 'hashing',
    TARS_EMBEDDINGS_FALLBACK: '[]',
    TARS_EMBEDDINGS_CACHE_SHARED: 'false',
    TARS_INFERENCE_BACKENDS: JSON.stringify([
      { id: 'ollama', kind: 'ollama', host: simUrl, model: PLAN.sim.model, maxConcurrent: PLAN.sim.parallel, maxQueue: 5000 },
    ]),
    TARS_ORCHESTRATOR_MAX_STREAMS_PER_KEY: '10000',
    TARS_ORCHESTRATOR_REWRITE_MODE: 'concat',
  };
}

/** What the simulator can deliver at most: `parallel` slots, each answer taking ttft + tokens / rate. */
function capacityTokensPerSecond({ parallel, replyTokens, ttftMs, tokensPerSecond }) {
  return (parallel * replyTokens) / (ttftMs / 1000 + replyTokens / tokensPerSecond);
}

async function seedNotes(baseUrl, key) {
  const notes = generateNotes(PLAN.notes);
  let next = 0;
  const worker = async () => {
    while (next < notes.length) {
      const res = await fetch(`${baseUrl}/memory/notes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(notes[next++]),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status !== 201) throw new Error(`storing a note failed: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

/** Asks until an answer is generated by the LLM (node A finds node I over NATS in the background). */
async function waitForGeneratedAnswer(setup, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await setup.ask(setup.agent, DIRECT_QUESTION);
    if (!last.error && last.done?.generated) return;
    await sleep(300);
  }
  throw new Error(`${setup.label} gave no generated answer within ${timeoutMs} ms: ${last?.error ?? JSON.stringify(last?.done?.degraded)}`);
}

/** Sequential requests, the setups in alternating order each round; returns the results per setup label. */
async function sequentialTtft(setups, question, rounds, perRound) {
  const results = Object.fromEntries(setups.map((s) => [s.label, []]));
  for (let round = 0; round < rounds; round++) {
    for (const setup of round % 2 === 0 ? setups : [...setups].reverse()) {
      const deadline = performance.now() + PLAN.roundMaxMs;
      for (let i = 0; i < perRound && performance.now() < deadline; i++) results[setup.label].push(await setup.ask(setup.agent, question));
    }
  }
  return results;
}

/** `{ results, cpu, wallMs }`: the results of `work`, with the CPU time of every process of the setups meanwhile. */
async function measured(pids, work) {
  const stop = cpuMeter(pids);
  const t0 = performance.now();
  const results = await work();
  return { results, cpu: stop(), wallMs: performance.now() - t0 };
}

/** `n` clients start one stream each at the same moment; returns the phase's figures. */
async function concurrentStreams(setup, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const rssBefore = setup.apiPid ? memoryOf(setup.apiPid)?.rssMiB : undefined;
  const samplers = Object.fromEntries(Object.entries(setup.pids).map(([name, pid]) => [name, rssSampler(pid, 100)]));
  const stopCpu = cpuMeter(setup.pids);
  loop.enable();
  const t0 = performance.now();
  try {
    const results = await Promise.all(Array.from({ length: n }, () => setup.ask(agent, DIRECT_QUESTION)));
    const wallMs = performance.now() - t0;
    loop.disable();
    return {
      n,
      results,
      wallMs,
      rssBefore,
      rss: Object.fromEntries(Object.entries(samplers).map(([name, stop]) => [name, stop()])),
      cpu: stopCpu(),
      // The histogram records whole timer intervals: the delay is what exceeds the resolution.
      loopDelayP99Ms: loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS,
    };
  } finally {
    agent.destroy();
  }
}

async function main() {
  if (!existsSync(CLI_ENTRY)) throw new Error(`${CLI_ENTRY} is missing: run npx tsc -p tsconfig.json first`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tars-bench-chat-'));
  const prefix = `tarsbenchchat${process.pid}`;
  const nodes = [];
  let sim;
  let db;
  let simSummary;
  const agents = [];
  const cleanup = async () => {
    for (const agent of agents) agent.destroy();
    await Promise.allSettled(nodes.map((n) => n.stop()));
    if (sim) simSummary = await sim.stop().catch(() => undefined);
    await deleteJetStreamState(NATS_URL, prefix).catch((e) => log(`could not delete the JetStream streams of ${prefix}: ${e.message}`));
    if (db) await db.drop().catch((e) => log(`could not drop ${db.name}: ${e.message}`));
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    sim = await SimulatorProcess.start(PLAN.sim);
    db = await createDatabase(POSTGRES_URL, 'chat');
    const env = chatEnv(db.url, sim.url);
    const start = async (name, extra) => {
      const node = await TarsNode.start(name, { ...env, ...extra, TARS_DATA_DIR: path.join(tmp, name) });
      nodes.push(node);
      return node;
    };
    log(`simulator ${sim.url}; (S) one node, roles all, no NATS, on database ${db.name}`);
    const single = await start('bench-chat-all', { TARS_ROLES: 'all' });
    const key = readFileSync(path.join(tmp, 'bench-chat-all', 'admin.key'), 'utf8').trim();
    log(`storing ${PLAN.notes} notes`);
    await seedNotes(single.url, key);

    // Same database: the admin key made by (S) is valid on node A too, and A sees the same notes.
    log('(A→I) node I (inference) and node A over NATS');
    const natsEnv = { NATS_URL, TARS_NATS_SUBJECT_PREFIX: prefix };
    const inference = await start('bench-chat-inference', { ...natsEnv, TARS_ROLES: 'inference' });
    const api = await start('bench-chat-api', { ...natsEnv, TARS_ROLES: 'api,orchestrator,memory,processing,monitoring' });

    const keepAlive = () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      return agent;
    };
    const timeoutMs = PLAN.streamTimeoutMs;
    const tarsAsk = (node, extra = {}) => (agent, question) => chatStream({ agent, baseUrl: node.url, key, body: { question, ...extra }, timeoutMs });
    const setups = [
      { label: 'direct', agent: keepAlive(), pids: { simulator: sim.pid }, ask: (agent, question) => ollamaChatStream({ agent, baseUrl: sim.url, model: PLAN.sim.model, question, timeoutMs }) },
      { label: '(S)', agent: keepAlive(), apiPid: single.pid, pids: { 'TARS node': single.pid, simulator: sim.pid }, ask: tarsAsk(single) },
      { label: '(A→I)', agent: keepAlive(), apiPid: api.pid, pids: { 'TARS node': api.pid, 'node I': inference.pid, simulator: sim.pid }, ask: tarsAsk(api) },
    ];
    const allPids = { 'node S': single.pid, 'node A': api.pid, 'node I': inference.pid, simulator: sim.pid };
    // The same without storing the question and the answer (`remember: false`): how much of the added time that is.
    const unremembered = [
      { label: '(S) remember: false', agent: keepAlive(), ask: tarsAsk(single, { remember: false }) },
      { label: '(A→I) remember: false', agent: keepAlive(), ask: tarsAsk(api, { remember: false }) },
    ];
    for (const setup of setups.slice(1)) await waitForGeneratedAnswer(setup, PLAN.readyTimeoutMs);

    log(`time to first token: warm-up, then ${PLAN.ttftRounds}×${PLAN.ttftPerRound} sequential requests per setup`);
    await sequentialTtft([...setups, ...unremembered], DIRECT_QUESTION, 1, PLAN.warmup);
    let direct;
    let context;
    if (!args['no-ttft']) {
      direct = await measured(allPids, () => sequentialTtft([...setups, ...unremembered], DIRECT_QUESTION, PLAN.ttftRounds, PLAN.ttftPerRound));
      log(`needs_context: ${PLAN.contextRounds}×${PLAN.contextPerRound} sequential requests per setup`);
      await sequentialTtft(setups.slice(1), CONTEXT_QUESTION, 1, 5);
      context = await measured(allPids, () => sequentialTtft(setups, CONTEXT_QUESTION, PLAN.contextRounds, PLAN.contextPerRound));
    }

    const concurrency = [];
    for (const n of PLAN.concurrency) {
      for (const setup of setups) {
        log(`${n} concurrent streams: ${setup.label}`);
        concurrency.push({ setup: setup.label, ...(await concurrentStreams(setup, n)) });
        await sleep(1000);
      }
    }

    if (args.dump) writeFileSync(args.dump, JSON.stringify({ plan: PLAN, direct, context, concurrency }, (k, v) => (k === 'sources' ? undefined : v)));
    printHeader(PLAN, REPO_ROOT, capacityTokensPerSecond(PLAN.sim));
    if (direct) {
      printTtft(`Time to first token: direct question ("${DIRECT_QUESTION}", routed inference_only)`, direct);
      printTtft(`Time to first token: question routed needs_context ("${CONTEXT_QUESTION}")`, context, { expectRoute: 'needs_context' });
      printStages(direct.results, context.results);
    }
    printConcurrency(PLAN, concurrency, capacityTokensPerSecond(PLAN.sim));
  } finally {
    await cleanup();
    if (simSummary) console.log(`\nSimulator at exit: ${JSON.stringify(simSummary)}`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

await main();
