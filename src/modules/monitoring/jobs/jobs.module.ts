import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CleanupJob } from './cleanup.job.js';
import { IndexMaintenanceJob } from './index-maintenance.job.js';
import { JOB_DEFINITIONS } from './job-definition.js';
import { JobRunStore } from './job-run.store.js';
import { JobRunner } from './job-runner.js';
import { JobScheduler } from './job-scheduler.js';
import { JobService } from './job-service.js';
import { SummaryPrompt } from './summary-prompt.js';
import { SynthesisJob } from './synthesis.job.js';

/**
 * The scheduled jobs of a monitoring node: their definitions, the runner with its lock in
 * PostgreSQL (job_runs), and the schedule (Nest's SchedulerRegistry) when `jobs.enabled`.
 */
@Module({
  imports: [ScheduleModule.forRoot()],
  providers: [
    JobRunStore,
    JobRunner,
    JobScheduler,
    JobService,
    SummaryPrompt,
    SynthesisJob,
    IndexMaintenanceJob,
    CleanupJob,
    {
      provide: JOB_DEFINITIONS,
      useFactory: (...jobs: unknown[]) => jobs,
      inject: [SynthesisJob, IndexMaintenanceJob, CleanupJob],
    },
  ],
  exports: [JobService],
})
export class JobsModule {}
