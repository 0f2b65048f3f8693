import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { TarsConfig } from '../../config/tars-config.js';
import { memoryAvailability } from './system-resources.js';
import { memoryVerdict } from './verdicts.js';

/** Readiness: the machine has at least health.minFreeMemoryMb available (Linux MemAvailable). */
@Injectable()
export class MemoryHealth {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly config: TarsConfig,
  ) {}

  async check() {
    const session = this.health.check('memory');
    const verdict = memoryVerdict(await memoryAvailability(), this.config.health.minFreeMemoryMb);
    return verdict.status === 'up' ? session.up(verdict.data) : session.down(verdict.data);
  }
}
