import { Injectable } from '@nestjs/common';
import type { TarsConfigValues } from '../../../config/config.schema.js';
import type { JobDefinition, JobRunContext } from './job-definition.js';

/** Summarises idle conversations into memory layer 2, embeds the summaries into layer 3 and compacts old raw turns. (Stub: filled in by the jobs work.) */
@Injectable()
export class SynthesisJob implements JobDefinition {
  readonly name = 'synthesis' as const;
  readonly description = 'Summarises idle conversations into memory layer 2, embeds the summaries into layer 3 and compacts old raw turns';

  cron(config: TarsConfigValues): string {
    return config.jobs.synthesis.cron;
  }

  run(_context: JobRunContext): Promise<Record<string, unknown>> {
    return Promise.reject(new Error('synthesis is not implemented yet'));
  }
}
