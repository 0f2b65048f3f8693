// Printing of bench/chat-streaming.mjs: Markdown tables, ready to paste into docs/BENCHMARKS.md.
import os from 'node:os';
import { machineLines } from './machine.mjs';
import { percentile } from './measure.mjs';
import { loadAverage } from './proc-memory.mjs';
import { table } from './search-report.mjs';

const ms = (v) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const signed = (v) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(1)}` : '–');
const sorted = (values) => Float64Array.from(values.filter(Number.isFinite)).sort();
const pct = (values, p) => percentile(sorted(values), p);
const median = (values) => pct(values, 50);
const ok = (results) => results.filter((r) => !r.error);

const LISTED = ['TARS node', 'node I', 'simulator', 'postgres', 'nats-server', 'load generator', 'irq+softirq'];

/** CPU of an interval in % of one core: the listed processes, "other" (the rest of the machine's busy time) and the machine. */
function cpuShares(cpu, wallMs) {
  const share = (v) => (v / wallMs) * 100;
  const names = Object.keys(cpu).filter((k) => k !== 'machine');
  const listed = names.reduce((sum, k) => sum + cpu[k], 0);
  return {
    ...Object.fromEntries(names.map((k) => [k, share(cpu[k])])),
    other: share(cpu.machine - listed),
    machine: share(cpu.machine) / os.availableParallelism(),
  };
}

function cpuLine(cpu, wallMs) {
  const s = cpuShares(cpu, wallMs);
  const names = Object.keys(cpu).filter((k) => k !== 'machine');
  return `${names.map((k) => `${k} ${s[k].toFixed(0)} %`).join(', ')}; ` +
    `other processes ${s.other.toFixed(0)} % of a core${s.other > 20 ? ' (**the machine was not quiet**)' : ''}; machine ${s.machine.toFixed(0)} % busy`;
}

/** Distinct error messages with their counts, e.g. `3× no complete answer within…`. */
function errorSummary(results) {
  const counts = new Map();
  for (const r of results) if (r.error) counts.set(r.error, (counts.get(r.error) ?? 0) + 1);
  return [...counts].map(([message, count]) => `${count}× ${message}`).join('; ');
}

export function printHeader(plan, repoRoot, capacity) {
  const { sim } = plan;
  console.log(`# chat-streaming, ${new Date().toISOString()}\n`);
  for (const line of machineLines(repoRoot)) console.log(line);
  console.log(`- load average at the end: ${loadAverage().join(', ')} (${os.availableParallelism()} cores)`);
  console.log(`- simulator (a child process): ${sim.ttftMs} ms to first token, ${sim.tokensPerSecond} tokens/s, ${sim.parallel} slots, ` +
    `${sim.replyTokens}-token replies; capacity ${sim.parallel} × ${sim.replyTokens} / (${sim.ttftMs / 1000} + ${sim.replyTokens}/${sim.tokensPerSecond}) = ` +
    `${capacity.toFixed(0)} tokens/s`);
}

/**
 * Time to first token per setup, measured by the client from sending the request; "added" is the
 * setup's percentile minus the same percentile of calling the simulator directly.
 */
export function printTtft(title, { results: bySetup, cpu, wallMs }, { expectRoute } = {}) {
  const base = ok(bySetup.direct).map((r) => r.firstTokenMs);
  const rows = Object.entries(bySetup).map(([label, results]) => {
    const good = ok(results);
    const ttft = good.map((r) => r.firstTokenMs);
    const isDirect = label === 'direct';
    return [
      label, good.length, results.length - good.length,
      ms(pct(ttft, 50)), ms(pct(ttft, 90)), ms(pct(ttft, 99)),
      isDirect ? '' : signed(pct(ttft, 50) - pct(base, 50)), isDirect ? '' : signed(pct(ttft, 99) - pct(base, 99)),
      isDirect ? '' : ms(median(good.map((r) => r.startMs))),
      isDirect ? '' : ms(median(good.map((r) => r.doneMs))),
    ];
  });
  console.log(`\n## ${title}\n\nSequential, one keep-alive connection per setup, setups in alternating rounds; ms from sending the request.\n`);
  console.log(table(['setup', 'answers', 'failed', 'TTFT p50', 'p90', 'p99', 'added p50', 'added p99', '`start` p50', '`done` p50'], rows));
  console.log(`\n- CPU meanwhile, in % of one core: ${cpuLine(cpu, wallMs)}`);
  for (const [label, results] of Object.entries(bySetup)) {
    const errors = errorSummary(results);
    if (errors) console.log(`\n- ${label} failures: ${errors}`);
    if (expectRoute && label !== 'direct') {
      const routes = new Map();
      for (const r of ok(results)) routes.set(r.route, (routes.get(r.route) ?? 0) + 1);
      const sources = median(ok(results).map((r) => r.done.sources.length));
      console.log(`- ${label}: routes ${[...routes].map(([route, n]) => `${route} ${n}`).join(', ')}; median ${sources} sources in the prompt`);
    }
  }
}

