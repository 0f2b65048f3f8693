import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit, Optional } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import type { ClusterNodeDto, ClusterNodesDto, NodeState } from '../../../contracts/monitoring/cluster.dto.js';
import type { NodeHeartbeat } from '../../../contracts/monitoring/heartbeat.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';

/** One node as the view knows it: its last heartbeat, when it arrived, and its state now. */
export interface KnownNode {
  heartbeat: NodeHeartbeat;
  /** Epoch ms when the last heartbeat arrived (this node's clock). */
  lastSeenAt: number;
  state: NodeState;
  /** Epoch ms since when the node has been in `state`. */
  stateSince?: number;
}

/** Where the view reads the time (tests inject their own). */
export interface Clock {
  now(): number;
}
export const CLUSTER_CLOCK = 'ClusterClock';
const systemClock: Clock = { now: () => Date.now() };

/** Silence thresholds of one node, in ms. */
interface Thresholds {
  suspectAfterMs: number;
  downAfterMs: number;
  forgetAfterMs: number;
}

/**
 * The cluster as this monitoring node hears it: every node's last heartbeat and its state.
 * A node is `up` while it beats, `suspect` after `monitoring.suspectAfterMs` of silence, `down`
 * after `monitoring.downAfterMs` (at once when its last beat said it was stopping), and forgotten
 * after `monitoring.forgetAfterMs`. Silence is measured on this node's clock, from the arrival of
 * the last beat, so clocks of other PCs do not matter. A node whose own heartbeat period is long
 * gets at least two periods before suspect and three before down. A beat with a new instance id
 * is a restart: the node is up again. Each change of state is logged once.
 */
