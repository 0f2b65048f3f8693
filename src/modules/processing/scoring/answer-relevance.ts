import { bestMatches, harmonicMean, mean } from './token-matching.js';

/** How an answer without a reference relates to its question and retrieved context; each in [0, 1]. */
export interface RelevanceScores {
  /** How much of the answer is grounded in what was asked and retrieved (a BERTScore precision). */
  grounding: number;
  /** How much of the question the answer addresses (a BERTScore recall of the question's tokens). */
  coverage: number;
  /** The harmonic mean of the two: the relevance score. */
  score: number;
}

/**
 * The relevance of an answer that has no reference, from token vectors:
 *
 *   grounding = mean over answer tokens a of max over t in (question ∪ context) of cos(a, t)
 *   coverage  = mean over question tokens q of max over answer tokens a of cos(q, a)
 *   relevance = 2 · grounding · coverage / (grounding + coverage)
 *
 * with every best cosine clamped into [0, 1] (see bestMatches). Grounding rewards an answer built
 * from the question and the retrieved passages rather than from elsewhere; coverage checks that
 * the answer is about the question (the context cannot stand in for it). The harmonic mean needs
 * both: an answer grounded in the context but off the question scores low, and so does one that
 * echoes the question's words while adding unsupported matter. Known limits: an answer that merely
 * repeats the question scores high, and a terse correct answer ("Canberra.") covers few question
 * tokens and scores lower than a full sentence; no answer tokens, or no question tokens, give 0.
 */
export function answerRelevance(
  answer: readonly Float32Array[],
  question: readonly Float32Array[],
  context: readonly (readonly Float32Array[])[] = [],
): RelevanceScores {
  if (answer.length === 0 || question.length === 0) return { grounding: 0, coverage: 0, score: 0 };
  // One pass over answer × (question, then context): rows give grounding, the question's columns coverage.
  const { rows, columns } = bestMatches(answer, [...question, ...context.flat()]);
  const grounding = mean(rows);
  const coverage = mean(columns.subarray(0, question.length));
  return { grounding, coverage, score: harmonicMean(grounding, coverage) };
}
