import { Injectable } from '@nestjs/common';
import type { TarsConfigValues } from '../../../config/config.schema.js';
import type { JobDefinition, JobRunContext } from './job-definition.js';

/** Rebuilds the FAISS indexes without deleted items and snapshots the index files. (Stub: filled in by the jobs work.) */
@Injectable()
export class IndexMaintenanceJob implements JobDefinition {
  readonly name = 'index-maintenance' as const;
  readonly description = 'Rebuilds the FAISS indexes without deleted items and snapshots the index files';

  cron(config: TarsConfigValues): string {
    return config.jobs.indexMaintenance.cron;
  }

  run(_context: JobRunContext): Promise<Record<string, unknown>> {
    return Promise.reject(new Error('index-maintenance is not implemented yet'));
  }
}
