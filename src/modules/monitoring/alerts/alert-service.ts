import { Injectable } from '@nestjs/common';
import type { AlertListDto, AlertsQuery } from '../../../contracts/monitoring/alert.dto.js';

/** Alert rules evaluated over the cluster view. (Stub: filled in by the alerts work.) */
@Injectable()
export class AlertService {
  list(_query: AlertsQuery): Promise<AlertListDto> {
    throw new Error('AlertService.list is not implemented yet');
  }
}
