import { Injectable, type OnModuleInit, Optional, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, type HealthCheckResult, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { TarsConfig } from '../../config/tars-config.js';
import { LlmHealth } from '../../modules/inference/llm.health.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { DatabaseHealth } from './database.health.js';
import { DiskHealth } from './disk.health.js';
import { JetStreamHealth } from './jetstream.health.js';
import { MemoryHealth } from './memory.health.js';
import { NatsHealth } from './nats.health.js';
import { RemoteLlmHealth } from './remote-llm.health.js';
import { VectorIndexHealth } from './vector-index.health.js';
import { TimedOutError, withTimeout } from './with-timeout.js';

/** One readiness check: its name in /health/ready and how to run it. */
export interface ReadinessCheck {
  name: string;
  run(): Promise<HealthIndicatorResult>;
}

/** The answer of /health/ready: Terminus' result, and whether every check is up (or degraded). */
export interface Readiness {
  ready: boolean;
  result: HealthCheckResult;
}

/**
 * The readiness checks of this node, limited to what it runs: database and disk and memory always;
 * NATS when configured; JetStream when it consumes a queue over it; the LLM on inference and
 * orchestrator nodes; the vector indexes on processing nodes. They run in parallel, each within
 * health.checkTimeoutMs (a slower one is down: "timed out after N ms").
 */
@Injectable()
export class ReadinessChecks implements OnModuleInit {
  constructor(
    private readonly config: TarsConfig,
    private readonly terminus: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly metrics: MetricsService,
    private readonly database: DatabaseHealth,
    private readonly nats: NatsHealth,
    private readonly jetstream: JetStreamHealth,
    private readonly remoteLlm: RemoteLlmHealth,
    private readonly vectorIndex: VectorIndexHealth,
    private readonly disk: DiskHealth,
    private readonly memory: MemoryHealth,
    @Optional() private readonly llm?: LlmHealth,
  ) {}

  /** tars_ready_check is evaluated at each scrape of /metrics. */
  onModuleInit(): void {
    this.metrics.setReadinessProbe(() => this.run());
  }

  /** The checks this node runs now (the JetStream check appears once a queue's workers start). */
  list(): ReadinessCheck[] {
    const checks: ReadinessCheck[] = [{ name: 'database', run: () => this.database.check() }];
    if (this.nats.configured) checks.push({ name: 'nats', run: () => this.nats.check() });
    if (this.jetstream.configured) checks.push({ name: 'jetstream', run: () => this.jetstream.check() });
    if (this.llm) checks.push({ name: 'llm', run: () => this.llm!.check() });
    else if (this.config.roles.includes('orchestrator')) checks.push({ name: 'llm', run: () => this.remoteLlm.check() });
    if (this.vectorIndex.configured) checks.push({ name: 'vectorIndex', run: () => this.vectorIndex.check() });
    checks.push({ name: 'disk', run: () => this.disk.check() }, { name: 'memory', run: () => this.memory.check() });
    return checks;
  }

  /** Runs every check; `ready` is false when one is down (or the node is shutting down). */
  async run(): Promise<Readiness> {
    let readiness: Readiness;
    try {
      readiness = { ready: true, result: await this.terminus.check(this.list().map((check) => () => this.limited(check))) };
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      readiness = { ready: false, result: err.getResponse() as HealthCheckResult };
    }
    const details = readiness.result.details ?? {};
    this.metrics.observeReadyChecks(Object.fromEntries(Object.entries(details).map(([name, check]) => [name, check.status !== 'down'])));
    return readiness;
  }

  private async limited(check: ReadinessCheck): Promise<HealthIndicatorResult> {
    const ms = this.config.health.checkTimeoutMs;
    try {
      return await withTimeout(check.run(), ms, check.name);
    } catch (err) {
      const message = err instanceof TimedOutError ? `timed out after ${ms} ms` : (err as Error).message;
      return this.indicators.check(check.name).down({ message });
    }
  }
}
