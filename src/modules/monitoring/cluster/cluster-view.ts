import { Injectable } from '@nestjs/common';
import type { ClusterNodesDto } from '../../../contracts/monitoring/cluster.dto.js';

/** The cluster as this monitoring node hears it: every node's last heartbeat and its state. (Stub: filled in by the cluster work.) */
@Injectable()
export class ClusterView {
  list(): ClusterNodesDto {
    throw new Error('ClusterView.list is not implemented yet');
  }
}
