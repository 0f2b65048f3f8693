import type { TarsConfigValues } from '../../../config/config.schema.js';
import type { JobName } from '../../../contracts/monitoring/job.dto.js';

/** What a running job gets: its run id, a signal aborted when the node stops, and a way to record progress. */
export interface JobRunContext {
  runId: string;
  signal: AbortSignal;
  /** Merges counts into the run's summary (stored, visible in GET /jobs/runs while it runs). */
  progress(summary: Record<string, unknown>): void;
}

/** One scheduled job: its name, what it does, its schedule from config, and the work (returns the run's summary). */
export interface JobDefinition {
  readonly name: JobName;
  readonly description: string;
  cron(config: TarsConfigValues): string;
  run(context: JobRunContext): Promise<Record<string, unknown>>;
}

/** Injection token of every JobDefinition of the node (synthesis, index-maintenance, cleanup). */
export const JOB_DEFINITIONS = 'JobDefinitions';
