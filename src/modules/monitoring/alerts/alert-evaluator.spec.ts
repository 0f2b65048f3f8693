import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testConfig } from '../../../../test/support/config.js';
import { knownNode } from '../../../../test/support/known-node.factory.js';
import type { TarsConfig } from '../../../config/tars-config.js';
import type { AlertDto } from '../../../contracts/monitoring/alert.dto.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import type { ClusterView, KnownNode } from '../cluster/cluster-view.js';
import type { AlertCondition, OpenAlert } from './alert-condition.js';
import { AlertEvaluator } from './alert-evaluator.js';
import type { AlertStore } from './alert-store.js';
import type { AlertWebhook } from './alert-webhook.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const INTERVAL = 10_000;
const SUSPECT = 12_000;

/** The store's contract in memory: one open alert per rule and subject; `down` makes every call fail. */
class MemoryStore {
  alerts: AlertDto[] = [];
  down = false;
  fireCalls = 0;

  private check(): void {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
  }
  async open(): Promise<OpenAlert[]> {
    this.check();
    return this.alerts.filter((a) => a.state === 'firing').map((a) => ({ id: a.id, rule: a.rule, subject: a.subject, firedAt: Date.parse(a.firedAt) }));
  }
  async fire(c: AlertCondition, node: string): Promise<AlertDto | undefined> {
    this.check();
    this.fireCalls += 1;
    if (this.alerts.some((a) => a.state === 'firing' && a.rule === c.rule && a.subject === c.subject)) return undefined;
    const alert: AlertDto = { id: `a${this.alerts.length + 1}`, ...c, state: 'firing', firedAt: new Date().toISOString(), firedBy: node };
    this.alerts.push(alert);
    return alert;
  }
  async resolve(id: string, reason: string, node: string): Promise<AlertDto | undefined> {
    this.check();
    const alert = this.alerts.find((a) => a.id === id && a.state === 'firing');
    if (!alert) return undefined;
    Object.assign(alert, { state: 'resolved', resolvedAt: new Date().toISOString(), resolvedBy: node, resolution: reason });
    return { ...alert };
  }
}

let nodes: KnownNode[];
let store: MemoryStore;
let webhook: { notify: ReturnType<typeof vi.fn>; drain: () => Promise<void> };
let metrics: MetricsService;
let logs: { level: string; message: string }[];

