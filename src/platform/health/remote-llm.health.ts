import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import { TarsConfig } from '../../config/tars-config.js';
import { INFERENCE_CONTRACT, type InferenceContract } from '../../contracts/inference/inference.contract.js';
import { withTimeout } from './with-timeout.js';

/**
 * Readiness of the LLM as seen from a node that answers questions (orchestrator) but does not run
 * the inference module: asks the inference nodes for their backends' cached status.
 */
@Injectable()
export class RemoteLlmHealth {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly config: TarsConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async check() {
    const session = this.health.check('llm');
    try {
      const inference = this.moduleRef.get<InferenceContract>(INFERENCE_CONTRACT.token, { strict: false });
      const status = await withTimeout(inference.status({}), this.config.database.healthTimeoutMs, 'the inference module');
      const backends = Object.fromEntries(status.backends.map((b) => [b.id, { up: b.up, detail: b.detail }]));
      if (status.up) return session.up({ backends, remote: true });
      return session.down({ message: 'no LLM backend is up: answers are built from memory, not generated', backends });
    } catch (err) {
      return session.down({ message: `the inference module cannot be asked: ${(err as Error).message}` });
    }
  }
}
