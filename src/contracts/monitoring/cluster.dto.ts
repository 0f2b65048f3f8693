import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export const NODE_STATES = ['up', 'suspect', 'down'] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** Contract payload: the cluster view (no parameters). */
export class ClusterNodesQuery {}

export class QueueDepthDto {
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Jobs waiting or running; -1 when the depth could not be read' }) pending: number;
  @ApiPropertyOptional({ description: 'Why the queue cannot deliver work, or why its depth is unknown' }) problem?: string;
}

export class HttpTotalsDto {
  @ApiProperty({ description: 'HTTP requests served since the node started (health probes and metric scrapes excluded)' }) requests: number;
  @ApiProperty({ description: 'Of those, answered with a 5xx status' }) serverErrors: number;
  @ApiPropertyOptional({ description: 'Their total duration in seconds (mean latency = Δduration / Δrequests)' }) durationSeconds?: number;
}

export class TrafficTotalsDto {
  @ApiProperty({ description: 'Embedding-cache hits since start (every tier)' }) embeddingCacheHits: number;
  @ApiProperty({ description: 'Embedding-cache misses since start' }) embeddingCacheMisses: number;
  @ApiProperty({ description: 'LLM tokens generated since start' }) llmTokens: number;
}

export class NodeLoadDto {
  @ApiProperty() loadAverage1m: number;
  @ApiProperty() cpuCount: number;
  @ApiProperty({ description: 'CPU of the TARS process between its last two heartbeats, percent of one core' }) processCpuPercent: number;
  @ApiProperty() rssBytes: number;
  @ApiProperty() heapUsedBytes: number;
  @ApiProperty({ description: 'Event-loop delay p99 between its last two heartbeats' }) eventLoopLagMs: number;
  @ApiProperty() memoryAvailableBytes: number;
  @ApiProperty() memoryTotalBytes: number;
}

export class NodeDiskDto {
  @ApiProperty({ description: 'The data folder' }) path: string;
  @ApiProperty() freeBytes: number;
  @ApiProperty() totalBytes: number;
  @ApiProperty() freePercent: number;
}

export class ReadinessCheckStateDto {
  @ApiProperty({ enum: ['up', 'down', 'degraded'] }) status: 'up' | 'down' | 'degraded';
  @ApiPropertyOptional() message?: string;
}

@ApiExtraModels(ReadinessCheckStateDto)
export class NodeReadinessDto {
  @ApiProperty() ready: boolean;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/ReadinessCheckStateDto' }, description: 'Each check of its /health/ready' })
  checks: Record<string, ReadinessCheckStateDto>;
}

export class ClusterNodeDto {
  @ApiProperty() node: string;
  @ApiProperty({ enum: NODE_STATES, description: 'up: heard from recently; suspect: late; down: silent longer than monitoring.downAfterMs' })
  state: NodeState;
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiProperty() version: string;
  @ApiProperty() instanceId: string;
  @ApiProperty() startedAt: string;
  @ApiProperty({ description: 'When the last heartbeat arrived' }) lastSeenAt: string;
  @ApiProperty() secondsSinceLastSeen: number;
  @ApiProperty() uptimeSeconds: number;
  @ApiProperty({ type: NodeLoadDto }) load: NodeLoadDto;
  @ApiProperty({ type: NodeDiskDto, description: 'Free space of the data folder' }) disk: NodeDiskDto;
  @ApiProperty({ type: [QueueDepthDto] }) queues: QueueDepthDto[];
  @ApiProperty({ type: HttpTotalsDto }) http: HttpTotalsDto;
  @ApiPropertyOptional({ type: TrafficTotalsDto }) traffic?: TrafficTotalsDto;
  @ApiPropertyOptional({ type: NodeReadinessDto, description: 'Its readiness checks at its last heartbeat' }) readiness?: NodeReadinessDto;
  @ApiProperty({ description: "The node's own heartbeat period (ms)" }) intervalMs: number;
  @ApiPropertyOptional({ description: 'Since when the node has been in this state' }) stateSince?: string;
  @ApiPropertyOptional({ description: 'The node said it was stopping (graceful shutdown): down without waiting' }) stopping?: boolean;
}

export class ClusterNodesDto {
  @ApiProperty({ description: 'The monitoring node that answered' }) observer: string;
  @ApiProperty() generatedAt: string;
  @ApiProperty({ type: [ClusterNodeDto] }) nodes: ClusterNodeDto[];
}
