import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { TarsConfig } from '../../config/tars-config.js';
import { withTimeout } from './with-timeout.js';

/** Readiness: the database answers a query in time. */
@Injectable()
export class DatabaseHealth {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly config: TarsConfig,
  ) {}

  async check() {
    const session = this.health.check('database');
    const kind = this.config.database.url ? 'postgresql' : 'embedded (PGlite)';
    const started = Date.now();
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), this.config.database.healthTimeoutMs, 'the database');
      return session.up({ kind, latencyMs: Date.now() - started });
    } catch (err) {
      return session.down({ kind, message: (err as Error).message });
    }
  }
}
