import { describe, expect, it } from 'vitest';
import { hashingVector } from './hashing.provider.js';
import { decodeVector, encodeVector } from './vector-codec.js';
import { cosine, normalizeInPlace } from './vector-math.js';

/** Unit vectors like a transformer's: dense, roughly Gaussian components (seeded, reproducible). */
function denseUnitVectors(count: number, dimensions: number): Float32Array[] {
  let seed = 12345;
  const uniform = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed + 0.5) / 2 ** 32;
  };
  return Array.from({ length: count }, () => {
    const v = new Float32Array(dimensions);
    for (let i = 0; i < dimensions; i++) v[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    return normalizeInPlace(v);
  });
}

function reconstructionError(vectors: Float32Array[], storage: 'fp16' | 'int8') {
  let maxAbs = 0;
  let minCosine = 1;
  for (const original of vectors) {
    const restored = decodeVector(encodeVector(original, storage), true);
    for (let i = 0; i < original.length; i++) maxAbs = Math.max(maxAbs, Math.abs(restored[i] - original[i]));
    minCosine = Math.min(minCosine, cosine(original, restored));
  }
  return { maxAbs, minCosine };
}

describe('compact vector storage', () => {
  const dense = denseUnitVectors(200, 384);
  const sparse = ['The boiler was serviced on 3 March.', 'Quarterly revenue grew.', 'x'].map((t) =>
    hashingVector(t, { dimensions: 384, maxTokens: 512, normalize: true }),
  );

  it('takes 2 bytes per number in fp16 and 1 in int8 (plus a small header)', () => {
    expect(encodeVector(dense[0], 'fp16').length).toBe(1 + 384 * 2);
    expect(encodeVector(dense[0], 'int8').length).toBe(1 + 4 + 384);
  });

  it('fp16 reconstructs unit vectors within 2^-11 relative error per number (measured)', () => {
    const { maxAbs, minCosine } = reconstructionError([...dense, ...sparse], 'fp16');
    // Components of a 384-d unit vector stay below ~0.25 here, where fp16's half-ulp is <= 2^-14.
    expect(maxAbs).toBeLessThan(2e-4);
    expect(maxAbs).toBeGreaterThan(0); // it is lossy: the test measures, it does not assume
    expect(minCosine).toBeGreaterThan(0.99999);
  });

  it('int8 with a per-vector scale stays within half a quantisation step (measured)', () => {
    const { maxAbs, minCosine } = reconstructionError([...dense, ...sparse], 'int8');
    // The step is max|x|/127; for these vectors max|x| < 0.6, so half a step is < 0.0024 (renormalising adds a little).
    expect(maxAbs).toBeLessThan(0.004);
    expect(maxAbs).toBeGreaterThan(1e-4);
    expect(minCosine).toBeGreaterThan(0.999);
  });

  it('keeps exact zeros, signs and the unnormalised scale when asked not to normalise', () => {
    const vector = Float32Array.from([0, -3, 1.5, 0.25, -0.001]);
    const fp16 = decodeVector(encodeVector(vector, 'fp16'), false);
    expect([...fp16]).toEqual([0, -3, 1.5, 0.25, expect.closeTo(-0.001, 6)]);
    const int8 = decodeVector(encodeVector(vector, 'int8'), false);
    expect(int8[0]).toBe(0);
    expect(int8[1]).toBeCloseTo(-3, 5);
    expect(int8[2]).toBeCloseTo(1.5, 1);
    expect(decodeVector(encodeVector(new Float32Array(4), 'int8'), true).every((x) => x === 0)).toBe(true);
  });

  it('rounds fp16 to the nearest representable number, ties to even, including subnormals', () => {
    const cases = Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 70000, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 1e-9]);
    const decoded = decodeVector(encodeVector(cases, 'fp16'), false);
    expect([...decoded]).toEqual([1, 1 + 2 ** -9, 65504, Number.POSITIVE_INFINITY, 2 ** -24, 0, 2 ** -24, 0]);
  });

  it('rejects bytes it did not write', () => {
    expect(() => decodeVector(Uint8Array.from([9, 0, 0]), false)).toThrow(/unknown vector encoding/);
  });
});
