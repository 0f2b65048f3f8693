// The question pipeline against the Ollama simulator: questions per minute through the pipeline
// next to the simulator's own capacity, and the pipeline's own time per question outside the LLM.
//
//   node bench/questions-pipeline.mjs [--questions 600] [--workers 8]
//
// One TARS node (roles all) with NATS, so the questions travel on the JetStream work queue as in a
// real install. The simulator runs in its own process with fixed speed and slots. Every answer is
// validated (questions.scoreThreshold 0): the benchmark measures throughput, not answer quality, so
// no question is regenerated and each needs exactly one generation.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { deleteJetStreamState } from './lib/jetstream-state.mjs';
import { machineLines } from './lib/machine.mjs';
import { percentile } from './lib/measure.mjs';
import { rssSampler } from './lib/proc-memory.mjs';
import { table } from './lib/search-report.mjs';
import { SimulatorProcess } from './lib/simulator-process.mjs';
import { createDatabase, REPO_ROOT, TarsNode } from './lib/tars-node.mjs';
import { hashingEmbeddingsEnv } from '../test/support/node-env.mjs';

const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const { values: args } = parseArgs({ options: { questions: { type: 'string', default: '600' }, workers: { type: 'string', default: '8' } } });

const PLAN = {
  sim: { ttftMs: 50, tokensPerSecond: 100, parallel: 4, maxQueue: 5000, replyTokens: 20, model: 'llama3.2:3b' },
  questions: Number(args.questions),
  /** Questions a node works on at once: more than the LLM's slots, so a slot never waits for scoring or storing. */
  workers: Number(args.workers),
  batch: 50,
  pollMs: 250,
  timeoutMs: 15 * 60_000,
};

