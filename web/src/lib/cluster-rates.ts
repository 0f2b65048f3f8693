import type { Schemas } from '../api/client';

/** What the rates need of a node in GET /cluster/nodes. */
export type ClusterNodeCounters = Pick<Schemas['ClusterNodeDto'], 'node' | 'state' | 'instanceId' | 'lastSeenAt' | 'http' | 'traffic' | 'queues'>;

/** The totals of one heartbeat: counters since the node's process started, and when the beat arrived. */
export interface Totals {
  instanceId: string;
  /** When the heartbeat carrying them arrived at the monitoring node (ms since the epoch). */
  seenAt: number;
  requests: number;
  serverErrors: number;
  durationSeconds?: number | undefined;
  traffic?: Schemas['TrafficTotalsDto'] | undefined;
}

/** What happened between two heartbeats of one process. */
export interface Interval {
  seconds: number;
  requests: number;
  /** Time spent on those requests (absent when either beat did not report it). */
  durationSeconds?: number;
  cacheHits?: number;
  cacheMisses?: number;
  llmTokens?: number;
}

/**
 * How `current` follows `previous`: `unchanged` when it is the same heartbeat (the view is polled
 * more often than nodes beat), `baseline` when there is nothing to difference against (the first
 * beat seen, a new process, or a counter that went down: a restart), else the interval's increases.
 */
export type Difference = { kind: 'unchanged' } | { kind: 'baseline'; reason: 'first' | 'restarted' } | { kind: 'interval'; interval: Interval };

export function totalsOf(node: ClusterNodeCounters): Totals {
  return {
    instanceId: node.instanceId,
    seenAt: Date.parse(node.lastSeenAt),
    requests: node.http.requests,
    serverErrors: node.http.serverErrors,
    durationSeconds: node.http.durationSeconds,
    traffic: node.traffic,
  };
}

const delta = (before: number | undefined, after: number | undefined) => (before === undefined || after === undefined ? undefined : after - before);

export function difference(previous: Totals | undefined, current: Totals): Difference {
  if (!previous) return { kind: 'baseline', reason: 'first' };
  if (current.instanceId !== previous.instanceId) return { kind: 'baseline', reason: 'restarted' };
  if (!(current.seenAt > previous.seenAt)) return { kind: 'unchanged' };
  const increases = [
    current.requests - previous.requests,
    current.serverErrors - previous.serverErrors,
    delta(previous.durationSeconds, current.durationSeconds),
    delta(previous.traffic?.embeddingCacheHits, current.traffic?.embeddingCacheHits),
    delta(previous.traffic?.embeddingCacheMisses, current.traffic?.embeddingCacheMisses),
    delta(previous.traffic?.llmTokens, current.traffic?.llmTokens),
  ];
  if (increases.some((value) => value !== undefined && value < 0)) return { kind: 'baseline', reason: 'restarted' };
  const [requests, , durationSeconds, cacheHits, cacheMisses, llmTokens] = increases;
  const interval: Interval = { seconds: (current.seenAt - previous.seenAt) / 1000, requests: requests as number };
  if (durationSeconds !== undefined) interval.durationSeconds = durationSeconds;
  if (cacheHits !== undefined && cacheMisses !== undefined) {
    interval.cacheHits = cacheHits;
    interval.cacheMisses = cacheMisses;
  }
  if (llmTokens !== undefined) interval.llmTokens = llmTokens;
  return { kind: 'interval', interval };
}

/** What the cluster charts show, for the whole cluster or one node, at one poll. Undefined: no data. */
export interface Rates {
  requestRate?: number;
  latencyMeanMs?: number;
  queueDepth?: number;
  /** Share of embedding-cache look-ups that hit (0..1), when there were any. */
  cacheHitRate?: number;
  llmTokensPerSecond?: number;
}

export interface ClusterPoint {
  at: number;
  cluster: Rates;
  nodes: Record<string, Rates>;
}

