import { describe, expect, it } from 'vitest';
import { greedyMatchF1 } from './greedy-match-f1.js';

const v = (...values: number[]) => Float32Array.from(values);

describe('greedyMatchF1 (BERTScore without idf)', () => {
  it('matches a hand-computed example of 2 candidate and 3 reference tokens', () => {
    // Unit vectors in 2-D. Cosines (= dot products):
    //            r1=(1,0)  r2=(0.6,0.8)  r3=(-0.8,0.6)
    //   c1=(1,0)    1         0.6          -0.8
    //   c2=(0,1)    0         0.8           0.6
    // Precision = mean of row maxima    = (1 + 0.8) / 2       = 0.9
    // Recall    = mean of column maxima = (1 + 0.8 + 0.6) / 3 = 0.8
    // F1        = 2 · 0.9 · 0.8 / (0.9 + 0.8) = 1.44 / 1.7    = 0.847058823...
    const candidate = [v(1, 0), v(0, 1)];
    const reference = [v(1, 0), v(0.6, 0.8), v(-0.8, 0.6)];
    const scores = greedyMatchF1(candidate, reference);
    expect(scores.precision).toBeCloseTo(0.9, 6);
    expect(scores.recall).toBeCloseTo(0.8, 6);
    expect(scores.f1).toBeCloseTo(1.44 / 1.7, 6);
  });

  it('is symmetric: swapping the texts swaps precision and recall and keeps F1', () => {
    const a = [v(1, 0), v(0, 1)];
    const b = [v(1, 0), v(0.6, 0.8), v(-0.8, 0.6)];
    const ab = greedyMatchF1(a, b);
    const ba = greedyMatchF1(b, a);
    expect(ba.precision).toBeCloseTo(ab.recall, 12);
    expect(ba.recall).toBeCloseTo(ab.precision, 12);
    expect(ba.f1).toBeCloseTo(ab.f1, 12);
  });

  it('gives 1 for identical token lists, and depends on directions only (not on vector lengths)', () => {
    const tokens = [v(0.3, -0.2, 0.9), v(1, 2, 3), v(-4, 0, 1)];
    expect(greedyMatchF1(tokens, tokens)).toEqual({ precision: 1, recall: 1, f1: 1 });
    const scaled = tokens.map((t) => t.map((x) => x * 7.5));
    expect(greedyMatchF1(scaled, tokens).f1).toBeCloseTo(1, 6);
  });

  it('counts a best match with a negative cosine as 0, not below', () => {
    // c=(1,0) against r1=(1,0) (cosine 1) and r2=(-0.6,-0.8) (cosine -0.6): r2's best match is clamped to 0.
    const scores = greedyMatchF1([v(1, 0)], [v(1, 0), v(-0.6, -0.8)]);
    expect(scores.precision).toBe(1);
    expect(scores.recall).toBeCloseTo(0.5, 12); // (1 + 0) / 2, not (1 - 0.6) / 2
    expect(scores.f1).toBeCloseTo(2 / 3, 12);
    expect(greedyMatchF1([v(1, 0)], [v(-1, 0)])).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it('repeats in the candidate do not raise precision above the best match (greedy, not one-to-one)', () => {
    const reference = [v(1, 0), v(0, 1)];
    const scores = greedyMatchF1([v(1, 0), v(1, 0), v(1, 0)], reference);
    expect(scores.precision).toBe(1);
    expect(scores.recall).toBeCloseTo(0.5, 12);
  });

  it('scores 0 when either side has no tokens, and treats zero vectors as matching nothing', () => {
    expect(greedyMatchF1([], [v(1, 0)])).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(greedyMatchF1([v(1, 0)], [])).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(greedyMatchF1([], [])).toEqual({ precision: 0, recall: 0, f1: 0 });
    const scores = greedyMatchF1([v(0, 0), v(1, 0)], [v(1, 0)]);
    expect(scores.precision).toBeCloseTo(0.5, 12);
    expect(scores.recall).toBe(1);
  });
});
