import { describe, expect, it } from 'vitest';
import { knownNode } from '../../../../test/support/known-node.factory.js';
import type { KnownNode } from '../cluster/cluster-view.js';
import type { OpenAlert } from './alert-condition.js';
import { type ErrorRateInput, errorRateRule } from './error-rate.rule.js';
import { HttpErrorWindow } from './http-error-window.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const WINDOW = 300_000;
const SETTINGS = { maxPercent: 5, windowMs: WINDOW, minRequests: 20 };
const OPEN: OpenAlert = { id: 'a1', rule: 'error_rate', subject: 'cluster', firedAt: T0 };

/** A node's heartbeat with HTTP counters (totals since its start), heard at `at`. */
const beat = (node: string, at: number, requests: number, serverErrors: number, instance = 1): KnownNode =>
  knownNode(node, { lastSeenAt: at, beat: { http: { requests, serverErrors }, instanceId: `${node}-${instance}` } });

/** Feeds the window one view per sample time, then evaluates the rule at the last one. */
function evaluate(samples: KnownNode[][], open: OpenAlert[] = [], now?: number) {
  const window = new HttpErrorWindow(WINDOW);
  for (const nodes of samples) window.record(nodes, Math.max(...nodes.map((n) => n.lastSeenAt)));
  const at = now ?? Math.max(...samples.at(-1)!.map((n) => n.lastSeenAt));
  const input: ErrorRateInput = { nodes: samples.at(-1)!, open, now: at, forgetAfterMs: 86_400_000, http: window.totals(at), ...SETTINGS };
  return { ...errorRateRule(input), http: input.http };
}

describe('error_rate rule', () => {
  it('fires on the 5xx share of the whole cluster, from counter deltas, with the values and the limit', () => {
    // pc1: 3 of 100 (3%), pc2: 9 of 100 (9%): the cluster is at 6%, over 5%.
    const { fire } = evaluate([
      [beat('pc1', T0, 1000, 10), beat('pc2', T0, 50, 0)],
      [beat('pc1', T0 + 10_000, 1100, 13), beat('pc2', T0 + 10_000, 150, 9)],
    ]);
    expect(fire).toEqual([
      {
        rule: 'error_rate',
        subject: 'cluster',
        message: '6% of HTTP requests failed with 5xx in the last 5 min (12 of 200; limit 5%)',
        details: {
          percent: 6,
          requests: 200,
          serverErrors: 12,
          maxPercent: 5,
          windowMs: WINDOW,
          minRequests: 20,
          byNode: { pc1: { requests: 100, serverErrors: 3 }, pc2: { requests: 100, serverErrors: 9 } },
        },
      },
    ]);
  });

  it('does not fire when one node is bad but the cluster as a whole is under the limit', () => {
    const { fire, http } = evaluate([
      [beat('pc1', T0, 0, 0), beat('pc2', T0, 0, 0)],
      [beat('pc1', T0 + 10_000, 900, 10), beat('pc2', T0 + 10_000, 100, 30)],
    ]);
    expect(http).toMatchObject({ requests: 1000, serverErrors: 40 });
    expect(fire).toEqual([]);
  });

  it('needs at least minRequests in the window: 10 of 19 failing does not fire, 10 of 20 does', () => {
    expect(evaluate([[beat('pc1', T0, 0, 0)], [beat('pc1', T0 + 10_000, 19, 10)]]).fire).toEqual([]);
    expect(evaluate([[beat('pc1', T0, 0, 0)], [beat('pc1', T0 + 10_000, 20, 10)]]).fire).toHaveLength(1);
  });

  it('only counts what happened within the window', () => {
    const { fire, http } = evaluate([
      [beat('pc1', T0, 0, 0)],
      [beat('pc1', T0 + 60_000, 100, 50)],
      [beat('pc1', T0 + 400_000, 300, 50)],
    ]);
    // The baseline is the newest sample at or before the window's start (T0 + 100 s): T0 + 60 s.
    expect(http).toMatchObject({ requests: 200, serverErrors: 0 });
    expect(fire).toEqual([]);
  });

  it('starts a new baseline when a node restarts (new instanceId), never counting a negative delta', () => {
    const { http, fire } = evaluate([
      [beat('pc1', T0, 5000, 400)],
      [beat('pc1', T0 + 10_000, 5100, 400)],
      [beat('pc1', T0 + 20_000, 30, 0, 2)],
      [beat('pc1', T0 + 30_000, 130, 1, 2)],
    ]);
    // Only the new process's delta counts: the old one's 100 requests are dropped with its series.
    expect(http).toMatchObject({ requests: 100, serverErrors: 1 });
    expect(fire).toEqual([]);
  });

  it('starts a new baseline when a counter goes down even with the same instanceId', () => {
    const { http } = evaluate([[beat('pc1', T0, 500, 50)], [beat('pc1', T0 + 10_000, 40, 0)], [beat('pc1', T0 + 20_000, 70, 2)]]);
    expect(http).toMatchObject({ requests: 30, serverErrors: 2 });
  });

  it('takes one sample per heartbeat: the same heartbeat seen on two ticks is no new traffic', () => {
    const { http } = evaluate([[beat('pc1', T0, 0, 0)], [beat('pc1', T0 + 10_000, 100, 10)], [beat('pc1', T0 + 10_000, 100, 10)]], [], T0 + 20_000);
    expect(http).toMatchObject({ requests: 100, serverErrors: 10 });
  });

  it('forgets the counters of a node the view forgot', () => {
    const { http } = evaluate([[beat('pc1', T0, 0, 0), beat('pc2', T0, 0, 0)], [beat('pc1', T0 + 10_000, 100, 50), beat('pc2', T0 + 10_000, 100, 0)], [beat('pc2', T0 + 20_000, 200, 0)]]);
    expect(http).toMatchObject({ requests: 200, serverErrors: 0, byNode: { pc2: { requests: 200, serverErrors: 0 } } });
  });

  it('resolves only once this observer has watched a whole window, then says why', () => {
    const quiet = [[beat('pc1', T0, 0, 0)], [beat('pc1', T0 + 10_000, 5, 0)]];
    expect(evaluate(quiet, [OPEN]).resolve).toEqual([]);
    const { resolve } = evaluate(quiet, [OPEN], T0 + WINDOW);
    expect(resolve).toEqual([{ alert: OPEN, reason: 'only 5 HTTP requests in the last 5 min (an error rate needs at least 20)' }]);

    const healthy = evaluate([[beat('pc1', T0, 0, 0)], [beat('pc1', T0 + WINDOW, 1000, 1)]], [OPEN]);
    expect(healthy.resolve).toEqual([{ alert: OPEN, reason: '0.1% of HTTP requests failed with 5xx in the last 5 min (1 of 1000; limit 5%)' }]);
  });
});
