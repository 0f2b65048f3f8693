// What monitoring costs an idle node: CPU % of one core per node, from /proc/<pid>/stat (utime +
// stime), with heartbeats at their default interval, at 1 s, effectively off, and with the default
// plus GET /health/ready every 10 s (what a load balancer or Prometheus' blackbox probe would do).
//
//   npm run build && node bench/monitoring-cost.mjs [--seconds 60] [--rounds 3] [--settle 30]
//
// Each variant is a two-node cluster as on two PCs: an API node (roles cognitive) and a processing
// node (roles processing, which keeps the cluster view and evaluates alerts), with its own
// PostgreSQL database (BENCH_POSTGRES_URL) and subject prefix on the NATS server at BENCH_NATS_URL.
// All variants run at the same time and are measured over the same windows, so whatever else the
// machine does weighs on each alike. Nothing else is asked of the nodes: no requests, no documents.
// Two references run beside them: a bare Node.js process that only waits, and the same with
// `monitorEventLoopDelay({ resolution: 10 })` on, as NodeStats keeps it for the heartbeat's
// event-loop figure. Every wait is bounded; everything is removed at the end, also on Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { deleteJetStreamState } from './lib/jetstream-state.mjs';
import { machineLines } from './lib/machine.mjs';
import { loadAverage } from './lib/proc-memory.mjs';
import { table } from './lib/search-report.mjs';
import { createDatabase, REPO_ROOT, TarsNode } from './lib/tars-node.mjs';

const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const { values: args } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, rounds: { type: 'string', default: '3' }, settle: { type: 'string', default: '30' } },
});
const PLAN = { windowMs: Number(args.seconds) * 1000, rounds: Number(args.rounds), settleMs: Number(args.settle) * 1000, readyEveryMs: 10_000 };

/** Heartbeats "off": one at start, then one every 30 min (the longest allowed is 1 h); nodes are never taken for down meanwhile. */
const HEARTBEATS_OFF = {
  TARS_MONITORING_HEARTBEAT_INTERVAL_MS: '1800000',
  TARS_MONITORING_SUSPECT_AFTER_MS: '3000000',
  TARS_MONITORING_DOWN_AFTER_MS: '3600000',
};
const VARIANTS = [
  { id: 'off', label: 'heartbeats off (every 30 min)', env: HEARTBEATS_OFF, beatsPerMinute: 0 },
  { id: 'default', label: 'heartbeats every 5 s (default)', env: {}, beatsPerMinute: 12 },
  { id: '1s', label: 'heartbeats every 1 s', env: { TARS_MONITORING_HEARTBEAT_INTERVAL_MS: '1000' }, beatsPerMinute: 60 },
  { id: 'ready', label: 'default + /health/ready every 10 s', env: {}, beatsPerMinute: 12, pollReady: true },
];
const REFERENCES = {
  'bare Node.js, idle': 'setInterval(() => {}, 1 << 30);',
  'bare Node.js + monitorEventLoopDelay(10 ms)': "require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 }).enable(); setInterval(() => {}, 1 << 30);",
};

