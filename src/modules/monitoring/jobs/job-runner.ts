import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import { ConflictError, ModuleUnavailableError } from '../../../contracts/errors.js';
import type { JobName } from '../../../contracts/monitoring/job.dto.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import type { JobDefinition } from './job-definition.js';
import { alreadyRunningMessage, decideStart } from './job-lock.js';
import { asHolder, type JobRun, JobRunStore } from './job-run.store.js';

/** How a start attempt ended: a run that now runs here, or why nothing started. */
export type StartResult =
  | { started: true; run: JobRun; finished: Promise<void> }
  | { started: false; reason: 'slot-taken' | 'skipped'; run?: JobRun };

interface ActiveRun {
  run: JobRun;
  controller: AbortController;
  summary: Record<string, unknown>;
  /** Epoch ms until which this node holds the lease for sure (the last renewal it saw succeed). */
  leaseHeldUntil: number;
  done?: Promise<void>;
}

/** Longest wait at shutdown for jobs to notice their abort signal. */
const SHUTDOWN_WAIT_MS = 5_000;
/** Progress is written at most this often (the lease renewal writes it too). */
const PROGRESS_FLUSH_MS = 1_000;
const START_ATTEMPTS = 3;

/**
 * Starts runs under the lock (job_runs), keeps their lease while they run, records how they end,
 * and fails them when the node stops. A run is started by at most one node at a time per job.
 */
@Injectable()
export class JobRunner implements BeforeApplicationShutdown {
  private readonly logger = new Logger('jobs');
  private readonly active = new Map<string, ActiveRun>();
  private stopping = false;

  constructor(
    private readonly store: JobRunStore,
    private readonly config: TarsConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** Runs running on this node now. */
  activeRuns(): JobRun[] {
    return [...this.active.values()].map((a) => a.run);
  }

  /**
   * Tries to start a run: reaps a run whose node died, then inserts. Manual: ConflictError when the
   * job runs already. Scheduled: nothing when another node took the slot; a `skipped` record when
   * the job was still running at the slot.
   */
  async start(definition: JobDefinition, trigger: 'manual' | 'schedule', scheduledFor?: Date): Promise<StartResult> {
    if (this.stopping) throw new ModuleUnavailableError(`node ${this.config.nodeName} is stopping: no job starts`);
    const job = definition.name;
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      for (const reaped of await this.store.reapExpired(job)) this.logger.warn(`job ${job}: run ${reaped.id} failed: ${reaped.error}`);
      const run = await this.store.tryStart({ job, trigger, scheduledFor, node: this.config.nodeName, leaseMs: this.config.jobs.leaseMs });
      const slotHolder = !run && scheduledFor ? await this.store.slotRun(job, scheduledFor) : undefined;
      const running = !run && !slotHolder ? await this.store.running(job) : undefined;
      const decision = decideStart({
        inserted: run !== undefined,
        slotHolder: slotHolder && asHolder(slotHolder),
        running: running && asHolder(running),
      });
      switch (decision.outcome) {
        case 'started':
          return { started: true, run: run!, finished: this.execute(definition, run!) };
        case 'slot-taken':
          this.logger.debug(`job ${job}: slot ${scheduledFor?.toISOString()} taken by node ${decision.holder.node}`);
          return { started: false, reason: 'slot-taken', run: slotHolder };
        case 'busy':
          if (trigger === 'manual') {
            throw new ConflictError(alreadyRunningMessage(job, decision.holder), { job, node: decision.holder.node, runId: decision.holder.id });
          }
          return { started: false, reason: 'skipped', run: await this.recordSkipped(job, scheduledFor!, decision.holder) };
        case 'retry':
          continue;
      }
    }
    throw new ConflictError(`job ${job} could not take its lock after ${START_ATTEMPTS} attempts (runs start and end too fast around it)`, { job });
  }

  private async recordSkipped(job: JobName, scheduledFor: Date, holder: ReturnType<typeof asHolder>): Promise<JobRun | undefined> {
    const reason = `still running at the scheduled time: ${alreadyRunningMessage(job, holder).replace(/^job \S+ is already running /, '')}`;
    const skipped = await this.store.recordSkipped({ job, scheduledFor, node: this.config.nodeName, reason });
    if (skipped) {
      this.metrics.observeJobRun(job, 'skipped', 0);
      this.logger.warn(`job ${job}: slot ${scheduledFor.toISOString()} skipped (${reason})`);
    }
    return skipped;
  }