@Injectable()
export class ClusterView implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('cluster');
  private readonly known = new Map<string, KnownNode>();
  private readonly clock: Clock;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: TarsConfig,
    private readonly metrics: MetricsService,
    @Optional() @Inject(CLUSTER_CLOCK) clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  /** Re-evaluates states on a timer, so that a silent node is logged (and counted) as it goes suspect and down. */
  onModuleInit(): void {
    const { heartbeatIntervalMs, suspectAfterMs } = this.config.monitoring;
    const everyMs = Math.min(1000, Math.max(50, Math.min(heartbeatIntervalMs, suspectAfterMs) / 4));
    this.timer = setInterval(() => this.evaluate(), everyMs);
    this.timer.unref();
    this.updateGauge();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Takes in a validated heartbeat. */
  record(beat: NodeHeartbeat): void {
    const now = this.clock.now();
    const known = this.known.get(beat.node);
    if (known && this.isStale(known.heartbeat, beat)) return;
    const restarted = known !== undefined && known.heartbeat.instanceId !== beat.instanceId;
    const state: NodeState = beat.stopping ? 'down' : 'up';
    const keepsState = known !== undefined && !restarted && known.state === state;
    this.known.set(beat.node, { heartbeat: beat, lastSeenAt: now, state, stateSince: keepsState ? known.stateSince : now });

    if (!known) {
      if (state === 'up') this.logger.log(`node ${beat.node} joined (${beat.roles.join(', ')}; version ${beat.version})`);
    } else if (restarted && state === 'up') {
      const before = known.state === 'up' ? '' : ` (was ${known.state} for ${seconds(now - (known.stateSince ?? known.lastSeenAt))})`;
      this.logger.log(`node ${beat.node} restarted: a new instance is up${before}`);
    } else if (known.state !== state) {
      this.logTransition(beat.node, known, state, now, beat.stopping === true);
    }
    this.updateGauge();
  }

  /** Brings every node's state up to date with the time: suspect, down, forgotten. */
  evaluate(): void {
    const now = this.clock.now();
    for (const [name, node] of this.known) {
      const silence = now - node.lastSeenAt;
      const limits = this.thresholds(node.heartbeat);
      if (silence > limits.forgetAfterMs) {
        this.known.delete(name);
        this.logger.log(`node ${name} forgotten: no heartbeat for ${seconds(silence)}`);
        continue;
      }
      const state = stateAfter(node.heartbeat, silence, limits);
      if (state === node.state) continue;
      this.logTransition(name, node, state, now, node.heartbeat.stopping === true);
      node.state = state;
      node.stateSince = now;
    }
    this.updateGauge();
  }

  /** The view as the API shows it. */
  list(): ClusterNodesDto {
    const now = this.clock.now();
    return {
      observer: this.config.nodeName,
      generatedAt: new Date(now).toISOString(),
      nodes: this.nodes().map((node) => toDto(node, now)),
    };
  }

  /** Every known node with its full last heartbeat and its state now (alert rules read counters and queues from here). */
  nodes(): KnownNode[] {
    this.evaluate();
    return [...this.known.values()]
      .sort((a, b) => a.heartbeat.node.localeCompare(b.heartbeat.node))
      .map((node) => ({ ...node }));
  }

  /** Per node: the configured silences, never shorter than two (suspect) or three (down) of its own heartbeat periods. */
  private thresholds(beat: NodeHeartbeat): Thresholds {
    const { suspectAfterMs, downAfterMs, forgetAfterMs } = this.config.monitoring;
    const down = Math.max(downAfterMs, 3 * beat.intervalMs);
    return {
      suspectAfterMs: Math.min(Math.max(suspectAfterMs, 2 * beat.intervalMs), down),
      downAfterMs: down,
      forgetAfterMs: Math.max(forgetAfterMs, down),
    };
  }

  /** A beat older than the one kept: a late beat of the instance before a restart, or one overtaken on the way. */
  private isStale(kept: NodeHeartbeat, beat: NodeHeartbeat): boolean {
    if (kept.instanceId !== beat.instanceId) return Date.parse(beat.startedAt) < Date.parse(kept.startedAt);
    if (kept.stopping && !beat.stopping) return true;
    return Date.parse(beat.sentAt) < Date.parse(kept.sentAt);
  }

  private logTransition(name: string, before: KnownNode, state: NodeState, now: number, stopping: boolean): void {
    const silence = seconds(now - before.lastSeenAt);
    if (state === 'down') {
      const why = stopping ? 'it is stopping (graceful shutdown)' : `no heartbeat for ${silence}`;
      this.logger.warn(`node ${name} is down: ${why}`);
    } else if (state === 'suspect') {
      this.logger.warn(`node ${name} is suspect: no heartbeat for ${silence}`);
    } else {
      this.logger.log(`node ${name} is back up (was ${before.state} for ${seconds(now - (before.stateSince ?? before.lastSeenAt))})`);
    }
  }

  private updateGauge(): void {
    const counts: Record<NodeState, number> = { up: 0, suspect: 0, down: 0 };
    for (const node of this.known.values()) counts[node.state] += 1;
    this.metrics.setClusterNodes(counts);
  }
}

function stateAfter(beat: NodeHeartbeat, silenceMs: number, limits: Thresholds): NodeState {
  if (beat.stopping || silenceMs > limits.downAfterMs) return 'down';
  return silenceMs > limits.suspectAfterMs ? 'suspect' : 'up';
}

function toDto(node: KnownNode, now: number): ClusterNodeDto {
  const beat = node.heartbeat;
  const dto: ClusterNodeDto = {
    node: beat.node,
    state: node.state,
    roles: beat.roles,
    version: beat.version,
    instanceId: beat.instanceId,
    startedAt: beat.startedAt,
    lastSeenAt: new Date(node.lastSeenAt).toISOString(),
    secondsSinceLastSeen: Math.max(0, Math.round((now - node.lastSeenAt) / 100) / 10),
    uptimeSeconds: beat.uptimeSeconds,
    load: { ...beat.load, memoryAvailableBytes: beat.memory.availableBytes, memoryTotalBytes: beat.memory.totalBytes },
    disk: { ...beat.disk },
    queues: beat.queues.map((queue) => ({ ...queue })),
    http: { ...beat.http },
    ...(beat.traffic ? { traffic: { ...beat.traffic } } : {}),
    ...(beat.readiness ? { readiness: { ready: beat.readiness.ready, checks: { ...beat.readiness.checks } } } : {}),
    intervalMs: beat.intervalMs,
    stateSince: node.stateSince !== undefined ? new Date(node.stateSince).toISOString() : undefined,
  };
  if (beat.stopping) dto.stopping = true;
  return dto;
}

/** "12.3 s" */
function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}