const STAGES = ['load', 'rewrite', 'route', 'retrieve', 'store', 'prompt', 'firstToken', 'generate', 'total'];

/**
 * Medians of `done.timings` (measured inside the orchestrator) next to the client's figures, and
 * the added time to first token split in two: before generation (client TTFT − firstToken, per
 * answer) and the inference path (firstToken − the direct TTFT).
 */
export function printStages(direct, context) {
  const columnsOf = (bySetup, kind) => Object.keys(bySetup).filter((label) => label !== 'direct').map((label) => ({
    label: label.replace(/^(\S+)(.*)$/, `$1 ${kind}$2`),
    results: ok(bySetup[label]),
    base: median(ok(bySetup.direct).map((r) => r.firstTokenMs)),
  }));
  const columns = [...columnsOf(direct, 'direct'), ...columnsOf(context, 'context')];
  const timing = (results, stage) => median(results.map((r) => r.done.timings[stage] ?? NaN));
  const rows = STAGES.filter((stage) => columns.some((c) => Number.isFinite(timing(c.results, stage))))
    .map((stage) => [`timings.${stage}`, ...columns.map((c) => ms(timing(c.results, stage)))]);
  const split = columns.map((c) => {
    const before = median(c.results.map((r) => r.firstTokenMs - r.done.timings.firstToken));
    const inference = timing(c.results, 'firstToken') - c.base;
    return { before, inference, added: median(c.results.map((r) => r.firstTokenMs)) - c.base };
  });
  rows.push(
    ['client: `start` event', ...columns.map((c) => ms(median(c.results.map((r) => r.startMs))))],
    ['client: first token', ...columns.map((c) => ms(median(c.results.map((r) => r.firstTokenMs))))],
    ['direct TTFT (same rounds)', ...columns.map((c) => ms(c.base))],
    ['**added TTFT**', ...split.map((s) => signed(s.added))],
    ['  before generation (client TTFT − timings.firstToken)', ...split.map((s) => ms(s.before))],
    ['  inference path (timings.firstToken − direct TTFT)', ...split.map((s) => signed(s.inference))],
  );
  console.log('\n## Where the time goes (medians, ms)\n');
  console.log('`timings` come from the `done` event (measured in the orchestrator; `store` sums the question\'s and the answer\'s turn, ' +
    'and only the question\'s is before the first token). "before generation" covers HTTP, auth, validation, load, route, ' +
    'retrieve, storing the question and the prompt; "inference path" covers the contract call (NATS for A→I), the engine and the ' +
    'Ollama client, against a raw HTTP client.\n');
  console.log(table(['', ...columns.map((c) => c.label)], rows));
}

/**
 * Steady-state hand-over per answer: first tokens arrive every (answer time + hand-over) / slots
 * once the queue is full; measured between the 20th and 80th percentile of first-token times.
 */
function handOverMs(plan, simMs, firstTokens) {
  const sortedTtft = sorted(firstTokens);
  const a = Math.floor(sortedTtft.length * 0.2);
  const b = Math.floor(sortedTtft.length * 0.8);
  return b - a < 8 ? NaN : ((sortedTtft[b] - sortedTtft[a]) / (b - a)) * plan.sim.parallel - simMs;
}

