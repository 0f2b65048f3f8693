import { describe, expect, it } from 'vitest';
import { rankByCosine } from './cosine-ranking.js';

const v = (...values: number[]) => Float32Array.from(values);

describe('rankByCosine', () => {
  it('orders documents by cosine to the query, whatever their length', () => {
    // cosines with (1, 0): a = 0 (orthogonal), b = 1 (same direction, length 10), c = 1/√2
    expect(rankByCosine(v(1, 0), [v(0, 1), v(10, 0), v(1, 1)], ['a', 'b', 'c'])).toEqual(['b', 'c', 'a']);
  });

  it('keeps corpus order between equal similarities', () => {
    expect(rankByCosine(v(1, 0), [v(0, 1), v(2, 2), v(1, 1), v(0, 3)], ['a', 'b', 'c', 'd'])).toEqual(['b', 'c', 'a', 'd']);
  });

  it('refuses vectors and ids that do not match', () => {
    expect(() => rankByCosine(v(1), [v(1)], ['a', 'b'])).toThrow(RangeError);
  });
});
