import type { NodeState } from '../../src/contracts/monitoring/cluster.dto.js';
import type { NodeHeartbeat } from '../../src/contracts/monitoring/heartbeat.js';
import type { KnownNode } from '../../src/modules/monitoring/cluster/cluster-view.js';

/** A heartbeat of a healthy node named `node`; override what a test is about. */
export function heartbeat(node: string, overrides: Partial<NodeHeartbeat> = {}): NodeHeartbeat {
  return {
    node,
    roles: ['inference', 'memory', 'api'],
    version: '0.1.0',
    instanceId: `${node}-instance-1`,
    startedAt: '2026-01-01T00:00:00.000Z',
    sentAt: '2026-01-01T00:10:00.000Z',
    uptimeSeconds: 600,
    intervalMs: 5000,
    load: { loadAverage1m: 0.5, cpuCount: 8, processCpuPercent: 3, rssBytes: 2e8, heapUsedBytes: 1e8, eventLoopLagMs: 2 },
    memory: { availableBytes: 8 * 1024 ** 3, totalBytes: 16 * 1024 ** 3 },
    disk: { path: '/var/lib/tars', freeBytes: 100 * 1024 ** 3, totalBytes: 200 * 1024 ** 3, freePercent: 50 },
    queues: [],
    http: { requests: 0, serverErrors: 0 },
    ...overrides,
  };
}

/** A node as the cluster view holds it: its last heartbeat, when it arrived, its state. */
export function knownNode(node: string, options: { state?: NodeState; lastSeenAt?: number; beat?: Partial<NodeHeartbeat> } = {}): KnownNode {
  return { heartbeat: heartbeat(node, options.beat), lastSeenAt: options.lastSeenAt ?? Date.now(), state: options.state ?? 'up' };
}
