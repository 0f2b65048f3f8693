import { Injectable } from '@nestjs/common';
import type { TarsConfigValues } from '../../../config/config.schema.js';
import type { JobDefinition, JobRunContext } from './job-definition.js';

/** Deletes old job runs, resolved alerts and old stage-latency records. (Stub: filled in by the jobs work.) */
@Injectable()
export class CleanupJob implements JobDefinition {
  readonly name = 'cleanup' as const;
  readonly description = 'Deletes old job runs, resolved alerts and old stage-latency records';

  cron(config: TarsConfigValues): string {
    return config.jobs.cleanup.cron;
  }

  run(_context: JobRunContext): Promise<Record<string, unknown>> {
    return Promise.reject(new Error('cleanup is not implemented yet'));
  }
}