const log = (line) => console.error(`[monitoring-cost] ${new Date().toISOString().slice(11, 19)} ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TICK_MS = 10; // USER_HZ

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function startVariant(variant, tmp) {
  const prefix = `tarsbenchmon${process.pid}${variant.id}`;
  const db = await createDatabase(POSTGRES_URL, 'monitoring');
  const state = { variant, prefix, db, nodes: [] };
  const common = { DATABASE_URL: db.url, NATS_URL, TARS_NATS_SUBJECT_PREFIX: prefix, ...variant.env };
  for (const roles of ['cognitive', 'processing']) {
    const name = `bench-mon-${variant.id}-${roles}`;
    state.nodes.push(await TarsNode.start(name, { ...common, TARS_ROLES: roles, TARS_DATA_DIR: path.join(tmp, name) }));
  }
  return state;
}

async function stopVariant(state) {
  await Promise.allSettled(state.nodes.map((n) => n.stop()));
  await deleteJetStreamState(NATS_URL, state.prefix).catch((e) => log(`could not delete the streams of ${state.prefix}: ${e.message}`));
  await state.db.drop().catch((e) => log(`could not drop ${state.db.name}: ${e.message}`));
}

/** GET /health/ready on each node every 10 s until stopped; counts the answers. */
function pollReady(nodes) {
  const counts = { ok: 0, notReady: 0, failed: 0, down: new Set() };
  const once = () =>
    Promise.all(
      nodes.map(async (n) => {
        try {
          const res = await fetch(`${n.url}/health/ready`, { signal: AbortSignal.timeout(5000) });
          const body = await res.json().catch(() => ({}));
          counts[res.ok ? 'ok' : 'notReady']++;
          for (const check of Object.keys(body.error ?? {})) counts.down.add(`${n.name.replace(/^bench-mon-\w+-/, '')}: ${check}`);
        } catch {
          counts.failed++;
        }
      }),
    );
  void once();
  const timer = setInterval(() => void once(), PLAN.readyEveryMs);
  return { counts, stop: () => clearInterval(timer) };
}

/** CPU % of one core of each process over one window. */
async function measureWindow(processes) {
  const before = new Map(processes.map((p) => [p.key, cpuTicks(p.pid)]));
  const load = loadAverage()[0];
  const t0 = Date.now();
  await sleep(PLAN.windowMs);
  const elapsed = Date.now() - t0;
  return {
    load: [load, loadAverage()[0]],
    percent: new Map(processes.map((p) => [p.key, (((cpuTicks(p.pid) - before.get(p.key)) * TICK_MS) / elapsed) * 100])),
  };
}

const f2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : '–');
const f3 = (v) => (Number.isFinite(v) ? v.toFixed(3) : '–');
const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

function printResults(processes, windows, readyCounts) {
  const stats = (key) => {
    const values = windows.map((w) => w.percent.get(key));
    return { mean: mean(values), min: Math.min(...values), max: Math.max(...values) };
  };
  console.log(`\n## Monitoring cost at idle: CPU % of one core per node\n`);
  console.log(`${PLAN.rounds} windows of ${PLAN.windowMs / 1000} s, all variants side by side, after ${PLAN.settleMs / 1000} s of settling; ` +
    `loadavg 1 min per window: ${windows.map((w) => `${w.load[0].toFixed(2)}→${w.load[1].toFixed(2)}`).join(', ')}.\n`);
  const rows = processes.map((p) => {
    const s = stats(p.key);
    return [p.variant, p.node, `**${f3(s.mean)}**`, `${f3(s.min)}–${f3(s.max)}`, f2((s.mean / 100) * 60_000)];
  });
  console.log(table(['variant', 'process', 'CPU % (mean)', 'min–max', 'CPU ms per minute'], rows, 2));

  const off = Object.fromEntries(processes.filter((p) => p.variantId === 'off').map((p) => [p.node, stats(p.key).mean]));
  console.log('\nAgainst heartbeats off (same role):\n');
  const deltaRows = processes
    .filter((p) => p.variantId && p.variantId !== 'off')
    .map((p) => {
      const variant = VARIANTS.find((v) => v.id === p.variantId);
      const delta = stats(p.key).mean - off[p.node];
      const perBeat = variant.beatsPerMinute > 0 && !variant.pollReady ? ((delta / 100) * 60_000) / variant.beatsPerMinute : NaN;
      return [variant.label, p.node, f3(delta), f2((delta / 100) * 60_000), f2(perBeat)];
    });
  console.log(table(['variant', 'process', 'Δ CPU %', 'Δ CPU ms per minute', 'CPU ms per heartbeat'], deltaRows, 2));
  const down = readyCounts.down.size ? ` (checks down: ${[...readyCounts.down].join(', ')})` : '';
  console.log(`\n/health/ready answers during the run: ${readyCounts.ok} ready, ${readyCounts.notReady} not ready (503)${down}, ${readyCounts.failed} failed.`);
}

async function main() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tars-bench-monitoring-'));
  const variants = [];
  const references = [];
  let poller;
  const cleanup = async () => {
    poller?.stop();
    references.forEach((r) => r.kill());
    for (const state of variants) await stopVariant(state);
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const header = machineLines(REPO_ROOT);
  try {
    for (const variant of VARIANTS) {
      log(`starting ${variant.label}`);
      variants.push(await startVariant(variant, tmp));
    }
    const processes = variants.flatMap((state) =>
      state.nodes.map((n, i) => ({ key: n.name, pid: n.pid, variant: state.variant.label, variantId: state.variant.id, node: i === 0 ? 'API node (cognitive)' : 'processing node' })),
    );
    for (const [label, code] of Object.entries(REFERENCES)) {
      const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
      references.push(child);
      processes.push({ key: label, pid: child.pid, variant: 'reference', node: label });
    }
    poller = pollReady(variants.filter((s) => s.variant.pollReady).flatMap((s) => s.nodes));
    log(`all up; settling ${PLAN.settleMs / 1000} s (loadavg ${loadAverage().join(' ')})`);
    await sleep(PLAN.settleMs);
    const windows = [];
    for (let round = 1; round <= PLAN.rounds; round++) {
      for (const state of variants) for (const n of state.nodes) if (!n.running) throw new Error(`${n.name} exited:\n${n.output}`);
      windows.push(await measureWindow(processes));
      log(`window ${round}/${PLAN.rounds} done (loadavg ${loadAverage().join(' ')})`);
    }
    poller.stop();
    console.log(`# monitoring-cost\n\n${header.join('\n')}`);
    printResults(processes, windows, poller.counts);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

await main();
