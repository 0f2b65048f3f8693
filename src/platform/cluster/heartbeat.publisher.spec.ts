import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TarsConfig } from '../../config/tars-config.js';
import type { NodeHeartbeat } from '../../contracts/monitoring/heartbeat.js';
import { parseHeartbeat } from '../../modules/monitoring/cluster/heartbeat-parser.js';
import { NatsConnectionService } from '../bus/nats-connection.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QueueRegistry } from '../queue/queue-registry.js';
import { TARS_VERSION } from '../version.js';
import { HeartbeatPublisher } from './heartbeat.publisher.js';
import { LocalHeartbeats } from './local-heartbeats.js';
import { NodeStats } from './node-stats.js';

const waitUntil = async (done: () => boolean, limitMs = 10_000) => {
  const deadline = Date.now() + limitMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
};

describe('NodeStats and HeartbeatPublisher (no NATS: beats stay in process)', () => {
  let dataDir: string;
  let config: TarsConfig;
  let queues: QueueRegistry;
  let metrics: MetricsService;
  let stats: NodeStats;
  let local: LocalHeartbeats;
  let beats: NodeHeartbeat[];
  let publisher: HeartbeatPublisher;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tars-cluster-'));
    config = {
      nodeName: 'pc2',
      roles: ['processing', 'monitoring'],
      dataDir: join(dataDir, 'not-created-yet'),
      nats: { url: '', subjectPrefix: 'tarsunit' },
      monitoring: { heartbeatIntervalMs: 60 },
    } as unknown as TarsConfig;
    queues = new QueueRegistry();
    metrics = new MetricsService();
    stats = new NodeStats(config, queues, metrics);
    local = new LocalHeartbeats();
    beats = [];
    local.subscribe((beat) => beats.push(beat));
    publisher = new HeartbeatPublisher(config, new NatsConnectionService(config), stats, local);
  });

  afterEach(async () => {
    await publisher.stop({ farewell: false });
    stats.onModuleDestroy();
    vi.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('carries the last finished readiness checks, without waiting for them', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const checks = {
      run: async () => {
        await gate;
        return {
          ready: false,
          result: { status: 'error', details: { database: { status: 'up' }, disk: { status: 'down', message: 'only 2% free' } } },
        };
      },
    };
    const withChecks = new NodeStats(config, queues, metrics, checks as never);
    try {
      const first = await withChecks.collect();
      expect(first.readiness).toBeUndefined();
      release();
      await new Promise((resolve) => setImmediate(resolve));
      const second = await withChecks.collect();
      expect(second.readiness).toEqual({ ready: false, checks: { database: { status: 'up' }, disk: { status: 'down', message: 'only 2% free' } } });
      expect(parseHeartbeat(JSON.stringify(second))).toMatchObject({ ok: true, heartbeat: { readiness: second.readiness } });
    } finally {
      withChecks.onModuleDestroy();
    }
  });

  it('a heartbeat says who the node is, how loaded, its disk, queue depths and HTTP totals, and passes the view’s validation', async () => {
    queues.register({ name: 'tars_ingest', depth: async () => 7 });
    queues.register({ name: 'tars_questions', depth: async () => 0, problem: async () => 'consumer tars_questions_workers is missing' });
    metrics.observeHttp('GET', '/documents', 200, 0.05);
    metrics.observeHttp('POST', '/chat', 503, 0.2);
    // Probes are not traffic: a not-ready node's 503s to its readiness probe are no error rate.
    metrics.observeHttp('GET', '/health/ready', 503, 0.001);
    metrics.observeHttp('GET', '/metrics', 200, 0.001);
    metrics.observeEmbeddingLookups(3, 1);

    const beat = await stats.collect();
    expect(parseHeartbeat(JSON.stringify(beat))).toMatchObject({ ok: true });
    expect(beat).toMatchObject({
      node: 'pc2',
      roles: ['processing', 'monitoring'],
      version: TARS_VERSION,
      instanceId: stats.instanceId,
      intervalMs: 60,
      queues: [
        { name: 'tars_ingest', pending: 7 },
        { name: 'tars_questions', pending: 0, problem: 'consumer tars_questions_workers is missing' },
      ],
      http: { requests: 2, serverErrors: 1, durationSeconds: 0.25 },
      traffic: { embeddingCacheHits: 3, embeddingCacheMisses: 1, llmTokens: 0 },
    });
    // The data folder does not exist yet: the space of the file system it will be on.
    expect(beat.disk.path).toBe(config.dataDir);
    expect(beat.disk.totalBytes).toBeGreaterThan(0);
    expect(beat.memory.totalBytes).toBeGreaterThan(0);
    expect(beat.load.cpuCount).toBeGreaterThan(0);
    expect(beat.load.rssBytes).toBeGreaterThan(0);
    expect(Date.parse(beat.startedAt)).toBeLessThanOrEqual(Date.parse(beat.sentAt));
    expect(beat.stopping).toBeUndefined();
  });

  it('a queue whose depth does not answer is reported with depth -1 and why, without holding the heartbeat', async () => {
    queues.register({ name: 'stuck', depth: () => new Promise<number>(() => undefined) });
    queues.register({ name: 'broken', depth: async () => Promise.reject(new Error('stream not found')) });
    const beat = await stats.collect();
    expect(beat.queues).toEqual([
      { name: 'stuck', pending: -1, problem: expect.stringMatching(/did not answer within 1000 ms/) },
      { name: 'broken', pending: -1, problem: 'stream not found' },
    ]);
  });

  it('beats right at start, not one period later', async () => {
    (config.monitoring as { heartbeatIntervalMs: number }).heartbeatIntervalMs = 600_000;
    publisher.start();
    await waitUntil(() => beats.length >= 1);
    expect(beats).toHaveLength(1);
  });

  it('beats every heartbeatIntervalMs, then says goodbye with stopping: true on a graceful stop', async () => {
    publisher.start();
    await waitUntil(() => beats.length >= 3);
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(new Set(beats.map((b) => b.instanceId))).toEqual(new Set([stats.instanceId]));

    await publisher.stop({ farewell: true });
    const count = beats.length;
    expect(beats.at(-1)).toMatchObject({ node: 'pc2', stopping: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(beats).toHaveLength(count);
  });

  it('a failing collection is skipped: the next beat goes out as usual', async () => {
    vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    let fail = true;
    const collect = stats.collect.bind(stats);
    stats.collect = () => (fail ? Promise.reject(new Error('statfs failed')) : collect());
    publisher.start();
    await new Promise((r) => setTimeout(r, 150));
    expect(beats).toHaveLength(0);
    fail = false;
    await waitUntil(() => beats.length >= 1);
    expect(beats.length).toBeGreaterThanOrEqual(1);
  });
});
