import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddingModelConfig } from '../../../config/config.schema.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import { embeddingTestConfig, fixtureModel, hashingModel } from '../../../../test/support/embedding-config.js';
import { OllamaSimulator } from '../../../../test/support/ollama-simulator.mjs';
import { approximateTokenCounter } from '../text/token-counter.js';
import { EmbeddingEngine, type EmbeddingEngineOptions } from './embedding-engine.js';
import { embeddingProviderFactory } from './embedding-provider.factory.js';
import { EmbeddingModelUnavailableError, EmbeddingOverloadedError } from './embedding.errors.js';
import type { EmbeddingProvider, EmbeddingUse } from './embedding.types.js';
import { hashingVector } from './hashing.provider.js';
import { withPrefix } from './embedding-model.registry.js';
import { cosine } from './vector-math.js';

function recordingLogger() {
  const lines: string[] = [];
  return { lines, log: (m: string) => lines.push(`log ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) };
}

/** A provider that records what it was asked and answers with hashing vectors, or fails on cue. */
class RecordingProvider implements EmbeddingProvider {
  readonly calls: string[][] = [];
  failAfterBatches = Infinity;
  constructor(readonly model: EmbeddingModelConfig) {}
  async embed(texts: readonly string[], use: EmbeddingUse): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.model.batchSize) {
      if (this.calls.length >= this.failAfterBatches) throw new EmbeddingModelUnavailableError('went away mid-request', { model: this.model.id });
      const batch = texts.slice(start, start + this.model.batchSize);
      this.calls.push([...batch]);
      vectors.push(...batch.map((t) => hashingVector(withPrefix(this.model, use, t), this.model)));
    }
    return vectors;
  }
  async close(): Promise<void> {}
}

const engines: EmbeddingEngine[] = [];
function engine(config: ReturnType<typeof embeddingTestConfig>, options: EmbeddingEngineOptions = {}): EmbeddingEngine {
  const created = new EmbeddingEngine(config, { logger: recordingLogger(), ...options });
  engines.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

/** Engine whose models are all RecordingProviders (with hashing vectors), to watch what reaches a model. */
function recordingEngine(setup: Parameters<typeof embeddingTestConfig>[0], options: EmbeddingEngineOptions = {}) {
  const providers = new Map<string, RecordingProvider>();
  const sut = engine(embeddingTestConfig(setup), {
    ...options,
    providerFactory: (model) => {
      const provider = new RecordingProvider(model);
      providers.set(model.id, provider);
      return provider;
    },
  });
  return { sut, providers };
}

describe('embedding engine: models and fallback', () => {
  let ollama: OllamaSimulator;
  beforeAll(async () => {
    ollama = await OllamaSimulator.start({ models: [{ name: 'nomic-embed-text', dimensions: 768 }] });
  });
  afterAll(() => ollama.close());

  it("embeds with the use's default model and says which model made the vectors", async () => {
    const sut = engine(embeddingTestConfig({ models: [hashingModel()] }));
    const result = await sut.embed({ texts: ['The boiler was serviced.', 'Rain tomorrow.'], use: 'documents' });
    expect(result).toMatchObject({ model: 'hashing', dimensions: 384, cacheHits: 0 });
    expect(result.fallbackFrom).toBeUndefined();
    expect([...result.vectors[0]]).toEqual([...hashingVector('The boiler was serviced.', { dimensions: 384, maxTokens: 512, normalize: true })]);
  });

  it('falls back along the chain when the transformers model folder does not exist, records it, and logs it once', async () => {
    const logger = recordingLogger();
    const config = embeddingTestConfig({ models: [fixtureModel({ source: 'no-such-model' }), hashingModel()], fallback: ['hashing'] });
    const sut = engine(config, { logger });
    for (let i = 0; i < 3; i++) {
      const result = await sut.embed({ texts: [`text ${i}`], use: 'queries' });
      expect(result.model).toBe('hashing');
      expect(result.fallbackFrom).toBe('minilm');
      expect([...result.vectors[0]]).toEqual([...hashingVector(`text ${i}`, { dimensions: 384, maxTokens: 512, normalize: true })]);
    }
    expect(logger.lines.filter((line) => line.includes("'minilm' is unavailable"))).toHaveLength(1);
    expect(logger.lines[0]).toMatch(/no-such-model.*falling back to 'hashing'/);
    expect([...sut.unavailableModels().keys()]).toEqual(['minilm']);
  });

  it('falls back when Ollama does not have the model (404), and records it', async () => {
    const config = embeddingTestConfig({
      models: [{ id: 'nomic', provider: 'ollama', source: 'not-pulled', dimensions: 768 }, hashingModel()],
      fallback: ['hashing'],
      env: { OLLAMA_HOST: ollama.url },
    });
    const result = await engine(config).embed({ texts: ['x'], use: 'documents' });
    expect(result).toMatchObject({ model: 'hashing', fallbackFrom: 'nomic', dimensions: 384 });
  });

  it('uses Ollama when it has the model', async () => {
    const config = embeddingTestConfig({
      models: [{ id: 'nomic', provider: 'ollama', source: 'nomic-embed-text', dimensions: 768 }, hashingModel()],
      fallback: ['hashing'],
      env: { OLLAMA_HOST: ollama.url },
    });
    const result = await engine(config).embed({ texts: ['x', 'y'], use: 'documents' });
    expect(result).toMatchObject({ model: 'nomic', dimensions: 768 });
    expect(result.vectors[1][0]).toBeCloseTo(OllamaSimulator.embedding('nomic-embed-text', 'y', 768)[0], 6);
  });

  it('does not fall back when Ollama is only overloaded (503): the caller retries later with the same model', async () => {
    const config = embeddingTestConfig({
      models: [{ id: 'nomic', provider: 'ollama', source: 'nomic-embed-text', dimensions: 768 }, hashingModel()],
      fallback: ['hashing'],
      env: { OLLAMA_HOST: ollama.url },
    });
    ollama.failNext(1, { status: 503, body: { error: 'server busy, please try again.  maximum pending requests exceeded' } });
    await expect(engine(config).embed({ texts: ['x'], use: 'documents' })).rejects.toBeInstanceOf(EmbeddingOverloadedError);
  });

  it('names every model tried when the whole chain is unavailable', async () => {
    const config = embeddingTestConfig({
      models: [fixtureModel({ source: 'missing-a' }), fixtureModel({ id: 'other', source: 'missing-b' })],
      fallback: ['other'],
    });
    const error = await engine(config).embed({ texts: ['x'], use: 'documents' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingModelUnavailableError);
    expect((error as EmbeddingModelUnavailableError).details).toMatchObject({ tried: ['minilm', 'other'] });
  });

  it('does not fall back when the caller forbids it', async () => {
    const config = embeddingTestConfig({ models: [fixtureModel({ source: 'no-such-model' }), hashingModel()], fallback: ['hashing'] });
    await expect(engine(config).embed({ texts: ['x'], use: 'documents', allowFallback: false })).rejects.toBeInstanceOf(EmbeddingModelUnavailableError);
  });

  it('never mixes models: a model lost halfway through a request gives a result made entirely by the fallback', async () => {
    const { sut, providers } = recordingEngine({
      models: [hashingModel({ id: 'primary', batchSize: 2, documentPrefix: 'primary: ' }), hashingModel()],
      fallback: ['hashing'],
    });
    await sut.embed({ texts: ['warm'], use: 'documents', model: 'primary' });
    providers.get('primary')!.failAfterBatches = 2; // the next request's second batch fails
    const texts = ['a', 'b', 'c', 'd'];
    const result = await sut.embed({ texts, use: 'documents', model: 'primary' });
    expect(result).toMatchObject({ model: 'hashing', fallbackFrom: 'primary' });
    texts.forEach((t, i) => expect([...result.vectors[i]]).toEqual([...hashingVector(t, { dimensions: 384, maxTokens: 512, normalize: true })]));
  });

  it('logs when a model that was unavailable works again', async () => {
    const logger = recordingLogger();
    const { sut, providers } = recordingEngine({ models: [hashingModel({ id: 'primary' }), hashingModel()], fallback: ['hashing'] }, { logger });
    await sut.embed({ texts: ['warm'], use: 'documents' });
    providers.get('primary')!.failAfterBatches = 0;
    await sut.embed({ texts: ['x'], use: 'documents' });
    providers.get('primary')!.failAfterBatches = Infinity;
    expect((await sut.embed({ texts: ['y'], use: 'documents' })).model).toBe('primary');
    expect(logger.lines.filter((l) => l.includes("'primary' is available again"))).toHaveLength(1);
    expect(sut.unavailableModels().size).toBe(0);
  });

  it('rejects an unknown model id as a validation error', async () => {
    const sut = engine(embeddingTestConfig({ models: [hashingModel()] }));
    await expect(sut.embed({ texts: ['x'], use: 'documents', model: 'nope' })).rejects.toThrow(/unknown embedding model 'nope'/);
  });
});

describe('embedding engine: batching and cache', () => {
  it('sends only texts missing from the cache to the model, each distinct text once, in batches of batchSize', async () => {
    const { sut, providers } = recordingEngine({ models: [hashingModel({ batchSize: 2 })] });
    const first = await sut.embed({ texts: ['a', 'b', 'a', 'c', 'd'], use: 'documents' });
    expect(providers.get('hashing')!.calls).toEqual([['a', 'b'], ['c', 'd']]);
    expect(first.cacheHits).toBe(0);
    expect([...first.vectors[2]]).toEqual([...first.vectors[0]]);
    expect(first.vectors[2].buffer).not.toBe(first.vectors[0].buffer); // each vector owns its buffer

    const second = await sut.embed({ texts: ['a', 'e', 'b'], use: 'documents' });
    expect(providers.get('hashing')!.calls.at(-1)).toEqual(['e']);
    expect(second.cacheHits).toBe(2);
    expect(cosine(second.vectors[0], first.vectors[0])).toBeGreaterThan(0.99999); // fp16 in the cache
  });

  it('keys the cache by the text the model sees: a query and a document with different prefixes are two entries', async () => {
    const { sut, providers } = recordingEngine({ models: [hashingModel({ queryPrefix: 'q: ' })] });
    await sut.embed({ texts: ['boiler'], use: 'documents' });
    const asQuery = await sut.embed({ texts: ['boiler'], use: 'queries' });
    expect(asQuery.cacheHits).toBe(0);
    expect(providers.get('hashing')!.calls).toHaveLength(2);
    expect((await sut.embed({ texts: ['boiler'], use: 'conversations' })).cacheHits).toBe(1); // same prefix as documents
  });

  it('respects the memory bound: with memoryEntries 0 nothing is cached', async () => {
    const { sut, providers } = recordingEngine({ models: [hashingModel()], memoryEntries: 0 });
    await sut.embed({ texts: ['a'], use: 'documents' });
    expect((await sut.embed({ texts: ['a'], use: 'documents' })).cacheHits).toBe(0);
    expect(providers.get('hashing')!.calls).toHaveLength(2);
  });

  it('cuts a pathological text before the model sees it (16 characters per token of maxTokens)', async () => {
    const { sut, providers } = recordingEngine({ models: [hashingModel({ maxTokens: 64 })] });
    await sut.embed({ texts: ['x'.repeat(5_000_000)], use: 'documents' });
    expect(providers.get('hashing')!.calls[0][0]).toHaveLength(64 * 16);
  });

  it('counts cache lookups per tier and result, texts embedded per model, and fallbacks in the metrics', async () => {
    const metrics = new MetricsService();
    const config = embeddingTestConfig({ models: [fixtureModel({ source: 'no-such-model' }), hashingModel()], fallback: ['hashing'] });
    const sut = engine(config, { metrics });
    await sut.embed({ texts: ['a', 'b'], use: 'documents' });
    await sut.embed({ texts: ['a', 'c'], use: 'documents' });
    const text = await metrics.registry.metrics();
    // Misses: a, b (minilm, then it fails) + a, b (hashing) + a, c (minilm again) + c (hashing) = 7; the hit: a (hashing).
    expect(text).toMatch(/tars_embedding_cache_requests_total\{tier="memory",result="miss"\} 7\b/);
    expect(text).toMatch(/tars_embedding_cache_requests_total\{tier="memory",result="hit"\} 1\b/);
    expect(text).toMatch(/tars_embeddings_total\{model="hashing"\} 3\b/);
    expect(text).toMatch(/tars_embedding_fallbacks_total\{from="minilm",to="hashing"\} 2\b/);
    expect(text).toMatch(/tars_embedding_duration_seconds_count\{model="hashing"\} 2\b/);
  });
});

describe('embedding engine: token counters for chunking', () => {
  it("gives the transformers model's own tokenizer for its use", async () => {
    const sut = engine(embeddingTestConfig({ models: [fixtureModel(), hashingModel()] }));
    const counter = await sut.tokenCounterFor('documents');
    expect(counter).not.toBe(approximateTokenCounter);
    expect(counter.countTokens('Hello world, tokenization!')).toBe(5); // WordPiece: hello world , tokenization ! (fixture vocab)
  });

  it('gives the approximate counter for models without a tokenizer, or whose tokenizer cannot load', async () => {
    expect(await engine(embeddingTestConfig({ models: [hashingModel()] })).tokenCounterFor('documents')).toBe(approximateTokenCounter);
    const logger = recordingLogger();
    const missing = engine(embeddingTestConfig({ models: [fixtureModel({ source: 'no-such-model' })] }), { logger });
    expect(await missing.tokenCounterFor('queries')).toBe(approximateTokenCounter);
    expect(await missing.tokenCounterFor('documents')).toBe(approximateTokenCounter);
    expect(logger.lines.filter((l) => l.includes('counting tokens approximately'))).toHaveLength(1);
  });
});

describe('embedding engine with real providers', () => {
  it('builds the provider each model names', () => {
    const config = embeddingTestConfig({ models: [fixtureModel(), hashingModel(), { id: 'o', provider: 'ollama', source: 'm', dimensions: 8 }] });
    const create = embeddingProviderFactory(config);
    expect(config.embeddings.models.map((m) => create(m).constructor.name)).toEqual([
      'TransformersEmbeddingProvider',
      'HashingEmbeddingProvider',
      'OllamaEmbeddingProvider',
    ]);
  });

  it('embeds with the fixture model through the worker thread', async () => {
    const sut = engine(embeddingTestConfig({ models: [fixtureModel({ dtype: 'q8' }), hashingModel()], fallback: ['hashing'] }));
    const result = await sut.embed({ texts: ['one sentence', 'and another one'], use: 'documents' });
    expect(result).toMatchObject({ model: 'minilm', dimensions: 384, cacheHits: 0 });
    expect(result.vectors.map((v) => v.length)).toEqual([384, 384]);
    expect((await sut.embed({ texts: ['one sentence'], use: 'documents' })).cacheHits).toBe(1);
  });
});
