import { z } from 'zod';
import type { NodeHeartbeat } from '../../../contracts/monitoring/heartbeat.js';

/** A heartbeat is a few hundred bytes; anything much larger is not one. */
const MAX_HEARTBEAT_BYTES = 64 * 1024;

const count = z.number().finite().min(0);
const text = (max: number) => z.string().min(1).max(max);
const timestamp = text(64).refine((value) => !Number.isNaN(Date.parse(value)), 'not a date');

/**
 * The heartbeat as the view accepts it. Unknown fields are dropped, not refused, so that a
 * monitoring node keeps hearing nodes of a newer version during a rolling upgrade.
 */
const heartbeatSchema = z.object({
  node: text(64).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
  roles: z.array(text(32)).max(16),
  version: text(64),
  instanceId: text(128),
  startedAt: timestamp,
  sentAt: timestamp,
  uptimeSeconds: count,
  intervalMs: z.number().int().min(1).max(3_600_000),
  load: z.object({
    loadAverage1m: count,
    cpuCount: count,
    processCpuPercent: count,
    rssBytes: count,
    heapUsedBytes: count,
    eventLoopLagMs: count,
  }),
  memory: z.object({ availableBytes: count, totalBytes: count }),
  disk: z.object({ path: z.string().max(4096), freeBytes: count, totalBytes: count, freePercent: z.number().finite().min(0).max(100) }),
  queues: z
    .array(z.object({ name: text(200), pending: z.number().finite().min(-1), problem: z.string().max(1000).optional() }))
    .max(100),
  http: z.object({ requests: count, serverErrors: count, durationSeconds: count.optional() }),
  traffic: z.object({ embeddingCacheHits: count, embeddingCacheMisses: count, llmTokens: count }).optional(),
  readiness: z
    .object({
      ready: z.boolean(),
      checks: z.record(
        text(64),
        z.object({ status: z.enum(['up', 'down', 'degraded']), message: z.string().max(2000).optional() }),
      ),
    })
    .optional(),
  stopping: z.boolean().optional(),
});

export type ParsedHeartbeat = { ok: true; heartbeat: NodeHeartbeat } | { ok: false; reason: string };

/** A heartbeat off the wire (JSON bytes) or from this process, validated; never throws. */
export function parseHeartbeat(input: Uint8Array | string | unknown): ParsedHeartbeat {
  let value: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
    if (size > MAX_HEARTBEAT_BYTES) return { ok: false, reason: `${size} bytes, more than a heartbeat can be` };
    try {
      value = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
    } catch {
      return { ok: false, reason: 'not JSON' };
    }
  }
  const result = heartbeatSchema.safeParse(value);
  // Typed as the contract's NodeHeartbeat: the compiler checks that the schema produces that shape.
  if (result.success) return { ok: true, heartbeat: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') || 'the heartbeat';
  return { ok: false, reason: `${path}: ${issue?.message ?? 'invalid'}` };
}
