import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export const NODE_STATES = ['up', 'suspect', 'down'] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** Contract payload: the cluster view (no parameters). */
export class ClusterNodesQuery {}

export class QueueDepthDto {
  @ApiProperty() name: string;
  @ApiProperty() pending: number;
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
  @ApiProperty({ description: 'load average, process CPU %, memory, event-loop lag (as in the heartbeat)' })
  load: Record<string, number>;
  @ApiProperty({ description: 'Free space of the data folder' }) disk: Record<string, number | string>;
  @ApiProperty({ type: [QueueDepthDto] }) queues: QueueDepthDto[];
  @ApiPropertyOptional({ description: 'Since when the node has been in this state' }) stateSince?: string;
}

export class ClusterNodesDto {
  @ApiProperty({ description: 'The monitoring node that answered' }) observer: string;
  @ApiProperty() generatedAt: string;
  @ApiProperty({ type: [ClusterNodeDto] }) nodes: ClusterNodeDto[];
}
