import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob, CronTime } from 'cron';
import { TarsConfig } from '../../../config/tars-config.js';
import type { JobName } from '../../../contracts/monitoring/job.dto.js';
import { JOB_DEFINITIONS, type JobDefinition } from './job-definition.js';
import { effectiveTimeZone, slotFor } from './job-lock.js';
import { JobRunner } from './job-runner.js';

const cronName = (job: JobName) => `tars-job:${job}`;

/**
 * The schedule of this node (when `jobs.enabled`): one CronJob per job in Nest's SchedulerRegistry,
 * in `jobs.timezone`. Every node with the schedule fires; the lock in job_runs lets one of them run
 * each slot.
 */
@Injectable()
export class JobScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('jobs');
  readonly timeZone: string;
  /** The slot each job's next tick is expected for. */
  private readonly expected = new Map<JobName, Date>();

  constructor(
    private readonly config: TarsConfig,
    private readonly registry: SchedulerRegistry,
    private readonly runner: JobRunner,
    @Inject(JOB_DEFINITIONS) private readonly definitions: JobDefinition[],
  ) {
    this.timeZone = effectiveTimeZone(config.jobs.timezone);
  }

  onApplicationBootstrap(): void {
    if (!this.config.jobs.enabled) {
      this.logger.log('jobs.enabled is off: this node runs jobs only when asked (POST /jobs/:name/run)');
      return;
    }
    for (const definition of this.definitions) {
      const cron = definition.cron(this.config);
      const job = CronJob.from({
        cronTime: cron,
        timeZone: this.timeZone,
        onTick: () => this.tick(definition),
        start: false,
        unrefTimeout: true,
        // A late timer still fires (slotFor tells which slot it stands for); the default 250 ms would skip it.
        threshold: 60_000,
        name: cronName(definition.name),
      });
      this.expected.set(definition.name, job.nextDate().toJSDate());
      this.registry.addCronJob(cronName(definition.name), job);
      job.start();
      this.logger.log(`job ${definition.name}: "${cron}" (${this.timeZone}), next ${job.nextDate().toISO()}`);
    }
  }

  /** The next scheduled start of a job on this node; undefined when the schedule is off here. */
  nextRunAt(job: JobName): Date | undefined {
    if (!this.registry.doesExist('cron', cronName(job))) return undefined;
    return this.registry.getCronJob(cronName(job)).nextDate().toJSDate();
  }

  /** One cron tick: the slot it stands for, then an attempt to run it (most nodes lose: that is the lock working). */
  async tick(definition: JobDefinition, now = new Date()): Promise<void> {
    const expected = this.expected.get(definition.name) ?? now;
    const cronTime = new CronTime(definition.cron(this.config), this.timeZone);
    const slot = slotFor(cronTime, this.timeZone, expected, now);
    this.expected.set(definition.name, cronTime.getNextDateFrom(slot, this.timeZone).toJSDate());
    await this.fire(definition, slot);
  }

  /** Tries to run a job for a scheduled slot (also what tests call to fire the same slot on several nodes). */
  async fire(definition: JobDefinition, slot: Date): Promise<void> {
    try {
      const result = await this.runner.start(definition, 'schedule', slot);
      if (result.started) await result.finished;
    } catch (err) {
      this.logger.error(`job ${definition.name}: the scheduled run for ${slot.toISOString()} could not start: ${(err as Error).message}`);
    }
  }

  /** Stops the timers before the runner fails what is still running. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const definition of this.definitions) {
      const name = cronName(definition.name);
      if (this.registry.doesExist('cron', name)) {
        await this.registry.getCronJob(name).stop();
        this.registry.deleteCronJob(name);
      }
    }
  }
}
