// Printing of bench/search-latency.mjs: Markdown tables, ready to paste into docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

const ms = (v) => v.toFixed(2);

/** A Markdown table; the first `textColumns` columns are left-aligned, the others (numbers) right-aligned. */
export function table(header, rows, textColumns = 1) {
  const widths = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const left = (i) => i < textColumns;
  const line = (cells) => `| ${cells.map((c, i) => (left(i) ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (left(i) ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Where and on what the figures were measured. */
export function printMachine(repoRoot) {
  const git = (...args) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
  let commit = 'unknown';
  try {
    commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' (src/ has uncommitted changes)' : ''}`;
  } catch {
    // not a git checkout
  }
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model;
  console.log(`# search-latency, ${new Date().toISOString()}\n`);
  console.log(`- machine: ${os.availableParallelism()} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}`);
  console.log(`- Node ${process.version}; TARS commit ${commit}`);
}

/** The end-to-end table and the (b)/(a) ratios. `results`: [[label, { seq, conc }], ...], (a) first. */
export function printLatency(plan, results, { matches, queries }) {
  const loadMode = `${plan.loadConnections} connections, ${plan.loadRounds}×${plan.loadDurationS} s`;
  const rows = results.flatMap(([setup, r]) => [
    [setup, 'sequential, 1 connection', r.seq.requests, ms(r.seq.p50), ms(r.seq.p90), ms(r.seq.p99), r.seq.rps.toFixed(0)],
    [setup, loadMode, r.conc.requests, ms(r.conc.p50), ms(r.conc.p90), ms(r.conc.p99), r.conc.rps.toFixed(0)],
  ]);
  const [a, b] = results.map(([, r]) => r);
  const median = matches[Math.floor(matches.length / 2)];
  console.log(`\n## GET /memory/search end to end\n\n${plan.notes} notes; ${queries} queries in rotation, ` +
    `matching ${matches[0]}–${matches.at(-1)} notes each (median ${median}); 10 hits per response, ` +
    `${(a.seq.meanBytes / 1024).toFixed(1)} KiB on average. Setups measured in alternating rounds.\n`);
  console.log(table(['setup', 'mode', 'requests', 'p50 ms', 'p90 ms', 'p99 ms', 'req/s'], rows, 2));
  console.log('\n(b)/(a):\n');
  console.log(`- p50: ${(b.seq.p50 / a.seq.p50).toFixed(2)}× sequential, ${(b.conc.p50 / a.conc.p50).toFixed(2)}× under load`);
  console.log(`- req/s: ${(b.seq.rps / a.seq.rps).toFixed(2)}× sequential, ${(b.conc.rps / a.conc.rps).toFixed(2)}× under load`);
  console.log(`- added p50 latency of the NATS hop (sequential): ${ms(b.seq.p50 - a.seq.p50)} ms`);
  const errors = results.flatMap(([, r]) => [r.seq.errors, r.conc.errors]).reduce((x, y) => x + y, 0);
  console.log(`- failed requests during measurement: ${errors}`);
}

/**
 * CPU time per request of each process group, sequential and under load. "other" is the machine's
 * busy time not explained by the listed processes: when it is large, something else was running.
 */
export function printCpu(plan, results) {
  const columns = ['TARS node (a) / node A (b)', 'node B (b)', 'postgres', 'nats-server', 'load generator', 'irq+softirq', 'other', 'machine'];
  const keys = ['node', 'node B', 'postgres', 'nats-server', 'load generator', 'irq+softirq', 'other', 'machine'];
  const withOther = (cpu) => ({ ...cpu, other: cpu.machine - keys.slice(0, 6).reduce((sum, k) => sum + (cpu[k] ?? 0), 0) });
  const perRequest = (m, key) => {
    const cpu = withOther(m.cpu);
    return cpu[key] === undefined ? '–' : ((cpu[key] / m.requests) * 1000).toFixed(0);
  };
  const rows = results.flatMap(([setup, r]) => [
    [setup.slice(0, 3), 'sequential', r.seq],
    [setup.slice(0, 3), `${plan.loadConnections} connections`, r.conc],
  ].map(([s, mode, m]) => [s, mode, ...keys.map((k) => perRequest(m, k))]));
  console.log('\n## CPU time per request (µs, from /proc; "other": busy time of the machine outside the listed processes)\n');
  console.log(table(['setup', 'mode', ...columns], rows, 2));
  const cores = os.availableParallelism();
  const busy = (m) => ((m.cpu.machine / (m.elapsedMs * cores)) * 100).toFixed(0);
  console.log(`\nUnder load the ${cores} cores were ${results.map(([setup, r]) => `${busy(r.conc)}% busy in ${setup.slice(0, 3)}`).join(' and ')}.`);
  const disturbed = results.some(([, r]) => [r.seq, r.conc].some((m) => withOther(m.cpu).other / m.requests > 0.2));
  if (disturbed) console.log('**Warning:** over 200 µs per request went to other processes: the machine was not quiet; run again.');
}

/** The layer-by-layer timing of one notes search call (see lib/hop-breakdown.mjs). */
export function printBreakdown({ stats, replyBytes }) {
  const names = {
    json: 'JSON encode + decode of one result',
    sql: 'search SQL alone (pg client)',
    local: 'local contract binding, in process',
    'tars-nats': 'TARS NATS binding -> memory node B',
    tcp: 'plain TCP round trip -> bare responder',
    'nats-ping': 'nats.js PING/PONG with nats-server',
    'raw-small': 'raw nats.js request(), empty reply',
    'raw-request': 'raw nats.js request() -> bare responder',
    'raw-inbox': 'raw nats.js, fresh inbox per request',
    'nest-client': 'Nest ClientNats -> bare responder',
  };
  const rows = Object.entries(stats).map(([k, s]) => [names[k], s.requests, ms(s.p50), ms(s.p90), ms(s.p99)]);
  console.log(`\n## Where the hop's time goes (one notes search call without HTTP, sequential, layers interleaved; ${replyBytes}-byte reply)\n`);
  console.log(table(['layer', 'calls', 'p50 ms', 'p90 ms', 'p99 ms'], rows));
  const hop = stats['tars-nats'].p50 - stats.local.p50;
  const transport = stats['raw-request'].p50;
  const nestClient = stats['nest-client'].p50 - stats['raw-request'].p50;
  console.log(`\n- hop at the contract level (TARS NATS binding − local binding), p50: ${ms(hop)} ms`);
  console.log(`  - raw NATS request/reply to another process, same reply: ${ms(transport)} ms`);
  console.log(`  - Nest ClientNats on top of raw nats.js: ${ms(nestClient)} ms`);
  console.log(`  - the rest (memory node: Nest server side, JSON of the reply, its own wake-ups): ${ms(hop - transport - nestClient)} ms`);
  console.log(`- fresh inbox per request vs request(): ${ms(stats['raw-inbox'].p50 - stats['raw-request'].p50)} ms at p50`);
  console.log(`- floor: plain TCP round trip ${ms(stats.tcp.p50)} ms, PING/PONG with nats-server ${ms(stats['nats-ping'].p50)} ms, ` +
    `request/reply routed through nats-server with an empty reply ${ms(stats['raw-small'].p50)} ms`);
}
