import { defineContract } from '../contract.js';
import { AlertsQuery, type AlertListDto } from './alert.dto.js';
import { ClusterNodesQuery, type ClusterNodesDto } from './cluster.dto.js';
import { JobsQuery, type JobListDto, JobRunsQuery, type JobRunPageDto, type JobRunDto, JobRunIdQuery, RunJobCommand } from './job.dto.js';

/** The monitoring module: cluster view from heartbeats, alerts, scheduled jobs. */
export interface MonitoringContract {
  /** Every node heard from (until forgotten), with its state: up, suspect or down. */
  listNodes(query: ClusterNodesQuery): Promise<ClusterNodesDto>;
  /** Active alerts and recent resolved ones. */
  listAlerts(query: AlertsQuery): Promise<AlertListDto>;
  /** The scheduled jobs with their schedule and last run. */
  listJobs(query: JobsQuery): Promise<JobListDto>;
  /** Recorded runs, newest first. */
  listJobRuns(query: JobRunsQuery): Promise<JobRunPageDto>;
  /** Starts a job now and answers with its run (state running); ConflictError when it is already running somewhere. */
  runJob(command: RunJobCommand): Promise<JobRunDto>;
  /** One run; NotFoundError when unknown. */
  getJobRun(query: JobRunIdQuery): Promise<JobRunDto>;
}

export const MONITORING_CONTRACT = defineContract<MonitoringContract>({
  module: 'monitoring',
  token: 'MonitoringContract',
  methods: {
    listNodes: { subject: 'monitoring.nodes.list', request: ClusterNodesQuery },
    listAlerts: { subject: 'monitoring.alerts.list', request: AlertsQuery },
    listJobs: { subject: 'monitoring.jobs.list', request: JobsQuery },
    listJobRuns: { subject: 'monitoring.jobs.runs', request: JobRunsQuery },
    runJob: { subject: 'monitoring.jobs.run', request: RunJobCommand },
    getJobRun: { subject: 'monitoring.jobs.get', request: JobRunIdQuery },
  },
});
