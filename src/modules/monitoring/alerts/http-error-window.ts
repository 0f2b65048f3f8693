import type { KnownNode } from '../cluster/cluster-view.js';

interface Sample {
  /** When the heartbeat carrying these counters arrived (epoch ms, the observer's clock). */
  at: number;
  requests: number;
  serverErrors: number;
}

interface Series {
  instanceId: string;
  /** Oldest first; the first one is the baseline: the newest sample at or before the window's start. */
  samples: Sample[];
}

/** HTTP requests and 5xx answers of the cluster within the window, from counter deltas. */
export interface HttpWindowTotals {
  requests: number;
  serverErrors: number;
  /** Per node with traffic in the window. */
  byNode: Record<string, { requests: number; serverErrors: number }>;
  /** How long this observer has been sampling: the window is fully covered once this reaches it. */
  observedMs: number;
}

/**
 * Keeps, per node, the HTTP counters of the heartbeats seen over the last `windowMs` (plus one
 * older sample as the baseline) so that the requests and 5xx answers within the window are the
 * difference between the newest sample and the baseline. Heartbeat counters are totals since the
 * node started: when its instanceId changes or a counter goes down, the node restarted and its
 * series starts again from a new baseline (what the new process served before its first heartbeat
 * seen here is not counted).
 */
export class HttpErrorWindow {
  private readonly series = new Map<string, Series>();
  private since?: number;

  constructor(private readonly windowMs: number) {}

  /** Takes the counters of each node's last heartbeat (once per heartbeat); forgets nodes the view forgot. */
  record(nodes: KnownNode[], now: number): void {
    this.since ??= now;
    const seen = new Set<string>();
    for (const node of nodes) {
      const name = node.heartbeat.node;
      seen.add(name);
      const sample: Sample = { at: node.lastSeenAt, requests: node.heartbeat.http.requests, serverErrors: node.heartbeat.http.serverErrors };
      const series = this.series.get(name);
      const last = series?.samples.at(-1);
      if (!series || !last || series.instanceId !== node.heartbeat.instanceId || sample.requests < last.requests || sample.serverErrors < last.serverErrors) {
        this.series.set(name, { instanceId: node.heartbeat.instanceId, samples: [sample] });
        continue;
      }
      if (sample.at > last.at) series.samples.push(sample);
      this.prune(series, now);
    }
    for (const name of this.series.keys()) if (!seen.has(name)) this.series.delete(name);
  }

  totals(now: number): HttpWindowTotals {
    const totals: HttpWindowTotals = { requests: 0, serverErrors: 0, byNode: {}, observedMs: this.since === undefined ? 0 : now - this.since };
    for (const [name, series] of this.series) {
      this.prune(series, now);
      const first = series.samples[0];
      const last = series.samples.at(-1)!;
      const requests = last.requests - first.requests;
      const serverErrors = last.serverErrors - first.serverErrors;
      if (requests === 0 && serverErrors === 0) continue;
      totals.requests += requests;
      totals.serverErrors += serverErrors;
      totals.byNode[name] = { requests, serverErrors };
    }
    return totals;
  }

  private prune(series: Series, now: number): void {
    const windowStart = now - this.windowMs;
    while (series.samples.length > 1 && series.samples[1].at <= windowStart) series.samples.shift();
  }
}
