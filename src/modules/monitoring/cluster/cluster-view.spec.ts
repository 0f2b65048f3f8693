import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import { ClusterView } from './cluster-view.js';
import { clusterConfig, heartbeat } from './testing/heartbeat.factory.js';

/** Silences of the tests: suspect after 3 s, down after 6 s, forgotten after 60 s (heartbeat every 1 s). */
class FakeClock {
  t = Date.parse('2026-03-01T10:00:00.000Z');
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

describe('ClusterView', () => {
  let clock: FakeClock;
  let metrics: MetricsService;
  let sut: ClusterView;
  let warn: ReturnType<typeof vi.spyOn>;
  let info: ReturnType<typeof vi.spyOn>;

  const stateOf = (node: string) => sut.nodes().find((n) => n.heartbeat.node === node)?.state;
  const messages = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map((call) => String(call[0]));

  beforeEach(() => {
    clock = new FakeClock();
    metrics = new MetricsService();
    sut = new ClusterView(clusterConfig(), metrics, clock);
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    info = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => vi.restoreAllMocks());

  it('a node is up while it beats, suspect after suspectAfterMs of silence, down after downAfterMs, forgotten after forgetAfterMs', () => {
    sut.record(heartbeat('pc2'));
    expect(stateOf('pc2')).toBe('up');
    clock.advance(3000);
    expect(stateOf('pc2')).toBe('up');
    clock.advance(1);
    expect(stateOf('pc2')).toBe('suspect');
    clock.advance(2999);
    expect(stateOf('pc2')).toBe('suspect');
    clock.advance(1);
    expect(stateOf('pc2')).toBe('down');
    clock.advance(60_000 - 6001);
    expect(stateOf('pc2')).toBe('down');
    clock.advance(1);
    expect(sut.nodes()).toEqual([]);
  });

  it('logs each change of state once: warnings for suspect and down, info when back up', () => {
    const first = heartbeat('pc2');
    sut.record(first);
    expect(messages(info)).toEqual([expect.stringMatching(/node pc2 joined \(processing; version 1\.2\.3\)/)]);
    clock.advance(3500);
    sut.evaluate();
    sut.evaluate();
    clock.advance(3000);
    sut.evaluate();
    sut.list();
    expect(messages(warn)).toEqual([
      expect.stringMatching(/node pc2 is suspect: no heartbeat for 3\.5 s/),
      expect.stringMatching(/node pc2 is down: no heartbeat for 6\.5 s/),
    ]);
    sut.record({ ...first, sentAt: new Date(clock.now()).toISOString() });
    sut.record({ ...first, sentAt: new Date(clock.now() + 1).toISOString() });
    expect(stateOf('pc2')).toBe('up');
    expect(messages(info).slice(1)).toEqual([expect.stringMatching(/node pc2 is back up \(was down for 0\.0 s\)/)]);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('a restarted node (new instance id) is up again at once; a late beat of the old instance changes nothing', () => {
    const old = heartbeat('pc2', { startedAt: '2026-03-01T09:00:00.000Z' });
    sut.record(old);
    clock.advance(7000);
    expect(stateOf('pc2')).toBe('down');

    const restarted = heartbeat('pc2', { startedAt: '2026-03-01T10:00:06.000Z', uptimeSeconds: 1 });
    sut.record(restarted);
    expect(sut.nodes()).toEqual([expect.objectContaining({ state: 'up', heartbeat: restarted })]);
    expect(messages(info).at(-1)).toMatch(/node pc2 restarted: a new instance is up \(was down/);

    clock.advance(100);
    sut.record({ ...old, sentAt: new Date(clock.now()).toISOString() });
    expect(sut.nodes()[0].heartbeat.instanceId).toBe(restarted.instanceId);
  });

  it('a node whose last beat says it is stopping is down at once; a regular beat of that instance arriving late does not revive it', () => {
    const beat = heartbeat('pc2', { sentAt: '2026-03-01T10:00:00.000Z' });
    sut.record(beat);
    clock.advance(500);
    sut.record({ ...beat, sentAt: '2026-03-01T10:00:00.500Z', stopping: true });
    expect(stateOf('pc2')).toBe('down');
    expect(messages(warn)).toEqual([expect.stringMatching(/node pc2 is down: it is stopping \(graceful shutdown\)/)]);

    sut.record({ ...beat, sentAt: '2026-03-01T10:00:00.400Z' });
    expect(stateOf('pc2')).toBe('down');
    expect(sut.list().nodes[0]).toMatchObject({ state: 'down', stopping: true });

    const next = heartbeat('pc2', { startedAt: '2026-03-01T10:00:02.000Z' });
    sut.record(next);
    expect(stateOf('pc2')).toBe('up');
  });

  it('a beat overtaken on the way by a newer one of the same instance is ignored', () => {
    const beat = heartbeat('pc2', { sentAt: '2026-03-01T10:00:05.000Z', uptimeSeconds: 65 });
    sut.record(beat);
    sut.record({ ...beat, sentAt: '2026-03-01T10:00:04.000Z', uptimeSeconds: 64 });
    expect(sut.nodes()[0].heartbeat.uptimeSeconds).toBe(65);
  });

  it('gives a node whose own heartbeat period is long at least two periods before suspect and three before down', () => {
    sut.record(heartbeat('slow', { intervalMs: 2500 }));
    clock.advance(4999);
    expect(stateOf('slow')).toBe('up');
    clock.advance(2);
    expect(stateOf('slow')).toBe('suspect');
    clock.advance(2499);
    expect(stateOf('slow')).toBe('suspect');
    clock.advance(2);
    expect(stateOf('slow')).toBe('down');
  });

  it('list(): every node sorted by name, with state, silence, load, disk, queues and HTTP totals, as seen by this node', () => {
    sut.record(heartbeat('pc2', { roles: ['processing', 'orchestrator', 'monitoring'] }));
    sut.record(heartbeat('pc1', { roles: ['inference', 'memory', 'api'], queues: [] }));
    clock.advance(3500);
    sut.record(heartbeat('pc1', { roles: ['inference', 'memory', 'api'], queues: [], sentAt: new Date(clock.now()).toISOString() }));

    const view = sut.list();
    expect(view.observer).toBe('observer');
    expect(view.generatedAt).toBe(new Date(clock.now()).toISOString());
    expect(view.nodes.map((n) => [n.node, n.state, n.secondsSinceLastSeen])).toEqual([
      ['pc1', 'up', 0],
      ['pc2', 'suspect', 3.5],
    ]);
    expect(view.nodes[1]).toMatchObject({
      roles: ['processing', 'orchestrator', 'monitoring'],
      version: '1.2.3',
      uptimeSeconds: 60,
      intervalMs: 1000,
      load: { loadAverage1m: 0.5, cpuCount: 4, processCpuPercent: 3.5, eventLoopLagMs: 1.2, memoryAvailableBytes: 4e9, memoryTotalBytes: 8e9 },
      disk: { path: '/var/lib/tars', freePercent: 50 },
      queues: [{ name: 'tars_ingest', pending: 2 }],
      http: { requests: 10, serverErrors: 0 },
      stateSince: new Date(clock.now()).toISOString(),
    });
    expect(view.nodes[1].stopping).toBeUndefined();
  });

  it('nodes() hands out copies: changing them does not change the view', () => {
    sut.record(heartbeat('pc2'));
    sut.nodes()[0].state = 'down';
    expect(stateOf('pc2')).toBe('up');
  });

  it('exports how many nodes are in each state as tars_cluster_nodes{state}', async () => {
    sut.record(heartbeat('a'));
    sut.record(heartbeat('b'));
    clock.advance(2000);
    sut.record(heartbeat('c'));
    clock.advance(1500);
    sut.evaluate();
    const values = (await metrics.clusterNodes.get()).values.map((v) => [v.labels.state, v.value]);
    expect(Object.fromEntries(values)).toEqual({ up: 1, suspect: 2, down: 0 });
  });
});
