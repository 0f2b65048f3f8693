import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import { TarsConfig } from '../../config/tars-config.js';
import { VectorIndexes } from '../../modules/processing/indexing/vector-index.provider.js';
import { vectorIndexVerdict } from './verdicts.js';

/**
 * Readiness of the FAISS indexes of a processing node: each model's index loaded and answering,
 * or being rebuilt (degraded: still 200). Reads the indexes' in-memory state: no search per probe.
 */
@Injectable()
export class VectorIndexHealth {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly config: TarsConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Only processing nodes keep vector indexes. */
  get configured(): boolean {
    return this.config.roles.includes('processing');
  }

  async check() {
    const session = this.health.check('vectorIndex');
    let indexes: VectorIndexes;
    try {
      indexes = this.moduleRef.get(VectorIndexes, { strict: false });
    } catch (err) {
      return session.down({ message: `the vector indexes cannot be found: ${(err as Error).message}` });
    }
    const verdict = vectorIndexVerdict(indexes.manager.allStats());
    if (verdict.status === 'up') return session.up(verdict.data);
    return verdict.status === 'degraded' ? session.degraded(verdict.data) : session.down(verdict.data);
  }
}
