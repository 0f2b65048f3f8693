import { describe, expect, it } from 'vitest';
import { type ClusterNodeCounters, ClusterHistory, difference, ratesOf, totalsOf } from './cluster-rates';

const T0 = Date.parse('2026-11-23T10:00:00Z');

/** A node as GET /cluster/nodes lists it, `seconds` after T0, with its totals since start. */
function node(
  name: string,
  seconds: number,
  totals: { requests: number; duration?: number; hits?: number; misses?: number; tokens?: number; errors?: number },
  extra: Partial<ClusterNodeCounters> = {},
): ClusterNodeCounters {
  return {
    node: name,
    state: 'up',
    instanceId: `${name}-1`,
    lastSeenAt: new Date(T0 + seconds * 1000).toISOString(),
    http: { requests: totals.requests, serverErrors: totals.errors ?? 0, ...(totals.duration !== undefined ? { durationSeconds: totals.duration } : {}) },
    ...(totals.tokens !== undefined
      ? { traffic: { embeddingCacheHits: totals.hits ?? 0, embeddingCacheMisses: totals.misses ?? 0, llmTokens: totals.tokens } }
      : {}),
    queues: [],
    ...extra,
  };
}

describe('difference', () => {
  const first = totalsOf(node('a', 0, { requests: 100, duration: 10, hits: 5, misses: 5, tokens: 1000 }));

  it('has nothing to difference against at the first heartbeat', () => {
    expect(difference(undefined, first)).toEqual({ kind: 'baseline', reason: 'first' });
  });

  it('gives the increases of every counter between two heartbeats of one process, over the time between their arrivals', () => {
    const second = totalsOf(node('a', 5, { requests: 150, duration: 12.5, hits: 35, misses: 15, tokens: 1400, errors: 2 }));
    expect(difference(first, second)).toEqual({
      kind: 'interval',
      interval: { seconds: 5, requests: 50, durationSeconds: 2.5, cacheHits: 30, cacheMisses: 10, llmTokens: 400 },
    });
  });

  it('sees the same heartbeat polled twice as unchanged (not as an interval of zero requests)', () => {
    expect(difference(first, { ...first })).toEqual({ kind: 'unchanged' });
  });

  it('starts a new baseline when the instance id changes, even if the counters grew', () => {
    const restarted = totalsOf(node('a', 5, { requests: 500, duration: 20, tokens: 2000 }, { instanceId: 'a-2' }));
    expect(difference(first, restarted)).toEqual({ kind: 'baseline', reason: 'restarted' });
  });

  it('starts a new baseline when any counter goes down under the same instance id', () => {
    for (const totals of [
      { requests: 50, duration: 11, tokens: 1100 },
      { requests: 110, duration: 9, tokens: 1100 },
      { requests: 110, duration: 11, tokens: 900 },
      { requests: 110, duration: 11, hits: 1, misses: 6, tokens: 1100 },
    ]) {
      expect(difference(first, totalsOf(node('a', 5, totals)))).toEqual({ kind: 'baseline', reason: 'restarted' });
    }
  });

  it('leaves out what either heartbeat did not report (an older node without traffic or duration)', () => {
    const old = totalsOf(node('a', 0, { requests: 10 }));
    const next = totalsOf(node('a', 10, { requests: 30, duration: 3, tokens: 50 }));
    expect(difference(old, next)).toEqual({ kind: 'interval', interval: { seconds: 10, requests: 20 } });
  });
});

describe('ratesOf', () => {
  it('adds rates over nodes and weights the mean latency by requests and the hit rate by look-ups', () => {
    const rates = ratesOf([
      { seconds: 5, requests: 50, durationSeconds: 1, cacheHits: 9, cacheMisses: 1, llmTokens: 100 },
      { seconds: 10, requests: 10, durationSeconds: 5, cacheHits: 0, cacheMisses: 10, llmTokens: 0 },
    ]);
    expect(rates.requestRate).toBeCloseTo(11); // 10/s + 1/s
    expect(rates.latencyMeanMs).toBeCloseTo(100); // 6 s over 60 requests
    expect(rates.cacheHitRate).toBeCloseTo(0.45); // 9 of 20 look-ups
    expect(rates.llmTokensPerSecond).toBeCloseTo(20);
  });

  it('has no latency without requests and no hit rate without look-ups', () => {
    const rates = ratesOf([{ seconds: 5, requests: 0, durationSeconds: 0, cacheHits: 0, cacheMisses: 0, llmTokens: 0 }]);
    expect(rates).toEqual({ requestRate: 0, llmTokensPerSecond: 0 });
    expect(ratesOf([])).toEqual({});
  });
});

