import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddingModelConfig } from '../../src/config/config.schema.js';
import { MetricsService } from '../../src/platform/metrics/metrics.service.js';
import { EmbeddingEngine } from '../../src/modules/processing/embeddings/embedding-engine.js';
import type { EmbeddingUse } from '../../src/modules/processing/embeddings/embedding.types.js';
import { HashingEmbeddingProvider } from '../../src/modules/processing/embeddings/hashing.provider.js';
import { sharedCacheBucket } from '../../src/modules/processing/embeddings/shared-embedding-cache.js';
import { cosine } from '../../src/modules/processing/embeddings/vector-math.js';
import { uniqueSubjectPrefix } from '../support/config.js';
import { embeddingTestConfig, hashingModel } from '../support/embedding-config.js';
import { NATS_URL } from '../support/services.js';
import { freePort } from '../support/tars-process.js';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** One node's engine: its own memory cache, its own NATS connection, a model that records what it computed. */
function node(prefix: string, storage: 'fp16' | 'int8' = 'fp16') {
  const computed: string[] = [];
  const metrics = new MetricsService();
  const config = embeddingTestConfig({
    models: [hashingModel()],
    shared: true,
    storage,
    env: { NATS_URL, TARS_NATS_SUBJECT_PREFIX: prefix, TARS_EMBEDDINGS_CACHE_SHARED_TTL_SECONDS: '3600' },
  });
  const engine = new EmbeddingEngine(config, {
    metrics,
    logger: quiet,
    providerFactory: (model: EmbeddingModelConfig) => {
      const real = new HashingEmbeddingProvider(model);
      return {
        model,
        embed: (texts: readonly string[], use: EmbeddingUse) => {
          computed.push(...texts);
          return real.embed(texts, use);
        },
        close: async () => undefined,
      };
    },
  });
  return { engine, computed, metrics };
}

describe('shared embedding cache in NATS KV (real NATS)', () => {
  const prefix = uniqueSubjectPrefix();
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    const kvm = new Kvm(nc);
    for (const bucket of [sharedCacheBucket(prefix), sharedCacheBucket(`${prefix}int8`)]) {
      await kvm.open(bucket).then((kv) => kv.destroy()).catch(() => undefined);
    }
    await nc.close();
  });

  it('lets a second node reuse vectors the first node computed, without calling its model, through a bucket with the configured TTL', async () => {
    const a = node(prefix);
    const b = node(prefix);
    try {
      await Promise.all([a.engine.ready(), b.engine.ready()]);
      const first = await a.engine.embed({ texts: ['alpha', 'beta'], use: 'documents' });
      expect(a.computed).toEqual(['alpha', 'beta']);

      const second = await b.engine.embed({ texts: ['alpha', 'beta', 'gamma'], use: 'documents' });
      expect(b.computed).toEqual(['gamma']);
      expect(second.cacheHits).toBe(2);
      expect(cosine(second.vectors[0], first.vectors[0])).toBeGreaterThan(0.99999);
      expect(cosine(second.vectors[1], first.vectors[1])).toBeGreaterThan(0.99999);

      const metrics = await b.metrics.registry.metrics();
      expect(metrics).toMatch(/tars_embedding_cache_requests_total\{tier="memory",result="miss"\} 3\b/);
      expect(metrics).toMatch(/tars_embedding_cache_requests_total\{tier="shared",result="hit"\} 2\b/);
      expect(metrics).toMatch(/tars_embedding_cache_requests_total\{tier="shared",result="miss"\} 1\b/);
      // Per text, whatever the tier: two found (in the shared tier), one in none.
      expect(metrics).toMatch(/tars_embedding_cache_lookups_total\{result="hit"\} 2\b/);
      expect(metrics).toMatch(/tars_embedding_cache_lookups_total\{result="miss"\} 1\b/);
      expect(b.metrics.trafficTotals()).toMatchObject({ embeddingCacheHits: 2, embeddingCacheMisses: 1 });

      // A shared hit was copied into the node's memory: asked again, it does not go to NATS.
      await b.engine.embed({ texts: ['alpha'], use: 'documents' });
      expect(await b.metrics.registry.metrics()).toMatch(/tars_embedding_cache_requests_total\{tier="memory",result="hit"\} 1\b/);

      // The bucket is named after the subject prefix, has the configured TTL and holds fp16 values.
      const kv = await new Kvm(nc).open(sharedCacheBucket(prefix));
      const status = await kv.status();
      expect(status.bucket).toBe(`${prefix}_embeddings`);
      expect(status.ttl).toBe(3600 * 1000);
      const keys: string[] = [];
      for await (const key of await kv.keys()) keys.push(key);
      expect(keys).toHaveLength(3);
      expect((await kv.get(keys[0]))!.value.length).toBe(1 + 384 * 2);
    } finally {
      await Promise.all([a.engine.close(), b.engine.close()]);
    }
  });

  it('stores int8 vectors (1 byte per number) when configured so', async () => {
    const c = node(`${prefix}int8`, 'int8');
    const d = node(`${prefix}int8`, 'int8');
    try {
      await Promise.all([c.engine.ready(), d.engine.ready()]);
      const original = await c.engine.embed({ texts: ['delta'], use: 'documents' });
      const shared = await d.engine.embed({ texts: ['delta'], use: 'documents' });
      expect(d.computed).toEqual([]);
      expect(cosine(shared.vectors[0], original.vectors[0])).toBeGreaterThan(0.999);
      const kv = await new Kvm(nc).open(sharedCacheBucket(`${prefix}int8`));
      const keys: string[] = [];
      for await (const key of await kv.keys()) keys.push(key);
      expect((await kv.get(keys[0]))!.value.length).toBe(1 + 4 + 384);
    } finally {
      await Promise.all([c.engine.close(), d.engine.close()]);
    }
  });

  it('embeds without the shared tier when NATS cannot be reached, and closes promptly', async () => {
    const port = await freePort();
    const config = embeddingTestConfig({
      models: [hashingModel()],
      shared: true,
      env: { NATS_URL: `nats://127.0.0.1:${port}`, TARS_NATS_SUBJECT_PREFIX: uniqueSubjectPrefix() },
    });
    const engine = new EmbeddingEngine(config, { logger: quiet });
    await engine.ready();
    const result = await engine.embed({ texts: ['still works'], use: 'documents' });
    expect(result.model).toBe('hashing');
    await engine.close();
  });
});
