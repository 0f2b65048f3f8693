import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AlertDto, AlertListDto, AlertRule } from '../../../contracts/monitoring/alert.dto.js';
import type { AlertCondition, OpenAlert } from './alert-condition.js';

interface AlertRow {
  id: string;
  rule: AlertRule;
  subject: string;
  state: 'firing' | 'resolved';
  message: string;
  details: Record<string, unknown>;
  fired_at: Date;
  fired_by: string;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution: string | null;
}

function toDto(row: AlertRow): AlertDto {
  return {
    id: row.id,
    rule: row.rule,
    subject: row.subject,
    state: row.state,
    message: row.message,
    firedAt: new Date(row.fired_at).toISOString(),
    firedBy: row.fired_by,
    ...(row.resolved_at ? { resolvedAt: new Date(row.resolved_at).toISOString() } : {}),
    ...(row.resolved_by ? { resolvedBy: row.resolved_by } : {}),
    ...(row.resolution ? { resolution: row.resolution } : {}),
    details: row.details,
  };
}

/**
 * The alerts in PostgreSQL (table monitoring_alerts). At most one open alert per rule and subject:
 * firing and resolving are single statements that only one caller can win, whatever the number of
 * monitoring nodes, and the winner is told so (it then logs and notifies).
 */
@Injectable()
export class AlertStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Every alert firing now. */
  async open(): Promise<OpenAlert[]> {
    const rows: Pick<AlertRow, 'id' | 'rule' | 'subject' | 'fired_at'>[] = await this.db.query(
      'SELECT id, rule, subject, fired_at FROM monitoring_alerts WHERE resolved_at IS NULL',
    );
    return rows.map((r) => ({ id: r.id, rule: r.rule, subject: r.subject, firedAt: new Date(r.fired_at).getTime() }));
  }

  /** Stores the alert as firing; undefined when one is already open for its rule and subject (fired elsewhere). */
  async fire(condition: AlertCondition, node: string): Promise<AlertDto | undefined> {
    const rows: AlertRow[] = await this.db.query(
      `INSERT INTO monitoring_alerts (id, rule, subject, state, message, details, fired_by)
       VALUES ($1, $2, $3, 'firing', $4, $5::jsonb, $6)
       ON CONFLICT (rule, subject) WHERE resolved_at IS NULL DO NOTHING
       RETURNING *`,
      [randomUUID(), condition.rule, condition.subject, condition.message, JSON.stringify(condition.details), node],
    );
    return rows[0] ? toDto(rows[0]) : undefined;
  }

  /** Resolves an open alert; undefined when it was resolved already (elsewhere). */
  async resolve(id: string, reason: string, node: string): Promise<AlertDto | undefined> {
    // Wrapped in a SELECT: TypeORM answers a bare UPDATE … RETURNING with [rows, count].
    const rows: AlertRow[] = await this.db.query(
      `WITH done AS (
         UPDATE monitoring_alerts SET state = 'resolved', resolved_at = now(), resolved_by = $3, resolution = $2
          WHERE id = $1 AND resolved_at IS NULL
          RETURNING *)
       SELECT * FROM done`,
      [id, reason, node],
    );
    return rows[0] ? toDto(rows[0]) : undefined;
  }

  /** Open alerts (newest first) and the `recent` most recently resolved ones. */
  async list(recent: number): Promise<AlertListDto> {
    const active: AlertRow[] = await this.db.query('SELECT * FROM monitoring_alerts WHERE resolved_at IS NULL ORDER BY fired_at DESC, id');
    const resolved: AlertRow[] =
      recent > 0
        ? await this.db.query('SELECT * FROM monitoring_alerts WHERE resolved_at IS NOT NULL ORDER BY resolved_at DESC, id LIMIT $1', [recent])
        : [];
    return { active: active.map(toDto), recent: resolved.map(toDto) };
  }
}
