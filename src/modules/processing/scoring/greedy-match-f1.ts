import { bestMatches, harmonicMean, mean } from './token-matching.js';

/** BERTScore's three numbers, each in [0, 1]. */
export interface GreedyMatchScores {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * BERTScore-style F1 of a candidate text against a reference, from their token vectors (Zhang et
 * al., 2020, without idf weighting or baseline rescaling): precision is the mean over candidate
 * tokens of the best cosine with any reference token, recall the mean over reference tokens of the
 * best cosine with any candidate token, F1 = 2PR / (P + R). Best cosines below 0 count as 0 (see
 * bestMatches), so every number lies in [0, 1]. A side without tokens scores 0 on all three.
 */
export function greedyMatchF1(candidate: readonly Float32Array[], reference: readonly Float32Array[]): GreedyMatchScores {
  if (candidate.length === 0 || reference.length === 0) return { precision: 0, recall: 0, f1: 0 };
  const { rows, columns } = bestMatches(candidate, reference);
  const precision = mean(rows);
  const recall = mean(columns);
  return { precision, recall, f1: harmonicMean(precision, recall) };
}
