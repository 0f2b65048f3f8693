import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NatsConnectionService } from '../../../platform/bus/nats-connection.service.js';
import { LocalHeartbeats } from '../../../platform/cluster/local-heartbeats.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import { ClusterView } from './cluster-view.js';
import { parseHeartbeat } from './heartbeat-parser.js';
import { HeartbeatSubscriber } from './heartbeat.subscriber.js';
import { clusterConfig, heartbeat } from './testing/heartbeat.factory.js';

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('HeartbeatSubscriber', () => {
  let metrics: MetricsService;
  let view: ClusterView;
  let local: LocalHeartbeats;
  let sut: HeartbeatSubscriber;
  let warn: ReturnType<typeof vi.spyOn>;

  const rejected = async () => (await metrics.clusterHeartbeatsRejected.get()).values[0]?.value ?? 0;

  beforeEach(() => {
    const config = clusterConfig({}, 'pc1');
    metrics = new MetricsService();
    view = new ClusterView(config, metrics);
    local = new LocalHeartbeats();
    sut = new HeartbeatSubscriber(config, new NatsConnectionService(config), local, view, metrics);
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });

  afterEach(() => {
    sut.onModuleDestroy();
    vi.restoreAllMocks();
  });

  it('takes a heartbeat off the wire into the view', () => {
    expect(sut.receive(bytes(heartbeat('pc2')))).toBe(true);
    expect(view.nodes().map((n) => [n.heartbeat.node, n.state])).toEqual([['pc2', 'up']]);
  });

  it('ignores and counts malformed heartbeats, warning once, and never throws', async () => {
    const valid = heartbeat('pc2');
    const { load: _load, ...withoutLoad } = valid;
    const malformed: unknown[] = [
      bytes('{"node": "pc2", '),
      bytes('null'),
      bytes([valid]),
      bytes(withoutLoad),
      bytes({ ...valid, node: '' }),
      bytes({ ...valid, node: 'pc2; drop' }),
      bytes({ ...valid, roles: 'processing' }),
      bytes({ ...valid, intervalMs: 0 }),
      bytes({ ...valid, sentAt: 'yesterday' }),
      bytes({ ...valid, load: { ...valid.load, rssBytes: -1 } }),
      bytes({ ...valid, queues: [{ name: 'q', pending: '3' }] }),
      bytes({ ...valid, stopping: 'yes' }),
      bytes({ ...valid, roles: ['x'.repeat(70_000)] }),
      42,
    ];
    for (const message of malformed) expect(sut.receive(message)).toBe(false);
    expect(view.nodes()).toEqual([]);
    expect(await rejected()).toBe(malformed.length);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/malformed heartbeat ignored \(not JSON\)/);
  });

  it('accepts a beat of a newer version with fields it does not know, and drops those fields', () => {
    expect(sut.receive(bytes({ ...heartbeat('pc3'), gpu: { temperature: 71 } }))).toBe(true);
    expect(view.nodes()[0].heartbeat).not.toHaveProperty('gpu');
  });

  it('the monitoring node sees itself through its own in-process beats (no NATS needed)', async () => {
    sut.onModuleInit();
    local.deliver(heartbeat('pc1', { roles: ['monitoring', 'api'] }));
    expect(view.list().nodes).toEqual([expect.objectContaining({ node: 'pc1', state: 'up', roles: ['monitoring', 'api'] })]);
    sut.onModuleDestroy();
    local.deliver(heartbeat('pc9'));
    expect(view.nodes().map((n) => n.heartbeat.node)).toEqual(['pc1']);
    expect(await rejected()).toBe(0);
  });
});

describe('parseHeartbeat', () => {
  it('names the first problem with its path', () => {
    const valid = heartbeat('pc2');
    expect(parseHeartbeat(bytes({ ...valid, disk: { ...valid.disk, freePercent: 120 } }))).toEqual({
      ok: false,
      reason: expect.stringMatching(/^disk\.freePercent: /),
    });
    expect(parseHeartbeat('x'.repeat(70_000))).toEqual({ ok: false, reason: expect.stringMatching(/more than a heartbeat can be/) });
  });

  it('keeps a queue whose depth is unknown (-1) with its problem', () => {
    const parsed = parseHeartbeat(bytes(heartbeat('pc2', { queues: [{ name: 'q', pending: -1, problem: 'the depth of queue q did not answer' }] })));
    expect(parsed).toMatchObject({ ok: true, heartbeat: { queues: [{ name: 'q', pending: -1, problem: 'the depth of queue q did not answer' }] } });
  });
});
