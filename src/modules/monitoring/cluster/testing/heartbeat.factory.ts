import { randomUUID } from 'node:crypto';
import type { TarsConfig } from '../../../../config/tars-config.js';
import type { NodeHeartbeat } from '../../../../contracts/monitoring/heartbeat.js';

/** A valid heartbeat of node `node`, fields overridable. */
export function heartbeat(node: string, overrides: Partial<NodeHeartbeat> = {}): NodeHeartbeat {
  return {
    node,
    roles: ['processing'],
    version: '1.2.3',
    instanceId: randomUUID(),
    startedAt: '2026-01-01T00:00:00.000Z',
    sentAt: '2026-03-01T10:00:00.000Z',
    uptimeSeconds: 60,
    intervalMs: 1000,
    load: { loadAverage1m: 0.5, cpuCount: 4, processCpuPercent: 3.5, rssBytes: 100e6, heapUsedBytes: 50e6, eventLoopLagMs: 1.2 },
    memory: { availableBytes: 4e9, totalBytes: 8e9 },
    disk: { path: '/var/lib/tars', freeBytes: 50e9, totalBytes: 100e9, freePercent: 50 },
    queues: [{ name: 'tars_ingest', pending: 2 }],
    http: { requests: 10, serverErrors: 0 },
    ...overrides,
  };
}

/** The settings the cluster view reads, as a node config. */
export function clusterConfig(monitoring: Partial<TarsConfig['monitoring']> = {}, nodeName = 'observer'): TarsConfig {
  return {
    nodeName,
    nats: { url: '', subjectPrefix: 'tarsunit' },
    monitoring: { heartbeatIntervalMs: 1000, suspectAfterMs: 3000, downAfterMs: 6000, forgetAfterMs: 60_000, ...monitoring },
  } as unknown as TarsConfig;
}
