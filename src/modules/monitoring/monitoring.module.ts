import { type DynamicModule, Module } from '@nestjs/common';
import { MONITORING_CONTRACT } from '../../contracts/monitoring/monitoring.contract.js';
import { contractMessageHandlers, provideLocalContract } from '../../platform/bus/contract-binding.js';
import { AlertEvaluator } from './alerts/alert-evaluator.js';
import { AlertService } from './alerts/alert-service.js';
import { AlertStore } from './alerts/alert-store.js';
import { AlertWebhook } from './alerts/alert-webhook.js';
import { ClusterView } from './cluster/cluster-view.js';
import { HeartbeatSubscriber } from './cluster/heartbeat.subscriber.js';
import { JobsModule } from './jobs/jobs.module.js';
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
      imports: [JobsModule],
      providers: [
        // cluster
        ClusterView,
        HeartbeatSubscriber,
        // alerts
        AlertService,
        AlertStore,
        AlertWebhook,
        AlertEvaluator,
        // jobs: JobsModule (JobService, the runner with its lock, the schedule)
        ...provideLocalContract(MONITORING_CONTRACT, MonitoringFacade),
      ],
      controllers: options.serveOverNats ? [contractMessageHandlers(MONITORING_CONTRACT)] : [],
      exports: [MONITORING_CONTRACT.token],
    };
  }
}
