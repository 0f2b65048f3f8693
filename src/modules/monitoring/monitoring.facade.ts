import { Injectable } from '@nestjs/common';
import type { AlertListDto, AlertsQuery } from '../../contracts/monitoring/alert.dto.js';
import type { ClusterNodesDto, ClusterNodesQuery } from '../../contracts/monitoring/cluster.dto.js';
import type { JobListDto, JobRunDto, JobRunIdQuery, JobRunPageDto, JobRunsQuery, JobsQuery, RunJobCommand } from '../../contracts/monitoring/job.dto.js';
import type { MonitoringContract } from '../../contracts/monitoring/monitoring.contract.js';
import { AlertService } from './alerts/alert-service.js';
import { ClusterView } from './cluster/cluster-view.js';
import { JobService } from './jobs/job-service.js';

/** The monitoring contract on the node that runs the module: one call per part. */
@Injectable()
export class MonitoringFacade implements MonitoringContract {
  constructor(
    private readonly cluster: ClusterView,
    private readonly alerts: AlertService,
    private readonly jobs: JobService,
  ) {}

  listNodes(_query: ClusterNodesQuery): Promise<ClusterNodesDto> {
    return Promise.resolve(this.cluster.list());
  }
  listAlerts(query: AlertsQuery): Promise<AlertListDto> {
    return this.alerts.list(query);
  }
  listJobs(_query: JobsQuery): Promise<JobListDto> {
    return this.jobs.listJobs();
  }
  listJobRuns(query: JobRunsQuery): Promise<JobRunPageDto> {
    return this.jobs.listRuns(query);
  }
  runJob(command: RunJobCommand): Promise<JobRunDto> {
    return this.jobs.run(command);
  }
  getJobRun(query: JobRunIdQuery): Promise<JobRunDto> {
    return this.jobs.getRun(query);
  }
}
