import { describe, expect, it } from 'vitest';
import { batchesOf } from './ingestion.service.js';

describe('batchesOf', () => {
  it('keeps order, caps the count at 64 and the size at about 400 kB', () => {
    const small = Array.from({ length: 150 }, (_, i) => i);
    expect(batchesOf(small, () => 10).map((b) => b.length)).toEqual([64, 64, 22]);
    expect(batchesOf(small, () => 10).flat()).toEqual(small);
    expect(batchesOf([1, 2, 3, 4], () => 150_000).map((b) => b.length)).toEqual([2, 2]);
  });

  it('puts an item larger than the byte budget in a batch of its own', () => {
    expect(batchesOf(['huge', 'a'], (x) => (x === 'huge' ? 1_000_000 : 1))).toEqual([['huge'], ['a']]);
  });
});
