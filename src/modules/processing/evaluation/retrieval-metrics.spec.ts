import { describe, expect, it } from 'vitest';
import { mean, ndcgAtK, recallAtK, reciprocalRank, type Relevance } from './retrieval-metrics.js';

const binary = (...ids: string[]): Relevance => new Map(ids.map((id) => [id, 1]));
const graded = (grades: Record<string, number>): Relevance => new Map(Object.entries(grades));

// One ranking for most examples: five documents, best first.
const RANKING = ['a', 'b', 'c', 'd', 'e'];

describe('recall@k', () => {
  it('is the share of relevant documents found in the first k, counting those never retrieved', () => {
    // Relevant: b (position 2), e (position 5) and z (not retrieved) -> 3 relevant in all.
    const relevance = binary('b', 'e', 'z');
    expect(recallAtK(RANKING, relevance, 1)).toBe(0); // top 1 = [a]: 0 of 3
    expect(recallAtK(RANKING, relevance, 2)).toBeCloseTo(1 / 3, 12); // [a, b]: b -> 1 of 3
    expect(recallAtK(RANKING, relevance, 5)).toBeCloseTo(2 / 3, 12); // b, e -> 2 of 3
    expect(recallAtK(RANKING, relevance, 10)).toBeCloseTo(2 / 3, 12); // k beyond the ranking: the same
  });

  it('cannot reach 1 when there are more relevant documents than k (plain recall, not capped)', () => {
    expect(recallAtK(RANKING, binary('a', 'b'), 1)).toBe(0.5); // a found, b outside the top 1
  });

  it('counts a document with grade 0 as not relevant', () => {
    expect(recallAtK(RANKING, graded({ a: 0, b: 2 }), 1)).toBe(0); // only b is relevant, at position 2
  });

  it('is 1 when every document is relevant and 0 when none is', () => {
    expect(recallAtK(RANKING, binary(...RANKING), 5)).toBe(1);
    expect(recallAtK(RANKING, binary(), 5)).toBe(0);
  });
});

describe('reciprocal rank', () => {
  it('is 1 / position of the first relevant document', () => {
    expect(reciprocalRank(RANKING, binary('b', 'e'))).toBe(0.5); // b at position 2 -> 1/2
    expect(reciprocalRank(RANKING, binary('e'))).toBe(0.2); // position 5 -> 1/5
    expect(reciprocalRank(RANKING, binary('a'))).toBe(1);
  });

  it('is 0 when no relevant document is in the first k', () => {
    expect(reciprocalRank(RANKING, binary('e'), 4)).toBe(0); // e is 5th, cut at 4
    expect(reciprocalRank(RANKING, binary('z'))).toBe(0); // never retrieved
    expect(reciprocalRank(RANKING, binary())).toBe(0); // nothing relevant
    expect(reciprocalRank([], binary('a'))).toBe(0); // empty ranking
  });
});

describe('nDCG@k', () => {
  it('with binary relevance: relevant b at 2 and e at 5 against the ideal b, e at 1 and 2', () => {
    // DCG  = 1/log2(2+1) + 1/log2(5+1) = 0.63093 + 0.38685 = 1.01778
    // IDCG = 1/log2(1+1) + 1/log2(2+1) = 1 + 0.63093       = 1.63093
    // nDCG = 1.01778 / 1.63093 = 0.62405
    const expected = (1 / Math.log2(3) + 1 / Math.log2(6)) / (1 + 1 / Math.log2(3));
    expect(ndcgAtK(RANKING, binary('b', 'e'), 10)).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.62405, 5);
  });

  it('with graded relevance, counting a relevant document that was never retrieved in the ideal ranking', () => {
    // Grades a=1, c=2, x=3 (x not retrieved); ranking a, b, c.
    // DCG@10  = 1/log2(2) + 0/log2(3) + 2/log2(4) = 1 + 0 + 1                 = 2
    // IDCG@10 = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.26186 + 0.5          = 4.76186
    // nDCG@10 = 2 / 4.76186 = 0.42000
    const relevance = graded({ a: 1, c: 2, x: 3 });
    expect(ndcgAtK(['a', 'b', 'c'], relevance, 10)).toBeCloseTo(2 / (3 + 2 / Math.log2(3) + 0.5), 12);
    expect(ndcgAtK(['a', 'b', 'c'], relevance, 10)).toBeCloseTo(0.42, 5);
    // Cut at 2: DCG@2 = 1, IDCG@2 = 3 + 1.26186 = 4.26186, nDCG@2 = 0.23464
    expect(ndcgAtK(['a', 'b', 'c'], relevance, 2)).toBeCloseTo(1 / (3 + 2 / Math.log2(3)), 12);
  });

  it('is 1 for the ideal order, whether all documents are relevant or only some', () => {
    expect(ndcgAtK(RANKING, binary(...RANKING), 10)).toBeCloseTo(1, 12);
    expect(ndcgAtK(['c', 'a', 'b'], graded({ c: 3, a: 2, b: 1 }), 10)).toBeCloseTo(1, 12);
    // Equal grades in any order are still ideal.
    expect(ndcgAtK(['b', 'a'], binary('a', 'b'), 10)).toBeCloseTo(1, 12);
  });

  it('is 0 when nothing relevant exists or none is in the first k', () => {
    expect(ndcgAtK(RANKING, binary(), 10)).toBe(0);
    expect(ndcgAtK(RANKING, binary('e'), 4)).toBe(0);
  });

  it('stays in [0, 1] when the ranking holds unjudged and zero-graded documents', () => {
    const value = ndcgAtK(['q', 'a', 'r', 'b'], graded({ a: 0, b: 1 }), 10);
    // DCG = 1/log2(5) = 0.43068, IDCG = 1
    expect(value).toBeCloseTo(1 / Math.log2(5), 12);
  });
});

describe('mean', () => {
  it('averages, and is 0 for nothing', () => {
    expect(mean([1, 0.5, 0])).toBe(0.5);
    expect(mean([])).toBe(0);
  });
});
