import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddingTestConfig, fixtureModel, FIXTURE_MODELS_DIR } from '../../../../test/support/embedding-config.js';
import { EmbeddingModelUnavailableError } from './embedding.errors.js';
import { modelLocation } from './model-location.js';
import { TransformersEmbeddingProvider } from './transformers.provider.js';
import { loadTransformersTokenCounter } from './transformers.token-counter.js';
import { dot } from './vector-math.js';

// The fixture has random weights: these tests check loading, shapes, batching and norms, never meaning.
const SENTENCES = [
  'The boiler was serviced on the third of March by a local engineer.',
  'Quarterly revenue grew faster than the analysts had expected.',
  'A short one.',
  'Rain is forecast for most of the coast tomorrow afternoon, with strong winds in the north.',
  'She planted tomatoes, basil and two rows of beans in the back garden.',
];

function provider(dtype: 'fp32' | 'q8', overrides: Record<string, unknown> = {}) {
  const config = embeddingTestConfig({ models: [fixtureModel({ dtype, batchSize: 2, ...overrides })] });
  return new TransformersEmbeddingProvider(config.embeddings.models[0], modelLocation(config));
}

/**
 * How far a text's vector inside a padded batch may be from its vector alone. fp32 is exact here
 * (measured 0). q8 cannot be: ONNX Runtime's dynamic quantisation picks one activation scale per
 * tensor, i.e. over the whole batch, so neighbours shift each other's rounding (measured up to
 * ~8e-4 with the fixture; cosine stays above 0.9999).
 */
const BATCH_TOLERANCE = { fp32: 1e-4, q8: 2e-3 };

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce((max, value, i) => Math.max(max, Math.abs(value - b[i])), 0);
}

describe.each(['fp32', 'q8'] as const)('transformers.js provider with the fixture model (%s)', (dtype) => {
  const sut = provider(dtype);
  afterAll(() => sut.close());

  it('gives one unit vector of 384 numbers per text, in order, across several batches', async () => {
    const vectors = await sut.embed(SENTENCES, 'documents');
    expect(vectors).toHaveLength(SENTENCES.length);
    for (const vector of vectors) {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector).toHaveLength(384);
      expect(dot(vector, vector)).toBeCloseTo(1, 5);
    }
    expect(maxAbsDifference(vectors[0], vectors[1])).toBeGreaterThan(1e-3);
    expect(vectors[1].buffer).not.toBe(vectors[0].buffer); // same batch, yet each vector owns its buffer
  });

  it(`gives the same vector for a text alone as inside a padded batch (within ${BATCH_TOLERANCE[dtype]})`, async () => {
    const batch = await sut.embed(SENTENCES, 'documents');
    for (const [i, text] of SENTENCES.entries()) {
      const [single] = await sut.embed([text], 'documents');
      expect(maxAbsDifference(single, batch[i])).toBeLessThan(BATCH_TOLERANCE[dtype]);
      expect(dot(single, batch[i])).toBeGreaterThan(0.9999);
    }
  });
});

/** Threads the process gains while a provider with these settings is loaded and has embedded once. */
async function threadsAdded(overrides: Record<string, unknown>): Promise<number> {
  const sut = provider('q8', overrides);
  const before = readdirSync('/proc/self/task').length;
  try {
    await sut.embed(['count my threads'], 'documents');
    return readdirSync('/proc/self/task').length - before;
  } finally {
    await sut.close();
  }
}

describe('transformers.js provider details', () => {
  // On one core onnxruntime starts no pool thread either way: nothing to tell apart.
  it.skipIf(cpus().length < 2)('threads: 1 runs ONNX on its worker thread alone (no intra-op pool), with the same vectors', async () => {
    const byDefault = Math.min(await threadsAdded({}), await threadsAdded({}));
    const single = await threadsAdded({ threads: 1 });
    expect(single).toBeLessThan(byDefault);

    const one = provider('fp32', { threads: 1 });
    const all = provider('fp32');
    try {
      const [a] = await one.embed([SENTENCES[0]], 'documents');
      const [b] = await all.embed([SENTENCES[0]], 'documents');
      expect(maxAbsDifference(a, b)).toBeLessThan(1e-5);
    } finally {
      await Promise.all([one.close(), all.close()]);
    }
  });

  it('applies the query prefix to queries only', async () => {
    const sut = provider('q8', { queryPrefix: 'query: ' });
    try {
      const [asDocument] = await sut.embed(['when was the boiler serviced'], 'documents');
      const [asQuery] = await sut.embed(['when was the boiler serviced'], 'queries');
      const [prefixedByHand] = await sut.embed(['query: when was the boiler serviced'], 'documents');
      expect(maxAbsDifference(asQuery, prefixedByHand)).toBeLessThan(1e-6);
      expect(maxAbsDifference(asQuery, asDocument)).toBeGreaterThan(1e-3);
    } finally {
      await sut.close();
    }
  });

  it('cuts texts at maxTokens, so that a text longer than that gives the vector of its first maxTokens tokens', async () => {
    const sut = provider('q8', { maxTokens: 8 });
    try {
      const [long, longer] = await sut.embed(['one two three four five six seven eight nine ten', 'one two three four five six seven eight eleven twelve'], 'documents');
      expect(maxAbsDifference(long, longer)).toBeLessThan(1e-5);
    } finally {
      await sut.close();
    }
  });

  it('reports a model folder that does not exist as unavailable, without crashing the process', async () => {
    const sut = provider('fp32', { source: 'no-such-model' });
    try {
      await expect(sut.embed(['text'], 'documents')).rejects.toBeInstanceOf(EmbeddingModelUnavailableError);
      await expect(sut.embed(['text'], 'documents')).rejects.toThrow(/no model files in .*no-such-model and downloads are off/);
    } finally {
      await sut.close();
    }
  });

  it('counts tokens with the model tokenizer, without special tokens', async () => {
    const config = embeddingTestConfig({ models: [fixtureModel()] });
    const counter = await loadTransformersTokenCounter(config.embeddings.models[0], modelLocation(config));
    expect(counter.countTokens('')).toBe(0);
    const short = counter.countTokens('hello world');
    expect(short).toBeGreaterThanOrEqual(2);
    expect(counter.countTokens('hello world hello world')).toBe(2 * short);
  });

  it('looks models up in the configured folder', () => {
    const config = embeddingTestConfig({ models: [fixtureModel()] });
    expect(modelLocation(config).modelsDir).toBe(FIXTURE_MODELS_DIR);
  });
});