/** Concurrent streams: delivery, then ramp-up and hand-over, then the CPU each process used meanwhile. */
export function printConcurrency(plan, phases, capacity) {
  const simMs = plan.sim.ttftMs + (plan.sim.replyTokens * 1000) / plan.sim.tokensPerSecond;
  const byKey = new Map(phases.map((p) => [`${p.setup} ${p.n}`, p]));
  const figures = phases.map((p) => {
    const good = ok(p.results);
    const ttft = good.map((r) => r.firstTokenMs);
    const rate = p.results.reduce((sum, r) => sum + r.tokens, 0) / (p.wallMs / 1000);
    const base = byKey.get(`direct ${p.n}`);
    return { p, good, ttft, rate, baseP99: base ? pct(ok(base.results).map((r) => r.firstTokenMs), 99) : NaN };
  });
  const rows = figures.map(({ p, good, ttft, rate, baseP99 }) => {
    const api = p.rss['TARS node'];
    return [
      p.n, p.setup, good.length, p.n - good.length, good.filter((r) => r.tokens !== plan.sim.replyTokens).length,
      (p.wallMs / 1000).toFixed(1), rate.toFixed(0), `${((rate / capacity) * 100).toFixed(0)} %`,
      ms(pct(ttft, 50)), ms(pct(ttft, 99)), p.setup === 'direct' ? '' : signed(pct(ttft, 99) - baseP99),
      api ? `${p.rssBefore.toFixed(0)} → ${api.peakMiB.toFixed(0)}` : '', p.rss['node I'] ? p.rss['node I'].peakMiB.toFixed(0) : '',
    ];
  });
  console.log(`\n## Concurrent SSE clients (each opens one stream, all at the same moment; capacity ${capacity.toFixed(0)} tokens/s)\n`);
  console.log('"dropped": no `done` event (HTTP error, `error` event, connection lost or no answer within ' +
    `${plan.streamTimeoutMs / 1000} s); "short": completed with other than ${plan.sim.replyTokens} tokens. tokens/s: tokens received / wall time ` +
    '(from sending the requests to the last `done`). TTFT in ms from sending the request; it includes the wait for one of the ' +
    `${plan.sim.parallel} slots, as direct does. RSS: VmRSS sampled every 100 ms, at rest → peak (node I: peak).\n`);
  console.log(table(['clients', 'setup', 'completed', 'dropped', 'short', 'wall s', 'tokens/s', 'of capacity', 'TTFT p50', 'TTFT p99',
    'added p99', 'RSS MiB API', 'RSS MiB node I'], rows, 2));
  for (const p of phases) {
    const errors = errorSummary(p.results);
    if (errors) console.log(`\n- ${p.n} ${p.setup} failures: ${errors}`);
  }

  const rampRows = figures.map(({ p, good, ttft }) => [
    p.n, p.setup, p.setup === 'direct' ? '' : ms(Math.min(...good.map((r) => r.startMs))), ms(Math.min(...ttft)),
    p.setup === 'direct' ? '' : ms(median(good.map((r) => r.done.timings.store))),
    ms((plan.sim.parallel * p.wallMs) / p.n - simMs), ms(handOverMs(plan, simMs, ttft)), ms(p.loopDelayP99Ms),
  ]);
  console.log('\nWhere capacity goes (ms). "first `start`" / "first TTFT": the earliest stream\'s `start` event / first token. ' +
    '"store": median of `timings.store` (the question\'s and the answer\'s turn). ' +
    `"slot idle": ${plan.sim.parallel} × wall / answers − ${simMs} ms (the simulator's own time per answer): how long a slot stood idle per ` +
    'answer, ramp-up and tail included. "hand-over": the same in the steady state, from the spacing of first tokens between the ' +
    '20th and 80th percentile. "client loop p99": event-loop delay of the benchmark process (the clients), beyond its 10 ms timer.\n');
  console.log(table(['clients', 'setup', 'first `start`', 'first TTFT', 'store', 'slot idle', 'hand-over', 'client loop p99'], rampRows, 2));

  const cpuRows = phases.map((p) => {
    const s = cpuShares(p.cpu, p.wallMs);
    const tars = (p.cpu['TARS node'] ?? NaN) + (p.cpu['node I'] ?? 0);
    return [p.n, p.setup, ...LISTED.map((k) => (s[k] === undefined ? '–' : s[k].toFixed(0))), s.other.toFixed(0), `${s.machine.toFixed(0)} %`, ms(tars / p.n)];
  });
  console.log(`\nCPU during each phase, in % of one core over its wall time ("other": the machine's busy time outside the listed processes; ` +
    `machine: of ${os.availableParallelism()} cores; TARS ms/answer: CPU of the TARS node, plus node I, per answer):\n`);
  console.log(table(['clients', 'setup', ...LISTED, 'other', 'machine', 'TARS ms/answer'], cpuRows, 2));
}
