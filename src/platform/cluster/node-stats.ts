import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import { TarsConfig } from '../../config/tars-config.js';
import type { NodeHeartbeat, NodeReadiness, QueueDepth } from '../../contracts/monitoring/heartbeat.js';
import { ReadinessChecks } from '../health/readiness-checks.js';
import { type DiskSpace, diskSpace, memoryAvailability } from '../health/system-resources.js';
import { withTimeout } from '../health/with-timeout.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QueueRegistry } from '../queue/queue-registry.js';
import { TARS_VERSION } from '../version.js';

/** A queue depth that takes longer than this is reported as unknown: a heartbeat must not wait for a slow queue. */
const MAX_QUEUE_DEPTH_MS = 1000;

/**
 * What this node reports about itself in each heartbeat. CPU and event-loop delay are measured
 * between two calls of `collect()`, so each heartbeat covers the period since the previous one.
 */
@Injectable()
export class NodeStats implements OnModuleDestroy {
  /** Random per process start (per instance in tests): tells a restarted node from the one before. */
  readonly instanceId = randomUUID();
  private readonly startedAt = new Date(performance.timeOrigin);
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private cpuSince = process.cpuUsage();
  private cpuSinceAt = performance.now();
  private lastReadiness?: NodeReadiness;
  private readinessRunning = false;

  constructor(
    private readonly config: TarsConfig,
    private readonly queues: QueueRegistry,
    private readonly metrics: MetricsService,
    @Optional() private readonly readinessChecks?: ReadinessChecks,
  ) {
    this.loopDelay.enable();
  }

  onModuleDestroy(): void {
    this.loopDelay.disable();
  }

  async collect(): Promise<NodeHeartbeat> {
    const [memory, disk, queues] = await Promise.all([memoryAvailability(), this.disk(), this.queueDepths()]);
    // Readiness checks may take up to health.checkTimeoutMs: a beat carries the last finished result and never waits.
    this.refreshReadiness();
    const readiness = this.lastReadiness;
    return {
      node: this.config.nodeName,
      roles: [...this.config.roles],
      version: TARS_VERSION,
      instanceId: this.instanceId,
      startedAt: this.startedAt.toISOString(),
      sentAt: new Date().toISOString(),
      uptimeSeconds: Math.round(process.uptime()),
      intervalMs: this.config.monitoring.heartbeatIntervalMs,
      load: {
        loadAverage1m: round(loadavg()[0], 2),
        cpuCount: cpus().length,
        processCpuPercent: round(this.cpuPercent(), 1),
        rssBytes: process.memoryUsage.rss(),
        heapUsedBytes: process.memoryUsage().heapUsed,
        eventLoopLagMs: round(this.eventLoopLagMs(), 2),
      },
      memory,
      disk: { ...disk, freePercent: round(disk.freePercent, 2) },
      queues,
      http: this.metrics.httpTotals(),
      traffic: this.metrics.trafficTotals(),
      ...(readiness ? { readiness } : {}),
    };
  }

  private refreshReadiness(): void {
    if (this.readinessRunning || !this.readinessChecks) return;
    this.readinessRunning = true;
    void this.readiness(this.readinessChecks)
      .then((readiness) => (this.lastReadiness = readiness))
      .finally(() => (this.readinessRunning = false));
  }

  /** This node's readiness checks in short (status and message), or nothing when they cannot run. */
  private async readiness(readinessChecks: ReadinessChecks): Promise<NodeReadiness | undefined> {
    try {
      const { ready, result } = await readinessChecks.run();
      const checks: NodeReadiness['checks'] = {};
      for (const [name, check] of Object.entries(result.details ?? {})) {
        const status = check.status === 'up' || check.status === 'degraded' ? check.status : 'down';
        const message = typeof check.message === 'string' ? check.message.slice(0, 500) : undefined;
        checks[name] = message ? { status, message } : { status };
      }
      return { ready, checks };
    } catch {
      return undefined;
    }
  }

  /** CPU time of this process since the previous call, percent of one core. */
  private cpuPercent(): number {
    const used = process.cpuUsage(this.cpuSince);
    const now = performance.now();
    const elapsedMs = now - this.cpuSinceAt;
    this.cpuSince = process.cpuUsage();
    this.cpuSinceAt = now;
    return elapsedMs > 0 ? ((used.user + used.system) / 1000 / elapsedMs) * 100 : 0;
  }

  /** p99 of the event-loop delay since the previous call (the histogram counts nanoseconds). */
  private eventLoopLagMs(): number {
    const p99 = this.loopDelay.percentile(99);
    this.loopDelay.reset();
    return Number.isFinite(p99) ? p99 / 1e6 : 0;
  }

  /** The data folder's file system; before the folder exists, that of its nearest existing parent. */
  private async disk(): Promise<DiskSpace> {
    const wanted = this.config.dataDir;
    for (let path = wanted; ; path = dirname(path)) {
      try {
        return { ...(await diskSpace(path)), path: wanted };
      } catch (err) {
        if (dirname(path) === path) throw err;
      }
    }
  }

  private queueDepths(): Promise<QueueDepth[]> {
    return Promise.all(
      this.queues.list().map(async (queue): Promise<QueueDepth> => {
        const problem = queue.problem ? withTimeout(queue.problem(), MAX_QUEUE_DEPTH_MS, `queue ${queue.name}`).catch(() => undefined) : undefined;
        try {
          const pending = await withTimeout(queue.depth(), MAX_QUEUE_DEPTH_MS, `the depth of queue ${queue.name}`);
          const reason = await problem;
          return reason ? { name: queue.name, pending, problem: reason } : { name: queue.name, pending };
        } catch (err) {
          return { name: queue.name, pending: -1, problem: (err as Error)?.message ?? String(err) };
        }
      }),
    );
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
