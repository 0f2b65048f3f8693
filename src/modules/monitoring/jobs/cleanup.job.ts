import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { TarsConfigValues } from '../../../config/config.schema.js';
import { TarsConfig } from '../../../config/tars-config.js';
import type { JobDefinition, JobRunContext } from './job-definition.js';
import { JobRunStore } from './job-run.store.js';

const DAY_MS = 86_400_000;

/** Old rows of the other tables this job trims: a table that does not exist (yet) on this install is skipped. */
const TRIMMED = [
  { key: 'resolvedAlerts', table: 'monitoring_alerts', where: 'resolved_at < $1' },
  { key: 'stageLatencies', table: 'stage_latencies', where: 'at < $1' },
  { key: 'scoreHistory', table: 'score_history', where: 'at < $1' },
] as const;

/** Deletes job runs, resolved alerts and question metrics (stage latencies, score history) older than jobs.cleanup.keepDays. */
@Injectable()
export class CleanupJob implements JobDefinition {
  readonly name = 'cleanup' as const;
  readonly description = 'Deletes old job runs, resolved alerts, stage latencies and score history (older than jobs.cleanup.keepDays)';

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: JobRunStore,
    private readonly config: TarsConfig,
  ) {}

  cron(config: TarsConfigValues): string {
    return config.jobs.cleanup.cron;
  }

  async run(context: JobRunContext): Promise<Record<string, unknown>> {
    const cutoff = new Date(Date.now() - this.config.jobs.cleanup.keepDays * DAY_MS);
    const summary: Record<string, unknown> = { cutoff: cutoff.toISOString(), jobRuns: await this.store.deleteFinishedBefore(cutoff) };
    context.progress(summary);
    const missing: string[] = [];
    for (const { key, table, where } of TRIMMED) {
      context.signal.throwIfAborted();
      const [{ present }] = await this.db.query('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
      if (!present) {
        missing.push(table);
        continue;
      }
      const [{ deleted }] = await this.db.query(
        `WITH gone AS (DELETE FROM ${table} WHERE ${where} RETURNING 1) SELECT count(*)::int AS deleted FROM gone`,
        [cutoff],
      );
      summary[key] = Number(deleted);
      context.progress(summary);
    }
    if (missing.length > 0) summary.skippedTables = missing;
    return summary;
  }
}