describe('ClusterHistory', () => {
  it('charts each node and the cluster from polls, keeping a rate until the next heartbeat and restarting from a new baseline', () => {
    const history = new ClusterHistory();
    history.add(T0, [node('a', 0, { requests: 0, duration: 0, tokens: 0 }), node('b', 0, { requests: 0, duration: 0, tokens: 0 })]);
    expect(history.points[0]?.cluster.requestRate).toBeUndefined();

    const a1 = node('a', 5, { requests: 50, duration: 5, tokens: 500 });
    const b1 = node('b', 5, { requests: 25, duration: 0.5, tokens: 0 });
    const p1 = history.add(T0 + 5000, [a1, b1]);
    expect(p1.nodes.a?.requestRate).toBeCloseTo(10);
    expect(p1.nodes.b?.requestRate).toBeCloseTo(5);
    expect(p1.cluster.requestRate).toBeCloseTo(15);
    expect(p1.cluster.latencyMeanMs).toBeCloseTo((5.5 / 75) * 1000);
    expect(p1.cluster.llmTokensPerSecond).toBeCloseTo(100);

    // Polled again before the next heartbeats: the same rates, not zero.
    const p2 = history.add(T0 + 6000, [a1, b1]);
    expect(p2.cluster.requestRate).toBeCloseTo(15);

    // b restarted (new process): no rate for it until its next heartbeat; a carries on.
    const p3 = history.add(T0 + 10_000, [node('a', 10, { requests: 60, duration: 6, tokens: 600 }), node('b', 10, { requests: 3, duration: 0.1, tokens: 0 }, { instanceId: 'b-2' })]);
    expect(p3.nodes.a?.requestRate).toBeCloseTo(2);
    expect(p3.nodes.b?.requestRate).toBeUndefined();
    expect(p3.cluster.requestRate).toBeCloseTo(2);
    const p4 = history.add(T0 + 15_000, [node('a', 15, { requests: 60, duration: 6, tokens: 600 }), node('b', 15, { requests: 13, duration: 1.1, tokens: 0 }, { instanceId: 'b-2' })]);
    expect(p4.nodes.b?.requestRate).toBeCloseTo(2);
    expect(p4.nodes.b?.latencyMeanMs).toBeCloseTo(100);
    expect(p4.cluster.requestRate).toBeCloseTo(2);
  });

  it('leaves down nodes out of the cluster and counts a queue that several nodes consume once', () => {
    const history = new ClusterHistory();
    const queues = (ingest: number, questions: number) => [
      { name: 'ingest', pending: ingest },
      { name: 'questions', pending: questions },
    ];
    history.add(T0, [
      node('a', 0, { requests: 0 }, { queues: queues(4, 1) }),
      node('b', 0, { requests: 0 }, { queues: [{ name: 'ingest', pending: 4 }, { name: 'local', pending: 2 }] }),
      node('c', 0, { requests: 0 }, { queues: [{ name: 'ingest', pending: -1, problem: 'unreadable' }] }),
    ]);
    const point = history.add(T0 + 5000, [
      node('a', 5, { requests: 10 }, { queues: queues(3, 1) }),
      node('b', 5, { requests: 40 }, { queues: [{ name: 'ingest', pending: 3 }, { name: 'local', pending: 2 }] }),
      node('c', 5, { requests: 1000 }, { state: 'down', queues: [{ name: 'ingest', pending: 50 }] }),
    ]);
    expect(point.cluster.queueDepth).toBe(3 + 1 + 2);
    expect(point.nodes.a?.queueDepth).toBe(4);
    expect(point.nodes.c).toEqual({});
    expect(point.cluster.requestRate).toBeCloseTo(10); // a 2/s + b 8/s; c is down
  });

  it('forgets a node that is no longer listed and keeps only the last points', () => {
    const history = new ClusterHistory(2);
    history.add(T0, [node('a', 0, { requests: 0 })]);
    history.add(T0 + 5000, [node('a', 5, { requests: 5 })]);
    history.add(T0 + 10_000, []);
    const back = history.add(T0 + 15_000, [node('a', 15, { requests: 20 })]);
    expect(back.nodes.a?.requestRate).toBeUndefined();
    expect(history.points.map((p) => p.at)).toEqual([T0 + 10_000, T0 + 15_000]);
  });
});
