import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingTestConfig, fixtureModel, hashingModel } from '../../../../test/support/embedding-config.js';
import { EmbeddingEngine } from '../embeddings/embedding-engine.js';
import { EmbeddingModelRegistry } from '../embeddings/embedding-model.registry.js';
import type { EmbedRequest } from '../embeddings/embedding.types.js';
import { evaluateEmbeddingModels, type EvaluatedModel, type EvaluationEngine, type EvaluationReport, type ModelEvaluation } from './embedding-evaluation.js';
import { parseLabelledSet, readLabelledSet, SAMPLE_SET_FILE } from './labelled-set.js';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** An engine whose vectors are chosen by the test, recording every call. */
function scriptedEngine(vectors: Record<string, number[]>, batchSize: number) {
  const config = embeddingTestConfig({ models: [hashingModel({ id: 'scripted', batchSize })] });
  const calls: EmbedRequest[] = [];
  const engine: EvaluationEngine = {
    registry: new EmbeddingModelRegistry(config.embeddings),
    embed: async (request) => {
      calls.push(request);
      return {
        model: request.model!,
        dimensions: 2,
        vectors: request.texts.map((text) => Float32Array.from(vectors[text] ?? [1, 1])),
        cacheHits: 0,
      };
    },
  };
  return { engine, calls };
}

function evaluated(result: ModelEvaluation | undefined): EvaluatedModel {
  expect(result?.status, JSON.stringify(result)).toBe('evaluated');
  return result as EvaluatedModel;
}

describe('evaluateEmbeddingModels with scripted vectors', () => {
  // Documents boiler (1,0), tyres (0,1), roof (1,1).
  // "boiler?" = (1,0.1): cosines boiler 0.995, roof 0.777, tyres 0.0995 -> boiler, roof, tyres
  // "tyres?"  = (1,0):   cosines boiler 1,     roof 0.707, tyres 0      -> boiler, roof, tyres
  const vectors = {
    'the boiler': [1, 0],
    'the tyres': [0, 1],
    'the roof': [1, 1],
    'boiler?': [1, 0.1],
    'tyres?': [1, 0],
    s1: [1, 0],
    s2: [1, 0],
    s3: [0, 1],
    s4: [1, 1],
  };
  const set = parseLabelledSet({
    name: 'scripted',
    corpus: [
      { id: 'boiler', text: 'the boiler' },
      { id: 'tyres', text: 'the tyres' },
      { id: 'roof', text: 'the roof' },
    ],
    queries: [
      { query: 'boiler?', relevant: ['boiler'] }, // found at 1
      { query: 'tyres?', relevant: ['tyres'] }, // found at 3
    ],
    pairs: [
      // cosines 1, 0 and 0.707 against scores 5, 0 and 2: the same order -> Spearman 1
      { a: 's1', b: 's2', score: 5 },
      { a: 's1', b: 's3', score: 0 },
      { a: 's1', b: 's4', score: 2 },
    ],
  });

  it('averages the metrics over the queries', async () => {
    const { engine } = scriptedEngine(vectors, 2);
    const report = await evaluateEmbeddingModels(engine, set, ['scripted']);
    expect(report.set).toEqual({ name: 'scripted', documents: 3, queries: 2, pairs: 3 });
    expect(report.cutoffs).toEqual([1, 5, 10]);
    const result = evaluated(report.models[0]);
    expect(result).toMatchObject({ model: 'scripted', provider: 'hashing', dimensions: 384 });
    // recall@1: (1 + 0) / 2; recall@5 and @10: (1 + 1) / 2
    expect(result.recall).toEqual({ 1: 0.5, 5: 1, 10: 1 });
    // MRR: (1/1 + 1/3) / 2 = 2/3
    expect(result.mrr).toBeCloseTo(2 / 3, 12);
    // nDCG@10: query 1 ideal = 1; query 2 DCG = 1/log2(3+1) = 0.5 over IDCG 1 -> (1 + 0.5) / 2
    expect(result.ndcg).toBeCloseTo(0.75, 12);
    expect(result.spearman).toBeCloseTo(1, 12);
    // 3 documents + 2 queries + 4 distinct pair sentences (s1 is in every pair, embedded once)
    expect(result.texts).toBe(9);
    expect(result.cacheHits).toBe(0);
  });

  it('cuts recall, MRR and nDCG at k', async () => {
    const { engine } = scriptedEngine(vectors, 2);
    const result = evaluated((await evaluateEmbeddingModels(engine, set, ['scripted'], { k: 2 })).models[0]);
    // tyres is 3rd for its query: outside the first 2, so that query scores 0 everywhere.
    expect(result.recall).toEqual({ 1: 0.5, 2: 0.5, 5: 1 });
    expect(result.mrr).toBe(0.5);
    expect(result.ndcg).toBe(0.5);
  });

  it('embeds the corpus as documents and the queries as queries, in batches, never falling back', async () => {
    const { engine, calls } = scriptedEngine(vectors, 2);
    await evaluateEmbeddingModels(engine, set, ['scripted']);
    expect(calls.every((c) => c.model === 'scripted' && c.allowFallback === false)).toBe(true);
    expect(calls.map((c) => [c.use, c.texts.length])).toEqual([
      ['queries', 1], // warm-up, outside the timing
      ['documents', 2],
      ['documents', 1],
      ['queries', 2],
      ['documents', 2], // pair sentences
      ['documents', 2],
    ]);
  });

  it('gives no Spearman for a set without pairs', async () => {
    const { engine, calls } = scriptedEngine(vectors, 10);
    const result = evaluated((await evaluateEmbeddingModels(engine, { ...set, pairs: [] }, ['scripted'])).models[0]);
    expect(result.spearman).toBeNull();
    expect(calls).toHaveLength(3);
  });

  it('refuses an unknown model id before embedding anything, and a k below 1', async () => {
    const { engine, calls } = scriptedEngine(vectors, 2);
    await expect(evaluateEmbeddingModels(engine, set, ['scripted', 'nope'])).rejects.toThrow(/unknown embedding model 'nope'/);
    await expect(evaluateEmbeddingModels(engine, set, ['scripted'], { k: 0 })).rejects.toThrow(RangeError);
    expect(calls).toHaveLength(0);
  });
});

