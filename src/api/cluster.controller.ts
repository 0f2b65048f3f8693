import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ClusterNodesDto } from '../contracts/monitoring/cluster.dto.js';
import { MONITORING_CONTRACT, type MonitoringContract } from '../contracts/monitoring/monitoring.contract.js';
import { RequireScope } from '../platform/auth/auth.decorators.js';

@ApiTags('cluster')
@Controller('cluster')
export class ClusterController {
  constructor(@Inject(MONITORING_CONTRACT.token) private readonly monitoring: MonitoringContract) {}

  @Get('nodes')
  @RequireScope('read')
  @ApiOperation({
    summary: 'Every node of the cluster with its state (up, suspect, down), roles, version, uptime, load and queue depths',
    description:
      'As heard by a node running the monitoring module, from the heartbeats every node publishes each ' +
      'monitoring.heartbeatIntervalMs: suspect after monitoring.suspectAfterMs without one, down after ' +
      'monitoring.downAfterMs (at once after a graceful shutdown), forgotten after monitoring.forgetAfterMs.',
  })
  @ApiOkResponse({ type: ClusterNodesDto })
  @ApiServiceUnavailableResponse({ description: 'No node running the monitoring module answers' })
  listClusterNodes(): Promise<ClusterNodesDto> {
    return this.monitoring.listNodes({});
  }
}
