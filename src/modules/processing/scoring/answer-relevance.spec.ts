import { describe, expect, it } from 'vitest';
import { answerRelevance } from './answer-relevance.js';

const v = (...values: number[]) => Float32Array.from(values);
// Three orthogonal "meanings" and one halfway between the first two.
const X = v(1, 0, 0);
const Y = v(0, 1, 0);
const Z = v(0, 0, 1);
const XY = v(Math.SQRT1_2, Math.SQRT1_2, 0);

describe('answerRelevance', () => {
  it('is the harmonic mean of grounding (answer vs question and context) and coverage (question vs answer)', () => {
    // Answer [X, Y]; question [X, Z]; context [[Y]].
    // grounding: X best 1 (question), Y best 1 (context) -> 1
    // coverage:  X best 1, Z best 0 -> 0.5
    // relevance = 2 · 1 · 0.5 / 1.5 = 2/3
    const scores = answerRelevance([X, Y], [X, Z], [[Y]]);
    expect(scores.grounding).toBeCloseTo(1, 12);
    expect(scores.coverage).toBeCloseTo(0.5, 12);
    expect(scores.score).toBeCloseTo(2 / 3, 12);
  });

  it('counts retrieved context towards grounding: without it the same answer is less grounded', () => {
    // Without context, Y is grounded nowhere: grounding (1 + 0) / 2 = 0.5, coverage 0.5, relevance 0.5.
    const scores = answerRelevance([X, Y], [X, Z]);
    expect(scores.grounding).toBeCloseTo(0.5, 12);
    expect(scores.score).toBeCloseTo(0.5, 12);
    expect(scores.score).toBeLessThan(answerRelevance([X, Y], [X, Z], [[Y]]).score);
  });

  it('does not let the context stand in for the question: an answer copied from an off-question passage scores 0', () => {
    const scores = answerRelevance([Y], [X, Z], [[Y]]);
    expect(scores.grounding).toBe(1);
    expect(scores.coverage).toBe(0);
    expect(scores.score).toBe(0);
  });

  it('uses partial similarities: an answer token halfway between two question tokens covers both at cos 45°', () => {
    // grounding = cos(XY, X) = 0.7071...; coverage = mean(0.7071, 0.7071); relevance = 0.7071...
    const scores = answerRelevance([XY], [X, Y]);
    expect(scores.grounding).toBeCloseTo(Math.SQRT1_2, 6);
    expect(scores.coverage).toBeCloseTo(Math.SQRT1_2, 6);
    expect(scores.score).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('gives 1 to an answer that is the question, and stays within [0, 1] with opposite vectors', () => {
    expect(answerRelevance([X, Z], [X, Z]).score).toBe(1);
    const opposite = answerRelevance([v(-1, 0, 0)], [X], [[v(0, -1, 0)]]);
    expect(opposite).toEqual({ grounding: 0, coverage: 0, score: 0 });
  });

  it('gives 0 when the answer or the question has no tokens', () => {
    expect(answerRelevance([], [X], [[X]]).score).toBe(0);
    expect(answerRelevance([X], [], [[X]]).score).toBe(0);
  });
});