/** Rates of a set of intervals: rates add up over nodes; latency and hit rate are weighted by requests and look-ups. */
export function ratesOf(intervals: Interval[]): Omit<Rates, 'queueDepth'> {
  if (intervals.length === 0) return {};
  const rates: Rates = { requestRate: intervals.reduce((sum, i) => sum + i.requests / i.seconds, 0) };
  const timed = intervals.filter((i) => i.durationSeconds !== undefined);
  const timedRequests = timed.reduce((sum, i) => sum + i.requests, 0);
  if (timedRequests > 0) rates.latencyMeanMs = (timed.reduce((sum, i) => sum + (i.durationSeconds ?? 0), 0) / timedRequests) * 1000;
  const cached = intervals.filter((i) => i.cacheHits !== undefined);
  const hits = cached.reduce((sum, i) => sum + (i.cacheHits ?? 0), 0);
  const lookups = hits + cached.reduce((sum, i) => sum + (i.cacheMisses ?? 0), 0);
  if (lookups > 0) rates.cacheHitRate = hits / lookups;
  const generating = intervals.filter((i) => i.llmTokens !== undefined);
  if (generating.length > 0) rates.llmTokensPerSecond = generating.reduce((sum, i) => sum + (i.llmTokens ?? 0) / i.seconds, 0);
  return rates;
}

/** Jobs waiting in a node's queues (a depth that could not be read, -1, is left out). */
function nodeQueueDepth(node: ClusterNodeCounters): number | undefined {
  const known = node.queues.filter((q) => q.pending >= 0);
  return known.length === 0 ? undefined : known.reduce((sum, q) => sum + q.pending, 0);
}

/**
 * Jobs waiting in the cluster: several nodes consuming one JetStream stream each report its whole
 * depth, so each queue name counts once (its largest report), then the queues add up.
 */
function clusterQueueDepth(nodes: ClusterNodeCounters[]): number | undefined {
  const byName = new Map<string, number>();
  for (const node of nodes) {
    for (const queue of node.queues) {
      if (queue.pending >= 0) byName.set(queue.name, Math.max(byName.get(queue.name) ?? 0, queue.pending));
    }
  }
  return byName.size === 0 ? undefined : [...byName.values()].reduce((sum, depth) => sum + depth, 0);
}

/**
 * The cluster over time from polls of GET /cluster/nodes: each node's counters are differenced
 * between its heartbeats (a new instance id or a counter going down starts a new baseline), and
 * each poll adds one point with the latest interval of every node that is not down, per node and
 * summed over the cluster. Only the last `capacity` points are kept.
 */
export class ClusterHistory {
  private readonly totals = new Map<string, Totals>();
  private readonly latest = new Map<string, Interval>();
  readonly points: ClusterPoint[] = [];

  constructor(private readonly capacity = 120) {}

  add(at: number, nodes: ClusterNodeCounters[]): ClusterPoint {
    const seen = new Set(nodes.map((n) => n.node));
    for (const name of [...this.totals.keys()]) {
      if (!seen.has(name)) {
        this.totals.delete(name);
        this.latest.delete(name);
      }
    }
    for (const node of nodes) {
      const current = totalsOf(node);
      const change = difference(this.totals.get(node.node), current);
      if (change.kind === 'unchanged') continue;
      this.totals.set(node.node, current);
      if (change.kind === 'interval') this.latest.set(node.node, change.interval);
      else this.latest.delete(node.node);
    }
    const live = nodes.filter((n) => n.state !== 'down');
    const perNode: Record<string, Rates> = {};
    for (const node of nodes) {
      const interval = this.latest.get(node.node);
      perNode[node.node] = node.state === 'down' ? {} : { ...ratesOf(interval ? [interval] : []), queueDepth: nodeQueueDepth(node) };
    }
    const intervals = live.map((n) => this.latest.get(n.node)).filter((i): i is Interval => i !== undefined);
    const point: ClusterPoint = { at, cluster: { ...ratesOf(intervals), queueDepth: clusterQueueDepth(live) }, nodes: perNode };
    this.points.push(point);
    if (this.points.length > this.capacity) this.points.splice(0, this.points.length - this.capacity);
    return point;
  }
}
