/** One ranked list entering the fusion: keys best first. */
export type Ranking = string[];

/**
 * Reciprocal rank fusion: score(key) = Σ over rankings of 1 / (k + rank), rank starting at 1.
 * Robust to rankings whose scores are not comparable (cosine similarity vs ts_rank).
 */
export function reciprocalRankFusion(rankings: Ranking[], k: number): Map<string, number> {
  const scores = new Map<string, number>();
  for (const ranking of rankings) {
    ranking.forEach((key, index) => scores.set(key, (scores.get(key) ?? 0) + 1 / (k + index + 1)));
  }
  return scores;
}
