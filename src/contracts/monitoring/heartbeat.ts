/** Subject (below `nats.subjectPrefix`) on which every node publishes its heartbeat; no queue group: every monitoring node hears every node. */
export const HEARTBEAT_SUBJECT = 'cluster.heartbeat';

/** Depth of one work queue as seen by a node that consumes it. */
export interface QueueDepth {
  /** The queue's name (JetStream stream name, or the in-process queue's name). */
  name: string;
  /** Jobs waiting or running, not yet acknowledged; -1 when the depth could not be read (see `problem`). */
  pending: number;
  /** Why the queue cannot deliver work right now, or why its depth is unknown. */
  problem?: string;
}

/** A node's readiness as its heartbeat carries it: each check's status and, when not up, why. */
export interface NodeReadiness {
  ready: boolean;
  checks: Record<string, { status: 'up' | 'down' | 'degraded'; message?: string }>;
}

/**
 * What every node publishes every `monitoring.heartbeatIntervalMs` (plain JSON on core NATS; a lost
 * heartbeat only delays the view). Counters are totals since the node started, so a reader can
 * compute rates from two heartbeats and a restart shows as a counter going down.
 */
export interface NodeHeartbeat {
  node: string;
  roles: string[];
  version: string;
  /** Random per process start: tells a restarted node from the one before. */
  instanceId: string;
  startedAt: string;
  sentAt: string;
  uptimeSeconds: number;
  /** The node's own heartbeat period, so that a reader can judge silence per node. */
  intervalMs: number;
  load: {
    /** 1-minute load average of the machine. */
    loadAverage1m: number;
    cpuCount: number;
    /** CPU used by this process since the previous heartbeat, percent of one core. */
    processCpuPercent: number;
    rssBytes: number;
    heapUsedBytes: number;
    /** Event-loop delay p99 since the previous heartbeat, milliseconds. */
    eventLoopLagMs: number;
  };
  memory: { availableBytes: number; totalBytes: number };
  /** The file system of the node's data folder. */
  disk: { path: string; freeBytes: number; totalBytes: number; freePercent: number };
  /** Work queues this node consumes, with their depth (empty when it consumes none). */
  queues: QueueDepth[];
  /** HTTP requests served since start (probes excluded), those answered with a 5xx status, and their total duration. */
  http: { requests: number; serverErrors: number; durationSeconds?: number };
  /** Totals since start that dashboards turn into rates: embedding-cache hits/misses, LLM tokens generated. */
  traffic?: { embeddingCacheHits: number; embeddingCacheMisses: number; llmTokens: number };
  /** The node's readiness checks when the beat was collected (as in its /health/ready). */
  readiness?: NodeReadiness;
  /** True in the last heartbeat of a node that is shutting down gracefully: the view marks it down at once. */
  stopping?: boolean;
}
