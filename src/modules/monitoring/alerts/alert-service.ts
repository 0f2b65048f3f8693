import { Injectable } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import type { AlertListDto, AlertsQuery } from '../../../contracts/monitoring/alert.dto.js';
import { AlertStore } from './alert-store.js';

/** How many resolved alerts a list shows when the query does not say. */
const DEFAULT_RECENT = 50;

/** Alerts as the monitoring contract shows them: every active one and the most recent resolved ones. */
@Injectable()
export class AlertService {
  constructor(
    private readonly config: TarsConfig,
    private readonly store: AlertStore,
  ) {}

  list(query: AlertsQuery): Promise<AlertListDto> {
    const recent = Math.min(query.recent ?? DEFAULT_RECENT, this.config.monitoring.alerts.keepResolved);
    return this.store.list(recent);
  }
}
