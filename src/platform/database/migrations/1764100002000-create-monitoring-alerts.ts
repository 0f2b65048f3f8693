import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts of the monitoring module (issue 6). At most one open alert per rule and subject (the
 * partial unique index): every monitoring node evaluates the rules, and the one whose INSERT wins
 * (or whose UPDATE resolves) is the one that logs it and posts the webhook, so each transition is
 * reported once. Old resolved rows are deleted by the clean-up job.
 */
export class CreateMonitoringAlerts1764100002000 implements MigrationInterface {
  name = 'CreateMonitoringAlerts1764100002000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE monitoring_alerts (
        id uuid PRIMARY KEY,
        rule text NOT NULL CHECK (rule IN ('node_down', 'queue_lag', 'error_rate', 'disk_low')),
        subject text NOT NULL,
        state text NOT NULL CHECK (state IN ('firing', 'resolved')),
        message text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        fired_at timestamptz NOT NULL DEFAULT now(),
        fired_by text NOT NULL,
        resolved_at timestamptz,
        resolved_by text,
        resolution text,
        CHECK ((state = 'resolved') = (resolved_at IS NOT NULL))
      )`);
    await db.query('CREATE UNIQUE INDEX monitoring_alerts_open_idx ON monitoring_alerts (rule, subject) WHERE resolved_at IS NULL');
    await db.query('CREATE INDEX monitoring_alerts_resolved_idx ON monitoring_alerts (resolved_at DESC) WHERE resolved_at IS NOT NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE monitoring_alerts');
  }
}
