import { dot } from '../embeddings/vector-math.js';

/** For each row of a similarity matrix its best value, and for each column its best value. */
export interface BestMatches {
  /** `rows[i]`: the best similarity of `from[i]` with any vector of `to`. */
  rows: Float64Array;
  /** `columns[j]`: the best similarity of `to[j]` with any vector of `from`. */
  columns: Float64Array;
}

/**
 * Greedy matching of two sets of token vectors, in one pass over their cosine matrix. Each best
 * cosine is clamped into [0, 1]: a token whose nearest counterpart points away from it is matched
 * no better than one with an unrelated (orthogonal) counterpart, rather than dragging the mean
 * below zero (contextual models rarely give negative cosines; hashed vectors, with their hashed
 * signs, do); the upper clamp only absorbs rounding. Zero vectors match nothing (cosine 0).
 */
export function bestMatches(from: readonly Float32Array[], to: readonly Float32Array[]): BestMatches {
  const rows = new Float64Array(from.length);
  const columns = new Float64Array(to.length);
  const toNorms = to.map(norm);
  for (const [i, a] of from.entries()) {
    const aNorm = norm(a);
    if (aNorm === 0) continue;
    for (const [j, b] of to.entries()) {
      if (toNorms[j] === 0) continue;
      const similarity = clamp(dot(a, b) / (aNorm * toNorms[j]));
      if (similarity > rows[i]) rows[i] = similarity;
      if (similarity > columns[j]) columns[j] = similarity;
    }
  }
  return { rows, columns };
}

/** The mean of some numbers; 0 for none. */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** The harmonic mean of two scores in [0, 1] (F1 of a precision and a recall); 0 when both are 0. */
export function harmonicMean(a: number, b: number): number {
  return a + b === 0 ? 0 : (2 * a * b) / (a + b);
}

function norm(vector: Float32Array): number {
  return Math.sqrt(dot(vector, vector));
}

function clamp(similarity: number): number {
  return similarity < 0 ? 0 : similarity > 1 ? 1 : similarity;
}
