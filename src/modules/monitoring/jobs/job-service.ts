import { Inject, Injectable } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import { NotFoundError, ValidationFailedError } from '../../../contracts/errors.js';
import type { JobListDto, JobRunDto, JobRunIdQuery, JobRunPageDto, JobRunsQuery, RunJobCommand } from '../../../contracts/monitoring/job.dto.js';
import { JOB_DEFINITIONS, type JobDefinition } from './job-definition.js';
import { JobRunner } from './job-runner.js';
import { JobRunStore, toJobRunDto } from './job-run.store.js';
import { JobScheduler } from './job-scheduler.js';

/** Scheduled jobs and their runs, as the monitoring contract offers them. */
@Injectable()
export class JobService {
  constructor(
    private readonly config: TarsConfig,
    private readonly store: JobRunStore,
    private readonly runner: JobRunner,
    private readonly scheduler: JobScheduler,
    @Inject(JOB_DEFINITIONS) private readonly definitions: JobDefinition[],
  ) {}

  async listJobs(): Promise<JobListDto> {
    await this.store.reapExpired();
    const [latest, running] = await Promise.all([this.store.latestPerJob(), this.store.runningJobs()]);
    return {
      jobs: this.definitions.map((definition) => {
        const next = this.scheduler.nextRunAt(definition.name);
        const last = latest.get(definition.name);
        return {
          name: definition.name,
          description: definition.description,
          cron: definition.cron(this.config),
          timezone: this.scheduler.timeZone,
          ...(next ? { nextRunAt: next.toISOString() } : {}),
          ...(last ? { lastRun: toJobRunDto(last) } : {}),
          running: running.has(definition.name),
        };
      }),
    };
  }

  async listRuns(query: JobRunsQuery): Promise<JobRunPageDto> {
    await this.store.reapExpired();
    const { runs, total } = await this.store.list({ job: query.job, limit: query.limit ?? 50, offset: query.offset ?? 0 });
    return { items: runs.map(toJobRunDto), total };
  }

  /** Starts the job now on this node; answers once its run is recorded as running (the work goes on in the background). */
  async run(command: RunJobCommand): Promise<JobRunDto> {
    const definition = this.definitions.find((d) => d.name === command.job);
    if (!definition) throw new ValidationFailedError(`unknown job '${command.job}'`, { fields: ['job'] });
    const result = await this.runner.start(definition, 'manual');
    if (!result.started) throw new Error(`a manual run of ${command.job} did not start (${result.reason})`);
    return toJobRunDto(result.run);
  }

  async getRun(query: JobRunIdQuery): Promise<JobRunDto> {
    await this.store.reapExpired();
    const run = await this.store.get(query.id);
    if (!run) throw new NotFoundError(`no job run with id ${query.id}`, { id: query.id });
    return toJobRunDto(run);
  }
}
