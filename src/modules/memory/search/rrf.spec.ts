import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from './rrf.js';

describe('reciprocalRankFusion', () => {
  it('adds 1/(k+rank) over every ranking a key appears in', () => {
    const scores = reciprocalRankFusion([['a', 'b'], ['b', 'c']], 60);
    expect(scores.get('a')).toBeCloseTo(1 / 61);
    expect(scores.get('b')).toBeCloseTo(1 / 62 + 1 / 61);
    expect(scores.get('c')).toBeCloseTo(1 / 62);
  });

  it('ranks a key found by both rankings above keys found by one', () => {
    const scores = reciprocalRankFusion([['x', 'both'], ['y', 'both']], 60);
    const order = [...scores.entries()].sort((p, q) => q[1] - p[1]).map(([key]) => key);
    expect(order[0]).toBe('both');
  });
});
