import { type DynamicModule, Module } from '@nestjs/common';
import { MONITORING_CONTRACT } from '../../contracts/monitoring/monitoring.contract.js';
import { contractMessageHandlers, provideLocalContract } from '../../platform/bus/contract-binding.js';
import { AlertService } from './alerts/alert-service.js';
import { ClusterView } from './cluster/cluster-view.js';
import { JobService } from './jobs/job-service.js';
import { MonitoringFacade } from './monitoring.facade.js';

/**
 * Monitoring: the cluster view (heartbeats of every node: up, suspect, down), alert rules over it
 * (logged once, resolved, optionally posted to a webhook), and the scheduled jobs (synthesis,
 * index maintenance, clean-up) with a lock so that each run happens on one node.
 */
@Module({})
export class MonitoringModule {
  static register(options: { serveOverNats: boolean }): DynamicModule {
    return {
      module: MonitoringModule,
      global: true,
      providers: [
        // cluster
        ClusterView,
        // alerts
        AlertService,
        // jobs
        JobService,
        ...provideLocalContract(MONITORING_CONTRACT, MonitoringFacade),
      ],
      controllers: options.serveOverNats ? [contractMessageHandlers(MONITORING_CONTRACT)] : [],
      exports: [MONITORING_CONTRACT.token],
    };
  }
}
