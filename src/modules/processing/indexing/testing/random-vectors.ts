// Vectors for tests and benchmarks: seeded, so a failure can be replayed, and unit length, as
// embeddings are. Random unit vectors in many dimensions are the hardest case for HNSW (no
// structure to exploit: every point is almost equally far from every other).

/** A small fast seeded PRNG (mulberry32): numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` random directions (Gaussian components, normalised). */
export function randomUnitVectors(count: number, dimensions: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: count }, () => {
    const vector = Float32Array.from({ length: dimensions }, gaussian);
    return normalised(vector);
  });
}

/**
 * Unit vectors that lie near a `rank`-dimensional subspace (Gaussian mixes of `rank` random
 * directions, plus a little noise): closer to real text embeddings, whose intrinsic dimension is
 * far below their length, than uniformly random directions. Same `seed`, same subspace: draw
 * items and queries with one seed and different `sample` numbers.
 */
export function lowRankUnitVectors(count: number, dimensions: number, rank: number, seed: number, sample = 0): Float32Array[] {
  const basis = randomUnitVectors(rank, dimensions, seed);
  const random = seededRandom(seed * 7919 + sample + 1);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const noise = 0.1 * Math.sqrt(rank / dimensions);
  return Array.from({ length: count }, () => {
    const vector = Float32Array.from({ length: dimensions }, () => noise * gaussian());
    for (const direction of basis) {
      const weight = gaussian();
      for (let j = 0; j < dimensions; j++) vector[j] += weight * direction[j];
    }
    return normalised(vector);
  });
}

export function normalised(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const scale = 1 / Math.sqrt(sum);
  return vector.map((value) => value * scale);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** The exact top k ids by inner product (brute force), best first; ties by smaller id. */
export function exactTopK(items: ReadonlyArray<{ id: number; vector: Float32Array }>, query: Float32Array, k: number): Array<{ id: number; score: number }> {
  return items
    .map((item) => ({ id: item.id, score: dot(item.vector, query) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, k);
}

/** Fraction of the exact top-k ids found in the approximate top-k, over all queries. */
export function recallAtK(approximate: ReadonlyArray<ReadonlyArray<{ id: number }>>, exact: ReadonlyArray<ReadonlyArray<{ id: number }>>, k: number): number {
  let found = 0;
  let wanted = 0;
  exact.forEach((truth, q) => {
    const got = new Set(approximate[q].slice(0, k).map((hit) => hit.id));
    for (const { id } of truth.slice(0, k)) {
      wanted++;
      if (got.has(id)) found++;
    }
  });
  return wanted === 0 ? 1 : found / wanted;
}

/** Items with ids 1..count (or from `firstId`). */
export function randomItems(count: number, dimensions: number, seed: number, firstId = 1): Array<{ id: number; vector: Float32Array }> {
  return randomUnitVectors(count, dimensions, seed).map((vector, i) => ({ id: firstId + i, vector }));
}
