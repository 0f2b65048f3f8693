import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { TarsConfig } from '../../config/tars-config.js';
import { diskSpace } from './system-resources.js';
import { diskVerdict } from './verdicts.js';

/** Readiness: the data folder's file system has at least health.minFreeDiskPercent free. */
@Injectable()
export class DiskHealth {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly config: TarsConfig,
  ) {}

  async check() {
    const session = this.health.check('disk');
    try {
      const verdict = diskVerdict(await diskSpace(this.config.dataDir), this.config.health.minFreeDiskPercent);
      return verdict.status === 'up' ? session.up(verdict.data) : session.down(verdict.data);
    } catch (err) {
      return session.down({ path: this.config.dataDir, message: `cannot read the free space: ${(err as Error).message}` });
    }
  }
}
