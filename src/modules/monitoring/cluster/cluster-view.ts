import { Injectable } from '@nestjs/common';
import type { ClusterNodesDto, NodeState } from '../../../contracts/monitoring/cluster.dto.js';
import type { NodeHeartbeat } from '../../../contracts/monitoring/heartbeat.js';

/** One node as the view knows it: its last heartbeat, when it arrived, and its state now. */
export interface KnownNode {
  heartbeat: NodeHeartbeat;
  /** Epoch ms when the last heartbeat arrived (this node's clock). */
  lastSeenAt: number;
  state: NodeState;
}

/** The cluster as this monitoring node hears it: every node's last heartbeat and its state. (Stub: filled in by the cluster work.) */
@Injectable()
export class ClusterView {
  /** The view as the API shows it. */
  list(): ClusterNodesDto {
    throw new Error('ClusterView.list is not implemented yet');
  }

  /** Every known node with its full last heartbeat (alert rules read counters and queues from here). */
  nodes(): KnownNode[] {
    return [];
  }
}