  private execute(definition: JobDefinition, run: JobRun): Promise<void> {
    const leaseMs = this.config.jobs.leaseMs;
    const active: ActiveRun = { run, controller: new AbortController(), summary: {}, leaseHeldUntil: Date.now() + leaseMs };
    this.active.set(run.id, active);
    this.logger.log(`job ${run.job}: run ${run.id} started (${run.trigger}${run.scheduledFor ? ` for ${run.scheduledFor.toISOString()}` : ''})`);

    const renewal = setInterval(() => void this.renew(active), Math.max(250, Math.floor(leaseMs / 3)));
    renewal.unref();
    let flush: ReturnType<typeof setTimeout> | undefined;
    const progress = (summary: Record<string, unknown>) => {
      Object.assign(active.summary, summary);
      flush ??= setTimeout(() => {
        flush = undefined;
        void this.renew(active);
      }, PROGRESS_FLUSH_MS);
      flush.unref();
    };

    active.done = (async () => {
      const started = Date.now();
      let state: 'succeeded' | 'failed' = 'succeeded';
      let error: string | undefined;
      try {
        const summary = await definition.run({ runId: run.id, signal: active.controller.signal, progress });
        Object.assign(active.summary, summary);
        if (active.controller.signal.aborted) throw active.controller.signal.reason;
      } catch (err) {
        state = 'failed';
        error = err instanceof Error ? err.message : String(err);
      } finally {
        clearInterval(renewal);
        clearTimeout(flush);
      }
      const seconds = (Date.now() - started) / 1000;
      this.active.delete(run.id);
      try {
        const finished = await this.store.finish(run.id, state, active.summary, error);
        if (!finished) {
          if (this.stopping) return;
          this.logger.warn(`job ${run.job}: run ${run.id} ended (${state}) but was no longer running in the database (its lease was taken over or the node stopped)`);
          return;
        }
      } catch (err) {
        this.logger.error(`job ${run.job}: run ${run.id} ended (${state}) but could not be recorded: ${(err as Error).message}`);
        return;
      }
      this.metrics.observeJobRun(run.job, state, seconds);
      const line = `job ${run.job}: run ${run.id} ${state} in ${seconds.toFixed(1)} s ${JSON.stringify(active.summary)}`;
      if (state === 'failed') this.logger.error(`${line}: ${error}`);
      else this.logger.log(line);
    })();
    return active.done;
  }

  /** Extends the lease and stores progress; a run whose lease is gone is aborted (another node may take over). */
  private async renew(active: ActiveRun): Promise<void> {
    if (!this.active.has(active.run.id)) return;
    const leaseMs = this.config.jobs.leaseMs;
    const attemptedAt = Date.now();
    try {
      const held = await this.store.renew(active.run.id, leaseMs, active.summary);
      if (held) {
        active.leaseHeldUntil = attemptedAt + leaseMs;
        return;
      }
      if (!this.active.has(active.run.id)) return; // it ended while the renewal was on its way
      this.abort(active, `run ${active.run.id} lost its lock: another node marked it failed after its lease ran out`);
    } catch (err) {
      this.logger.warn(`job ${active.run.job}: the lease of run ${active.run.id} could not be renewed: ${(err as Error).message}`);
      if (Date.now() > active.leaseHeldUntil) this.abort(active, `run ${active.run.id} lost its lease: the database did not answer for longer than jobs.leaseMs`);
    }
  }

  private abort(active: ActiveRun, reason: string): void {
    if (active.controller.signal.aborted) return;
    this.logger.error(`job ${active.run.job}: ${reason}; stopping it`);
    active.controller.abort(new Error(reason));
  }

  /** Marks this node's runs failed ("node stopped") while the database is still open, then aborts them. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const runs = [...this.active.values()];
    if (runs.length === 0) return;
    const reason = `node ${this.config.nodeName} stopped`;
    await Promise.all(
      runs.map(async (active) => {
        try {
          await this.store.finish(active.run.id, 'failed', active.summary, reason);
          this.metrics.observeJobRun(active.run.job, 'failed', (Date.now() - active.run.startedAt.getTime()) / 1000);
        } catch (err) {
          this.logger.error(`job ${active.run.job}: run ${active.run.id} could not be marked failed at shutdown: ${(err as Error).message}`);
        }
        active.controller.abort(new Error(reason));
      }),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled(runs.map((a) => a.done)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }
}
