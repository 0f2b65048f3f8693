import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { AlertListDto, AlertsQuery } from '../contracts/monitoring/alert.dto.js';
import { MONITORING_CONTRACT, type MonitoringContract } from '../contracts/monitoring/monitoring.contract.js';
import { RequireScope } from '../platform/auth/auth.decorators.js';

@ApiTags('monitoring')
@ApiServiceUnavailableResponse({ description: 'No node serving the monitoring module answered in time' })
@Controller('alerts')
export class AlertsController {
  constructor(@Inject(MONITORING_CONTRACT.token) private readonly monitoring: MonitoringContract) {}

  @Get()
  @RequireScope('read')
  @ApiOperation({
    summary: 'Active alerts and the most recent resolved ones',
    description:
      'Rules node_down, queue_lag, error_rate and disk_low, evaluated by the monitoring nodes over the cluster view. ' +
      'Active: firing now, newest first. Recent: resolved, newest first, with why and when they resolved.',
  })
  @ApiOkResponse({ type: AlertListDto })
  @ApiBadRequestResponse({ description: 'recent is not an integer from 1 to 1000' })
  listAlerts(@Query() query: AlertsQuery): Promise<AlertListDto> {
    return this.monitoring.listAlerts(query);
  }
}
