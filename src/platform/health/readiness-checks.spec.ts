import { Test } from '@nestjs/testing';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { ConfigModule } from '../../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { DatabaseHealth } from './database.health.js';
import { DiskHealth } from './disk.health.js';
import { JetStreamHealth } from './jetstream.health.js';
import { MemoryHealth } from './memory.health.js';
import { NatsHealth } from './nats.health.js';
import { ReadinessChecks } from './readiness-checks.js';
import { RemoteLlmHealth } from './remote-llm.health.js';
import { VectorIndexHealth } from './vector-index.health.js';

const indicators = new HealthIndicatorService();
const up = (name: string) => async () => indicators.check(name).up();
const never = () => new Promise<never>(() => undefined);

/** ReadinessChecks over stand-in indicators: `overrides` replaces a check's behaviour, `present` says which optional ones this node has. */
async function readinessOf(options: { roles?: string; overrides?: Record<string, () => Promise<unknown>>; present?: string[] } = {}) {
  const config = testConfig({ TARS_HEALTH_CHECK_TIMEOUT_MS: '200', NATS_URL: 'nats://127.0.0.1:4222', ...(options.roles ? { TARS_ROLES: options.roles } : {}) });
  const present = new Set(options.present ?? []);
  const stand = (name: string, optional = false) => ({
    configured: !optional || present.has(name),
    check: options.overrides?.[name] ?? up(name),
  });
  const metrics = new MetricsService();
  const app = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), TerminusModule.forRoot({ logger: false })],
    providers: [
      ReadinessChecks,
      { provide: MetricsService, useValue: metrics },
      { provide: DatabaseHealth, useValue: stand('database') },
      { provide: NatsHealth, useValue: stand('nats', true) },
      { provide: JetStreamHealth, useValue: stand('jetstream', true) },
      { provide: RemoteLlmHealth, useValue: stand('llm') },
      { provide: VectorIndexHealth, useValue: stand('vectorIndex', true) },
      { provide: DiskHealth, useValue: stand('disk') },
      { provide: MemoryHealth, useValue: stand('memory') },
    ],
  }).compile();
  await app.init();
  return { checks: app.get(ReadinessChecks), metrics };
}

describe('ReadinessChecks', () => {
  it('runs database, disk and memory on every node, and the optional checks only where they apply', async () => {
    const { checks } = await readinessOf({ roles: 'memory' });
    expect(checks.list().map((c) => c.name)).toEqual(['database', 'disk', 'memory']);
    const full = await readinessOf({ roles: 'orchestrator,processing', present: ['nats', 'jetstream', 'vectorIndex'] });
    expect(full.checks.list().map((c) => c.name)).toEqual(['database', 'nats', 'jetstream', 'llm', 'vectorIndex', 'disk', 'memory']);
  });

  it('marks a check that does not answer within health.checkTimeoutMs down, and still reports the others', async () => {
    const { checks } = await readinessOf({ roles: 'memory', overrides: { database: never } });
    const { ready, result } = await checks.run();
    expect(ready).toBe(false);
    expect(result.error).toEqual({ database: { status: 'down', message: 'timed out after 200 ms' } });
    expect(result.details).toMatchObject({ disk: { status: 'up' }, memory: { status: 'up' } });
  });

  it('runs the checks in parallel: each of two checks answers only once both have started', async () => {
    let started = 0;
    let bothStarted: () => void;
    const barrier = new Promise<void>((resolve) => (bothStarted = resolve));
    const meeting = (name: string) => async () => {
      if (++started === 2) bothStarted();
      await barrier;
      return indicators.check(name).up();
    };
    const { checks } = await readinessOf({ roles: 'memory', overrides: { disk: meeting('disk'), memory: meeting('memory') } });
    const { ready, result } = await checks.run();
    // One after the other, the first would wait for the second for ever and time out.
    expect(ready).toBe(true);
    expect(result.details).toMatchObject({ disk: { status: 'up' }, memory: { status: 'up' } });
  });

  it('turns a check that throws into down with its message, and a degraded one keeps the node ready', async () => {
    const { checks } = await readinessOf({
      roles: 'processing',
      present: ['vectorIndex'],
      overrides: {
        disk: () => Promise.reject(new Error('statfs failed')),
        vectorIndex: async () => indicators.check('vectorIndex').degraded({ message: 'rebuilding' }),
      },
    });
    const { ready, result } = await checks.run();
    expect(ready).toBe(false);
    expect(result.error).toEqual({ disk: { status: 'down', message: 'statfs failed' } });
    expect(result.info).toMatchObject({ vectorIndex: { status: 'degraded', message: 'rebuilding' } });

    const healthy = await readinessOf({
      roles: 'processing',
      present: ['vectorIndex'],
      overrides: { vectorIndex: async () => indicators.check('vectorIndex').degraded({ message: 'rebuilding' }) },
    });
    expect(await healthy.checks.run()).toMatchObject({ ready: true, result: { status: 'degraded' } });
  });

  it('exports each check as tars_ready_check, evaluated at scrape time', async () => {
    const { metrics } = await readinessOf({ roles: 'memory', overrides: { memory: never } });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/tars_ready_check\{check="database"\} 1/);
    expect(text).toMatch(/tars_ready_check\{check="memory"\} 0/);
  });
});
