import { describe, expect, it } from 'vitest';
import { ValidationFailedError } from '../../../contracts/errors.js';
import { packItems, packSourceChanges, vectorProblem } from './vector-batch.js';

const v = (...values: number[]) => Float32Array.from(values);

describe('vector batches', () => {
  it('packs ids and vectors into one buffer each', () => {
    const packed = packItems([{ id: 7, vector: v(1, 0) }, { id: 9, vector: v(0, 2) }], 2, 'm');
    expect(Array.from(packed.ids)).toEqual([7, 9]);
    expect(Array.from(packed.vectors)).toEqual([1, 0, 0, 2]);
  });

  it('names what is wrong with a vector', () => {
    expect(vectorProblem(v(1, 2, 3), 2)).toMatch(/3 dimensions instead of 2/);
    expect(vectorProblem(v(0, 0), 2)).toMatch(/all zeros/);
    expect(vectorProblem(v(Number.NaN, 1), 2)).toMatch(/finite/);
    expect(vectorProblem([1, 2], 2)).toMatch(/Float32Array/);
    expect(vectorProblem(v(0, 1), 2)).toBeUndefined();
  });

  it('refuses ids that are not positive integers below 2^53', () => {
    for (const id of [0, -1, 1.5, 2 ** 53]) expect(() => packItems([{ id, vector: v(1, 0) }], 2, 'm')).toThrow(ValidationFailedError);
  });

  it('turns source records into adds and removals, the latest record of an id winning', () => {
    const changes = packSourceChanges(
      [
        { id: 1, sequence: 5, vector: v(1, 0) },
        { id: 2, sequence: 6, vector: v(0, 1) },
        { id: 1, sequence: 7, deleted: true },
        { id: 3, sequence: 8, vector: v(0, 0) },
      ],
      2,
    );
    expect(Array.from(changes.adds.ids)).toEqual([2]);
    expect(Array.from(changes.removeIds)).toEqual([1]);
    expect(changes.lastSequence).toBe(8);
    expect(changes.invalid).toEqual([{ id: 3, problem: expect.stringMatching(/all zeros/) }]);
  });
});
