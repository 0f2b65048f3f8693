import type { EmbeddingEngine } from '../embeddings/embedding-engine.js';
import { EmbeddingModelUnavailableError } from '../embeddings/embedding.errors.js';
import type { EmbeddingUse } from '../embeddings/embedding.types.js';
import { cosine } from '../embeddings/vector-math.js';
import { rankByCosine } from './cosine-ranking.js';
import type { LabelledSet } from './labelled-set.js';
import { spearman } from './rank-correlation.js';
import { mean, ndcgAtK, recallAtK, reciprocalRank } from './retrieval-metrics.js';

/** The part of the engine the evaluation uses. */
export type EvaluationEngine = Pick<EmbeddingEngine, 'embed' | 'registry'>;

export interface EvaluationOptions {
  /** Cut-off of recall@k, MRR@k and nDCG@k (default 10); recall@1 and recall@5 are always given. */
  k?: number;
  /** Texts per call to the engine (default: the model's `batchSize`). */
  batchSize?: number;
}

interface ModelIdentity {
  model: string;
  provider: string;
  dimensions: number;
}

/** Figures of one model, averaged over the queries of the set. */
export interface EvaluatedModel extends ModelIdentity {
  status: 'evaluated';
  /** recall@c for each cut-off c (1, 5 and k). */
  recall: Record<number, number>;
  /** Mean reciprocal rank of the first relevant document within the first k. */
  mrr: number;
  /** Mean nDCG@k (graded, linear gain; see retrieval-metrics.ts). */
  ndcg: number;
  /** Spearman between cosine and human score over the pairs; null without pairs (or when undefined). */
  spearman: number | null;
  /** Texts embedded (corpus, queries, distinct pair sentences), time spent in the engine, and the rate. */
  texts: number;
  seconds: number;
  textsPerSecond: number;
  /** Texts answered by the engine's caches: non-zero means `textsPerSecond` overstates the model. */
  cacheHits: number;
}

/** A model that could not be evaluated: `unavailable` cannot load (no fallback is taken), `failed` broke while embedding. */
export interface SkippedModel extends ModelIdentity {
  status: 'unavailable' | 'failed';
  reason: string;
}

export type ModelEvaluation = EvaluatedModel | SkippedModel;

export interface EvaluationReport {
  set: { name: string; documents: number; queries: number; pairs: number };
  k: number;
  /** The recall cut-offs, ascending: 1, 5 and k without repeats. */
  cutoffs: number[];
  models: ModelEvaluation[];
}

/** Embeds texts in batches with one model and no fallback, timing only the engine calls. */
class TimedEmbedder {
  texts = 0;
  seconds = 0;
  cacheHits = 0;

  constructor(
    private readonly engine: EvaluationEngine,
    private readonly model: string,
    private readonly batchSize: number,
  ) {}

  async embed(texts: readonly string[], use: EmbeddingUse): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize);
      const started = performance.now();
      const result = await this.engine.embed({ texts: batch, use, model: this.model, allowFallback: false });
      this.seconds += (performance.now() - started) / 1000;
      this.texts += batch.length;
      this.cacheHits += result.cacheHits;
      vectors.push(...result.vectors);
    }
    return vectors;
  }
}

/**
 * Runs the set against each model in turn: corpus embedded as documents, queries as queries,
 * the corpus ranked by cosine for each query, metrics averaged over the queries; and, when the
 * set has scored pairs, Spearman between the pairs' cosines and their human scores.
 * Unknown model ids throw (the caller's mistake); a model that cannot load is reported, not replaced.
 */
export async function evaluateEmbeddingModels(
  engine: EvaluationEngine,
  set: LabelledSet,
  modelIds: readonly string[],
  options: EvaluationOptions = {},
): Promise<EvaluationReport> {
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, not ${k}`);
  const models = modelIds.map((id) => engine.registry.get(id)); // every id checked before any work
  const cutoffs = [...new Set([1, 5, k])].sort((a, b) => a - b);
  const report: EvaluationReport = {
    set: { name: set.name, documents: set.corpus.length, queries: set.queries.length, pairs: set.pairs.length },
    k,
    cutoffs,
    models: [],
  };
  for (const model of models) {
    const identity = { model: model.id, provider: model.provider, dimensions: model.dimensions };
    const embedder = new TimedEmbedder(engine, model.id, options.batchSize ?? model.batchSize);
    try {
      // Loading the model (worker start, ONNX session) is not part of texts/s: a first call pays for it.
      await engine.embed({ texts: ['warm-up'], use: 'queries', model: model.id, allowFallback: false });
      report.models.push({ ...identity, ...(await evaluateModel(embedder, set, k, cutoffs)) });
    } catch (err) {
      const status = err instanceof EmbeddingModelUnavailableError ? 'unavailable' : 'failed';
      report.models.push({ ...identity, status, reason: (err as Error).message });
    }
  }
  return report;
}

async function evaluateModel(
  embedder: TimedEmbedder,
  set: LabelledSet,
  k: number,
  cutoffs: readonly number[],
): Promise<Omit<EvaluatedModel, keyof ModelIdentity>> {
  const documents = await embedder.embed(set.corpus.map((doc) => doc.text), 'documents');
  const queries = await embedder.embed(set.queries.map((q) => q.query), 'queries');
  const ids = set.corpus.map((doc) => doc.id);
  const rankings = queries.map((vector) => rankByCosine(vector, documents, ids));
  const average = (metric: (ranking: string[], i: number) => number) => mean(rankings.map(metric));

  return {
    status: 'evaluated',
    recall: Object.fromEntries(cutoffs.map((c) => [c, average((r, i) => recallAtK(r, set.queries[i].relevant, c))])),
    mrr: average((r, i) => reciprocalRank(r, set.queries[i].relevant, k)),
    ndcg: average((r, i) => ndcgAtK(r, set.queries[i].relevant, k)),
    spearman: await pairCorrelation(embedder, set),
    texts: embedder.texts,
    seconds: embedder.seconds,
    textsPerSecond: embedder.seconds > 0 ? embedder.texts / embedder.seconds : 0,
    cacheHits: embedder.cacheHits,
  };
}

/**
 * Both sentences of a pair are embedded as documents: similarity of two statements is
 * symmetric, and the query prefix of asymmetric models is meant for questions against passages.
 */
async function pairCorrelation(embedder: TimedEmbedder, set: LabelledSet): Promise<number | null> {
  if (set.pairs.length === 0) return null;
  const sentences = [...new Set(set.pairs.flatMap((p) => [p.a, p.b]))];
  const vectors = await embedder.embed(sentences, 'documents');
  const bySentence = new Map(sentences.map((s, i) => [s, vectors[i]]));
  const cosines = set.pairs.map((p) => cosine(bySentence.get(p.a)!, bySentence.get(p.b)!));
  const rho = spearman(cosines, set.pairs.map((p) => p.score));
  return Number.isNaN(rho) ? null : rho;
}
