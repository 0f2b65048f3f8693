import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InferenceEngine } from './inference.engine.js';

/**
 * Readiness of the LLM: up when at least one enabled backend answered its last probe. Reads the
 * engine's cached probes (refreshed every inference.probeIntervalMs), so a health check never
 * waits for an LLM server.
 */
@Injectable()
export class LlmHealth {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly engine: InferenceEngine,
  ) {}

  async check() {
    const session = this.health.check('llm');
    const status = this.engine.status();
    const backends = Object.fromEntries(status.backends.map((b) => [b.id, { up: b.up, detail: b.detail }]));
    if (status.up) return session.up({ backends });
    const anyEnabled = status.backends.some((b) => b.detail !== 'disabled');
    return session.down({ message: anyEnabled ? 'no LLM backend is up' : 'no LLM backend is enabled', backends });
  }
}