const log = (line) => console.error(`[questions-pipeline] ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Generations per minute the simulator can deliver at most: `parallel` slots, each answer ttft + tokens / rate. */
function capacityPerMinute({ parallel, replyTokens, ttftMs, tokensPerSecond }) {
  return (parallel * 60) / (ttftMs / 1000 + replyTokens / tokensPerSecond);
}

async function api(node, key, method, route, body) {
  const res = await fetch(`${node.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(60_000),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tars-bench-questions-'));
  const prefix = `tarsbenchq${process.pid}`;
  let sim;
  let db;
  let node;
  const cleanup = async () => {
    await node?.stop().catch(() => undefined);
    await sim?.stop().catch(() => undefined);
    await deleteJetStreamState(NATS_URL, prefix).catch((e) => log(`could not delete the JetStream streams: ${e.message}`));
    await db?.drop().catch((e) => log(`could not drop ${db.name}: ${e.message}`));
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    sim = await SimulatorProcess.start(PLAN.sim);
    db = await createDatabase(POSTGRES_URL, 'questions');
    node = await TarsNode.start('bench-questions', {
      DATABASE_URL: db.url,
      NATS_URL,
      TARS_NATS_SUBJECT_PREFIX: prefix,
      TARS_DATA_DIR: path.join(tmp, 'node'),
      TARS_ROLES: 'all',
      ...hashingEmbeddingsEnv(),
      TARS_INFERENCE_BACKENDS: JSON.stringify([
        { id: 'ollama', kind: 'ollama', host: sim.url, model: PLAN.sim.model, maxConcurrent: PLAN.sim.parallel, maxQueue: 5000 },
      ]),
      TARS_ORCHESTRATOR_REWRITE_MODE: 'off',
      TARS_QUESTIONS_SCORE_THRESHOLD: '0',
      TARS_QUESTIONS_CACHE_TTL_HOURS: '0',
      TARS_QUESTIONS_QUEUE_CONCURRENCY: String(PLAN.workers),
    });
    const key = readFileSync(path.join(tmp, 'node', 'admin.key'), 'utf8').trim();

    // Warm-up: a few questions through the whole pipeline (model lists, JIT, connection pools).
    const warm = await api(node, key, 'POST', '/questions', { questions: Array.from({ length: 8 }, (_, i) => ({ question: `Warm-up question ${i}?` })) });
    await waitFinal(node, key, warm.questions.map((q) => q.id), new Map(), PLAN.timeoutMs);

    log(`${PLAN.questions} questions, ${PLAN.workers} workers, simulator ${sim.url}`);
    const stopRss = rssSampler(node.pid, 200);
    const ids = [];
    const submittedAt = new Map();
    const started = performance.now();
    for (let i = 0; i < PLAN.questions; i += PLAN.batch) {
      const questions = Array.from({ length: Math.min(PLAN.batch, PLAN.questions - i) }, (_, j) => ({ question: `Benchmark question number ${i + j}: what is ${i + j} squared?` }));
      const res = await api(node, key, 'POST', '/questions', { questions });
      const now = performance.now();
      for (const q of res.questions) {
        ids.push(q.id);
        submittedAt.set(q.id, now);
      }
    }
    const acceptedMs = performance.now() - started;
    const finals = await waitFinal(node, key, ids, submittedAt, PLAN.timeoutMs);
    const wallMs = Math.max(...[...finals.values()].map((f) => f.at)) - started;
    const rss = stopRss();
    const stats = await api(node, key, 'GET', '/questions/stats');
    report({ ids, finals, wallMs, acceptedMs, stats, rss });
  } finally {
    await cleanup();
  }
}

/** Polls until every question is final; returns id → { state, at (ms since start of the process clock), toFinalMs }. */
async function waitFinal(node, key, ids, submittedAt, timeoutMs) {
  const finals = new Map();
  const deadline = performance.now() + timeoutMs;
  let open = [...ids];
  while (open.length > 0) {
    if (performance.now() > deadline) throw new Error(`${open.length} questions not final after ${timeoutMs} ms`);
    const still = [];
    for (let i = 0; i < open.length; i += 20) {
      const group = open.slice(i, i + 20);
      const answers = await Promise.all(group.map((id) => api(node, key, 'GET', `/questions/${id}`)));
      const now = performance.now();
      answers.forEach((q, j) => {
        if (['validated', 'low_quality', 'failed'].includes(q.state)) {
          finals.set(group[j], { state: q.state, at: now, toFinalMs: now - (submittedAt.get(group[j]) ?? now) });
        } else still.push(group[j]);
      });
    }
    open = still;
    if (open.length > 0) await sleep(PLAN.pollMs);
  }
  return finals;
}

function report({ ids, finals, wallMs, acceptedMs, stats, rss }) {
  const capacity = capacityPerMinute(PLAN.sim);
  const perMinute = (ids.length / wallMs) * 60_000;
  const states = {};
  for (const f of finals.values()) states[f.state] = (states[f.state] ?? 0) + 1;
  const toFinal = [...finals.values()].map((f) => f.toFinalMs).sort((a, b) => a - b);
  const stage = (name) => stats.latencyByStage.find((s) => s.stage === name);
  const fmt = (n) => (n === undefined || n === null ? '–' : n.toFixed(1));

  console.log(`# questions-pipeline, ${new Date().toISOString()}\n`);
  for (const line of machineLines(REPO_ROOT)) console.log(line);
  console.log(
    `- simulator (a child process): ${PLAN.sim.ttftMs} ms to first token, ${PLAN.sim.tokensPerSecond} tokens/s, ${PLAN.sim.parallel} slots, ` +
      `${PLAN.sim.replyTokens}-token replies; capacity ${capacity.toFixed(0)} generations/min`,
  );
  console.log(`- one TARS node (roles all) with NATS (JetStream work queue), ${PLAN.workers} question workers, hashing embedder, every answer validated\n`);
  console.log('## Throughput\n');
  console.log(
    table(
      ['questions', 'final', 'states', 'accepted in s', 'wall s', 'questions/min', 'simulator capacity/min', 'ratio', 'time to final p50 s', 'p99 s', 'RSS MiB peak'],
      [
        [
          ids.length,
          finals.size,
          Object.entries(states).map(([k, v]) => `${k} ${v}`).join(', '),
          (acceptedMs / 1000).toFixed(1),
          (wallMs / 1000).toFixed(1),
          perMinute.toFixed(0),
          capacity.toFixed(0),
          `**${(perMinute / capacity).toFixed(3)}**`,
          (percentile(toFinal, 50) / 1000).toFixed(1),
          (percentile(toFinal, 99) / 1000).toFixed(1),
          rss.peakMiB.toFixed(0),
        ],
      ],
      3,
    ),
  );
  console.log('\n## Time per stage (ms, from GET /questions/stats; overhead = time of an attempt outside the LLM call)\n');
  console.log(
    table(
      ['stage', 'count', 'p50', 'p95', 'p99'],
      ['queue', 'retrieve', 'generate', 'score', 'overhead'].map((name) => [name, stage(name)?.count ?? 0, fmt(stage(name)?.p50), fmt(stage(name)?.p95), fmt(stage(name)?.p99)]),
    ),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
