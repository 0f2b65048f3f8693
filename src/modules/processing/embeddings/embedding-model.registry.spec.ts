import { describe, expect, it } from 'vitest';
import { embeddingTestConfig, fixtureModel, hashingModel } from '../../../../test/support/embedding-config.js';
import { testConfig } from '../../../../test/support/config.js';
import { ValidationFailedError } from '../../../contracts/errors.js';
import { cacheKey, cacheKeyPrefix } from './cache-key.js';
import { EmbeddingModelRegistry, withPrefix } from './embedding-model.registry.js';

describe('embedding model registry', () => {
  const config = embeddingTestConfig({
    models: [fixtureModel({ queryPrefix: 'query: ', documentPrefix: 'passage: ' }), hashingModel(), hashingModel({ id: 'small', dimensions: 64 })],
    fallback: ['small', 'hashing'],
    env: { TARS_EMBEDDINGS_DEFAULTS_QUERIES: 'small' },
  });
  const registry = new EmbeddingModelRegistry(config.embeddings);

  it('finds models by id, with the defaults of the config schema filled in', () => {
    expect(registry.get('minilm')).toMatchObject({ provider: 'transformers', dimensions: 384, pooling: 'mean', normalize: true, batchSize: 32 });
    expect(() => registry.get('missing')).toThrow(ValidationFailedError);
  });

  it('gives the default model of each use', () => {
    expect(registry.defaultFor('documents').id).toBe('minilm');
    expect(registry.defaultFor('queries').id).toBe('small');
    expect(registry.defaultFor('conversations').id).toBe('minilm');
  });

  it('chains a model with the configured fallbacks, without repeating the model itself', () => {
    expect(registry.chainFor('minilm').map((m) => m.id)).toEqual(['minilm', 'small', 'hashing']);
    expect(registry.chainFor('small').map((m) => m.id)).toEqual(['small', 'hashing']);
  });

  it('applies the query prefix to queries and the document prefix to documents and conversations', () => {
    const model = registry.get('minilm');
    expect(withPrefix(model, 'queries', 'x')).toBe('query: x');
    expect(withPrefix(model, 'documents', 'x')).toBe('passage: x');
    expect(withPrefix(model, 'conversations', 'x')).toBe('passage: x');
  });

  it('ships a default config whose models, defaults and fallback resolve', () => {
    const defaults = new EmbeddingModelRegistry(testConfig().embeddings);
    expect(defaults.defaultFor('documents').id).toBe('minilm');
    expect(defaults.chainFor('minilm').map((m) => m.id)).toEqual(['minilm', 'hashing']);
  });
});

describe('cache keys', () => {
  const model = new EmbeddingModelRegistry(embeddingTestConfig({ models: [fixtureModel()] }).embeddings).get('minilm');

  it('name the model, a fingerprint of its settings and the SHA-256 of the text, in characters NATS KV accepts', () => {
    const key = cacheKey(cacheKeyPrefix(model), 'hello');
    expect(key).toMatch(/^minilm\.[0-9a-f]{12}\.2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824$/);
    expect(key).toMatch(/^[-/_=.a-zA-Z0-9]+$/);
  });

  it('change when a setting that changes the vectors changes under the same model id', () => {
    const base = cacheKeyPrefix(model);
    expect(cacheKeyPrefix({ ...model, dtype: 'q8' })).not.toBe(base);
    expect(cacheKeyPrefix({ ...model, source: 'other' })).not.toBe(base);
    expect(cacheKeyPrefix({ ...model, batchSize: 8 })).toBe(base); // batching does not change vectors
  });
});