describe('evaluateEmbeddingModels on the shipped sample set', () => {
  const config = embeddingTestConfig({
    models: [hashingModel(), fixtureModel({ id: 'fixture-fp32', dtype: 'fp32' }), fixtureModel({ id: 'absent', source: 'no-such-model' })],
    // A configured fallback must not be used: an evaluation measures the model it names.
    fallback: ['hashing'],
  });
  const engine = new EmbeddingEngine(config, { logger: quiet });
  afterAll(() => engine.close());
  const set = readLabelledSet(SAMPLE_SET_FILE);
  const texts = set.corpus.length + set.queries.length + new Set(set.pairs.flatMap((p) => [p.a, p.b])).size;
  let report: EvaluationReport;
  beforeAll(async () => {
    report = await evaluateEmbeddingModels(engine, set, ['hashing', 'fixture-fp32', 'absent']);
  });

  it.each(['hashing', 'fixture-fp32'])('gives %s figures in range for every text of the set', (id) => {
    const result = evaluated(report.models.find((m) => m.model === id));
    for (const value of [...Object.values(result.recall), result.mrr, result.ndcg]) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    expect(result.recall[1]).toBeLessThanOrEqual(result.recall[5]);
    expect(result.recall[5]).toBeLessThanOrEqual(result.recall[10]);
    expect(result.spearman).not.toBeNull();
    expect(Math.abs(result.spearman!)).toBeLessThanOrEqual(1);
    expect(result.texts).toBe(texts);
    expect(result.textsPerSecond).toBeGreaterThan(0);
  });

  it('finds most relevant passages with the hashing embedder, far above chance', () => {
    // The queries share words with their passages, and the hashing embedder is lexical. By chance
    // recall@10 would be 10/42 = 0.24 for every query; measured 0.88 (recall@1 0.66, MRR@10 0.80,
    // nDCG@10 0.80, Spearman 0.45). The bound leaves room for a change of hashing features.
    const result = evaluated(report.models.find((m) => m.model === 'hashing'));
    expect(result.recall[10]).toBeGreaterThan(0.6);
    expect(result.mrr).toBeGreaterThan(0.5);
  });

  // The fixture model's weights are random: its figures are not asserted, only that it ran (above).

  it('reports a model that cannot load as unavailable instead of falling back', () => {
    const absent = report.models.find((m) => m.model === 'absent');
    expect(absent).toMatchObject({ status: 'unavailable', provider: 'transformers', reason: expect.stringContaining('absent') });
  });
});
