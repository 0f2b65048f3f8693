import type { LatencySummary, LoadReport } from './load-report.js';
import type { Pace } from './scheduler.js';
import { formatTable } from './table.js';

/** What the run was, for the report's first line. */
export interface RunDescription {
  file: string;
  url: string;
  pace: Pace;
  batch: number;
}

const NUMBERS = new Set([1, 2, 3, 4, 5]);

/** 8.4 ms, 312 ms, 1.84 s, 2 min 5 s. */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function latencyRow(name: string, summary: LatencySummary | null): string[] {
  if (!summary) return [name, '0', '-', '-', '-', '-'];
  return [name, String(summary.count), formatMs(summary.p50), formatMs(summary.p95), formatMs(summary.p99), formatMs(summary.max)];
}

const paceText = (pace: Pace) => (pace.kind === 'rate' ? `${pace.perSecond} questions/s` : `concurrency ${pace.limit}`);

/** The report as tables, the way the other commands print. */
export function renderLoadReport(report: LoadReport, run: RunDescription): string {
  const out: string[] = [];
  const q = report.questions;
  out.push(`Replayed ${run.file} against ${run.url} (${paceText(run.pace)}, ${run.batch} per request)`, '');

  const counts: [string, number][] = [
    ['planned', q.planned],
    ['submitted', q.submitted],
    ['accepted (202)', q.accepted],
    ['cached (200)', q.cached],
    ...(q.duplicates > 0 ? [['duplicates', q.duplicates] as [string, number]] : []),
    ['rejected', q.rejected],
    ...(q.notSubmitted > 0 ? [['not submitted', q.notSubmitted] as [string, number]] : []),
    ['final', q.final],
    ['unfinished', q.unfinished],
  ];
  out.push(formatTable(['QUESTIONS', 'COUNT'], counts.map(([name, n]) => [name, String(n)]), new Set([1])), '');

  const states = Object.entries(report.states).sort((a, b) => b[1] - a[1]);
  if (states.length > 0) out.push(formatTable(['STATE', 'COUNT'], states.map(([state, n]) => [state, String(n)]), new Set([1])), '');

  if (report.throughput && report.durationMs !== null) {
    const { perSecond, perMinute } = report.throughput;
    out.push(`Throughput: ${perSecond.toFixed(perSecond >= 10 ? 1 : 2)} questions/s (${perMinute.toFixed(1)}/min) over ${formatMs(report.durationMs)}`, '');
  }

  out.push(
    formatTable(
      ['LATENCY', 'COUNT', 'P50', 'P95', 'P99', 'MAX'],
      [latencyRow('time to accepted', report.timeToAcceptedMs), latencyRow('time to final', report.timeToFinalMs)],
      NUMBERS,
    ),
    '',
  );

  const errors = Object.entries(report.errors.byType).sort((a, b) => b[1] - a[1]);
  if (errors.length === 0) out.push('Errors: none');
  else out.push(formatTable(['ERROR TYPE', 'ATTEMPTS'], errors.map(([type, n]) => [type, String(n)]), new Set([1])));
  const failed = Object.entries(report.errors.failedByType).map(([type, n]) => `${type} ${n}`);
  out.push(`Questions retried after an error: ${report.errors.questionsRetried}; failed: ${failed.length > 0 ? failed.join(', ') : 'none'}`, '');

  const r = report.regenerations;
  out.push(
    r.questions === 0
      ? 'Regenerations: none'
      : `Regenerations: ${r.questions} question${r.questions === 1 ? '' : 's'} regenerated (${r.total} regenerations): ${r.validated} validated in the end, ${r.lowQuality} kept as low quality`,
  );

  if (report.rejections.length > 0) {
    out.push('', formatTable(['REJECTED', 'REASON'], report.rejections.map((x) => [String(x.count), x.reason]), new Set([0])));
  }
  const p = report.polls;
  if (p.failed > 0 || p.throttled > 0) {
    out.push('', `Polls: ${p.requests} requests, ${p.failed} failed, ${p.throttled} throttled (429: the node's rate limit counts polls too)`);
  }
  if (report.stoppedBy) out.push('', `Stopped early (${report.stoppedBy}): ${q.unfinished} questions not final, ${q.notSubmitted} not submitted.`);
  return out.join('\n');
}
