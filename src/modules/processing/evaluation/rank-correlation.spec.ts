import { describe, expect, it } from 'vitest';
import { averageRanks, pearson, spearman } from './rank-correlation.js';

describe('average ranks', () => {
  it('ranks from 1 for the smallest and gives tied values the mean of their positions', () => {
    // Sorted: 10 (1), 20 20 20 (positions 2, 3, 4 -> 3), 30 (5).
    expect(averageRanks([10, 20, 20, 30, 20])).toEqual([1, 3, 3, 5, 3]);
    expect(averageRanks([0.3, 0.1, 0.2])).toEqual([3, 1, 2]);
    expect(averageRanks([7, 7])).toEqual([1.5, 1.5]);
    expect(averageRanks([])).toEqual([]);
  });
});

describe('Spearman rank correlation', () => {
  it('is 1 for any increasing relation and -1 for any decreasing one', () => {
    const x = [1, 2, 3, 4, 5];
    expect(spearman(x, x.map((v) => v ** 3))).toBeCloseTo(1, 12);
    expect(spearman(x, x.map((v) => -Math.exp(v)))).toBeCloseTo(-1, 12);
  });

  it('uses average ranks for ties (a hand-computed example)', () => {
    // x = 1 2 3 4 5          -> ranks 1 2 3 4 5,     mean 3, deviations -2 -1 0 1 2
    // y = 5 6 7 8 7          -> ranks 1 2 3.5 5 3.5, mean 3, deviations -2 -1 0.5 2 0.5
    // covariance sum = 4 + 1 + 0 + 2 + 1 = 8; Σdx² = 10; Σdy² = 4 + 1 + 0.25 + 4 + 0.25 = 9.5
    // rho = 8 / sqrt(10 × 9.5) = 8 / 9.74679 = 0.82078
    // (The no-ties shortcut 1 − 6Σd²/(n(n²−1)) would give 1 − 6×3.5/120 = 0.825: wrong here.)
    const rho = spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]);
    expect(rho).toBeCloseTo(8 / Math.sqrt(95), 12);
    expect(rho).toBeCloseTo(0.82078, 5);
  });

  it('is symmetric and ignores the scale of either side', () => {
    const x = [0.1, 0.4, 0.35, 0.8, 0.05];
    const y = [1, 3, 4, 5, 0];
    expect(spearman(x, y)).toBeCloseTo(spearman(y, x), 12);
    expect(spearman(x, y)).toBeCloseTo(spearman(x.map((v) => v * 100 - 7), y), 12);
  });

  it('is NaN when undefined: one side constant, or fewer than two pairs', () => {
    expect(spearman([1, 2, 3], [4, 4, 4])).toBeNaN();
    expect(spearman([1], [2])).toBeNaN();
    expect(spearman([], [])).toBeNaN();
  });

  it('refuses lists of different lengths', () => {
    expect(() => spearman([1, 2], [1])).toThrow(RangeError);
    expect(() => pearson([1, 2], [1])).toThrow(RangeError);
  });
});

describe('Pearson correlation', () => {
  it('matches a hand-computed value', () => {
    // x = 1 2 3, y = 2 4 5: means 2 and 11/3; dx = -1 0 1; dy = -5/3 1/3 4/3
    // Σdxdy = 5/3 + 0 + 4/3 = 3; Σdx² = 2; Σdy² = 25/9 + 1/9 + 16/9 = 42/9
    // r = 3 / sqrt(2 × 42/9) = 3 / 3.05505 = 0.98198
    expect(pearson([1, 2, 3], [2, 4, 5])).toBeCloseTo(3 / Math.sqrt((2 * 42) / 9), 12);
  });
});
