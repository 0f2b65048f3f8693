import { describe, expect, it } from 'vitest';
import { splitSubQueries } from './sub-queries.js';

describe('splitSubQueries', () => {
  it('splits a comparison into the things compared', () => {
    expect(splitSubQueries('Compare the boiler manual and the heat pump notes', 4)).toEqual(['the boiler manual', 'the heat pump notes']);
    expect(splitSubQueries('What are the differences between Rust, Go and Zig?', 4)).toEqual(['Rust', 'Go', 'Zig']);
  });

  it('keeps at most max parts, without duplicates', () => {
    expect(splitSubQueries('compare a1, b2, c3, d4 and e5', 3)).toEqual(['a1', 'b2', 'c3']);
    expect(splitSubQueries('compare solar and Solar and wind', 4)).toEqual(['solar', 'wind']);
  });

  it('returns nothing when the question has a single part', () => {
    expect(splitSubQueries('Summarise everything about the garden', 4)).toEqual([]);
  });
});
