/**
 * Relevance judgements of one query: document id -> grade. A grade above 0 means relevant;
 * binary judgements use grade 1. Documents not in the map are not relevant.
 */
export type Relevance = ReadonlyMap<string, number>;

/** A ranking: document ids, best first. */
export type Ranking = readonly string[];

function relevantCount(relevance: Relevance): number {
  let count = 0;
  for (const grade of relevance.values()) if (grade > 0) count++;
  return count;
}

/**
 * Share of the relevant documents found in the first k of the ranking:
 * |relevant ∩ top k| / |relevant|. Plain recall, as BEIR and MTEB report it, so it cannot reach 1
 * when a query has more relevant documents than k. 0 when the query has no relevant document
 * (nothing to find): evaluation sets refuse such queries, so averages are not diluted by them.
 */
export function recallAtK(ranking: Ranking, relevance: Relevance, k: number): number {
  const total = relevantCount(relevance);
  if (total === 0) return 0;
  const found = ranking.slice(0, k).filter((id) => (relevance.get(id) ?? 0) > 0).length;
  return found / total;
}

/**
 * 1 / (1-based position of the first relevant document in the first k of the ranking), 0 when
 * none is there. Averaged over queries this is the MRR@k (k = the ranking's length when absent).
 */
export function reciprocalRank(ranking: Ranking, relevance: Relevance, k = ranking.length): number {
  const position = ranking.slice(0, k).findIndex((id) => (relevance.get(id) ?? 0) > 0);
  return position === -1 ? 0 : 1 / (position + 1);
}

/**
 * Normalised discounted cumulative gain at k, with graded relevance and linear gain:
 *
 *   DCG@k  = Σ_{i=1..min(k,n)} rel_i / log2(i + 1)      rel_i = grade of the document at position i (0 if unjudged)
 *   IDCG@k = DCG@k of the ideal ranking (all judged grades, highest first)
 *   nDCG@k = DCG@k / IDCG@k, and 0 when IDCG@k = 0 (no relevant document)
 *
 * Linear gain (rel_i rather than 2^rel_i − 1) is what trec_eval and pytrec_eval compute, so the
 * figures compare with BEIR and MTEB tables; with binary judgements the two gains are the same.
 */
export function ndcgAtK(ranking: Ranking, relevance: Relevance, k: number): number {
  const ideal = [...relevance.values()].filter((grade) => grade > 0).sort((a, b) => b - a);
  const idcg = discountedGain(ideal, k);
  if (idcg === 0) return 0;
  return discountedGain(ranking.map((id) => Math.max(0, relevance.get(id) ?? 0)), k) / idcg;
}

function discountedGain(grades: readonly number[], k: number): number {
  let sum = 0;
  for (let i = 0; i < Math.min(k, grades.length); i++) sum += grades[i] / Math.log2(i + 2);
  return sum;
}

/** Arithmetic mean; 0 for no values. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}