function evaluator(name = 'mon'): AlertEvaluator {
  const config = testConfig({ TARS_NODE_NAME: name, TARS_MONITORING_SUSPECT_AFTER_MS: String(SUSPECT), TARS_MONITORING_ALERTS_EVALUATE_INTERVAL_MS: String(INTERVAL) });
  const view = { nodes: () => nodes } as unknown as ClusterView;
  return new AlertEvaluator(config as TarsConfig, view, store as unknown as AlertStore, webhook as unknown as AlertWebhook, metrics);
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0, toFake: ['Date'] });
  nodes = [knownNode('mon', { lastSeenAt: T0 }), knownNode('pc1', { state: 'down', lastSeenAt: T0 - 30_000 })];
  store = new MemoryStore();
  webhook = { notify: vi.fn(), drain: async () => undefined };
  metrics = new MetricsService();
  logs = [];
  for (const level of ['warn', 'error', 'log', 'debug'] as const) {
    vi.spyOn(Logger.prototype, level).mockImplementation((message: unknown) => void logs.push({ level, message: String(message) }));
  }
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('AlertEvaluator', () => {
  it('fires a condition once across several ticks: one warning, one webhook notification', async () => {
    const sut = evaluator();
    for (let i = 1; i <= 3; i++) await sut.tick(T0 + i * INTERVAL);
    expect(store.alerts).toEqual([expect.objectContaining({ rule: 'node_down', subject: 'pc1', state: 'firing', firedBy: 'mon' })]);
    expect(logs.filter((l) => l.level === 'warn')).toEqual([{ level: 'warn', message: expect.stringMatching(/^alert firing: node_down pc1: node pc1 is down/) }]);
    expect(webhook.notify).toHaveBeenCalledTimes(1);
    expect(webhook.notify).toHaveBeenCalledWith('firing', expect.objectContaining({ subject: 'pc1' }), { nodes: 2, up: 1, suspect: 0, down: 1 });
    // Already open: later ticks do not even try to insert it again.
    expect(store.fireCalls).toBe(1);
  });

  it('resolves once when the condition clears: one info line, one resolved notification', async () => {
    const sut = evaluator();
    await sut.tick(T0 + INTERVAL);
    nodes = [knownNode('mon'), knownNode('pc1')];
    await sut.tick(T0 + 2 * INTERVAL);
    await sut.tick(T0 + 3 * INTERVAL);
    expect(store.alerts).toEqual([expect.objectContaining({ state: 'resolved', resolution: 'node pc1 is up again', resolvedBy: 'mon' })]);
    expect(logs.filter((l) => l.level === 'log')).toEqual([{ level: 'log', message: expect.stringMatching(/^alert resolved: node_down pc1: node pc1 is up again/) }]);
    expect(webhook.notify.mock.calls.map((c) => c[0])).toEqual(['firing', 'resolved']);
  });

  it('logs and notifies nothing when another monitoring node won the transition', async () => {
    await evaluator('mon-a').evaluate(T0);
    await evaluator('mon-b').evaluate(T0);
    expect(store.alerts).toHaveLength(1);
    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(webhook.notify).toHaveBeenCalledTimes(1);
  });

  it('waits one suspect period after start before judging (a fresh view is incomplete)', async () => {
    const sut = evaluator();
    sut.start(T0);
    await sut.tick(T0 + INTERVAL);
    expect(store.alerts).toEqual([]);
    await sut.tick(T0 + 2 * INTERVAL);
    expect(store.alerts).toHaveLength(1);
    await sut.beforeApplicationShutdown();
  });

  it('after a stall of its own process, waits one suspect period again', async () => {
    const sut = evaluator();
    await sut.tick(T0);
    expect(store.alerts).toHaveLength(1);
    nodes = [knownNode('mon'), knownNode('pc1'), knownNode('pc2', { state: 'down', lastSeenAt: T0 })];
    const late = T0 + INTERVAL + SUSPECT + 5000;
    await sut.tick(late);
    expect(store.alerts).toHaveLength(1);
    expect(logs).toContainEqual({ level: 'warn', message: expect.stringContaining('this process was stalled') });
    await sut.tick(late + SUSPECT);
    expect(store.alerts.map((a) => [a.subject, a.state])).toEqual([
      ['pc1', 'resolved'],
      ['pc2', 'firing'],
    ]);
  });

  it('never throws when the database fails: logs once per outage, says when it works again, then catches up', async () => {
    const sut = evaluator();
    store.down = true;
    for (let i = 1; i <= 3; i++) await expect(sut.tick(T0 + i * INTERVAL)).resolves.toBeUndefined();
    expect(logs.filter((l) => l.level === 'error')).toEqual([{ level: 'error', message: expect.stringContaining('alert evaluation failed: connect ECONNREFUSED') }]);
    store.down = false;
    await sut.tick(T0 + 4 * INTERVAL);
    expect(logs).toContainEqual({ level: 'log', message: 'alert evaluation works again' });
    expect(store.alerts).toHaveLength(1);
  });

  it('exports the open alerts per rule as tars_alerts_firing', async () => {
    nodes = [...nodes, knownNode('pc2', { state: 'down', lastSeenAt: T0 - 30_000 })];
    await evaluator().evaluate(T0);
    const values = (await metrics.alertsFiring.get()).values.map((v) => [v.labels.rule, v.value]);
    expect(Object.fromEntries(values)).toEqual({ node_down: 2, queue_lag: 0, error_rate: 0, disk_low: 0 });
  });
});
