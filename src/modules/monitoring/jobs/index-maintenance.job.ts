import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { TarsConfigValues } from '../../../config/config.schema.js';
import { TarsConfig } from '../../../config/tars-config.js';
import { PROCESSING_CONTRACT, type ProcessingContract } from '../../../contracts/processing/processing.contract.js';
import type { JobDefinition, JobRunContext } from './job-definition.js';

/**
 * Rebuilds the FAISS indexes without deleted items, then snapshots the index files, on the
 * processing node that answers (through PROCESSING_CONTRACT: local or over NATS).
 */
@Injectable()
export class IndexMaintenanceJob implements JobDefinition {
  readonly name = 'index-maintenance' as const;
  readonly description = 'Rebuilds the FAISS indexes without deleted items and snapshots the index files into <dataDir>/backups/index';

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly config: TarsConfig,
  ) {}

  cron(config: TarsConfigValues): string {
    return config.jobs.indexMaintenance.cron;
  }

  async run(context: JobRunContext): Promise<Record<string, unknown>> {
    // Resolved at run time: the processing contract is bound locally or to NATS, whichever this node has.
    const processing = this.moduleRef.get<ProcessingContract>(PROCESSING_CONTRACT.token, { strict: false });
    const compaction = await processing.compactIndexes({});
    const compacted = compaction.models.map((m) => ({
      model: m.model,
      state: m.state,
      ...(m.before && m.after ? { tombstonesDropped: m.before.tombstones - m.after.tombstones, live: m.after.live } : {}),
      ...(m.error ? { error: m.error } : {}),
    }));
    context.progress({ node: compaction.node, compaction: compacted });
    context.signal.throwIfAborted();

    const backup = await processing.backupIndexes({ keep: this.config.jobs.indexMaintenance.keepBackups });
    const files = backup.models.flatMap((m) => m.files);
    const summary = {
      node: compaction.node,
      compaction: compacted,
      backup: {
        node: backup.node,
        path: backup.path,
        models: backup.models.map((m) => ({ model: m.model, state: m.state, ...(m.reason ? { reason: m.reason } : {}) })),
        files: files.length,
        bytes: files.reduce((sum, f) => sum + f.bytes, 0),
        removed: backup.removed.length,
      },
    };
    const failed = compaction.models.filter((m) => m.state === 'failed');
    if (failed.length > 0) {
      context.progress(summary);
      throw new Error(`compaction failed for ${failed.map((m) => `${m.model} (${m.error})`).join(', ')}; the backup was written to ${backup.path}`);
    }
    return summary;
  }
}
