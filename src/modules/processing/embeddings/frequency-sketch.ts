const DEPTH = 4;
const MAX_COUNT = 15; // 4-bit counters as in TinyLFU: enough to rank, small enough to age quickly
// Counters per row per cached entry: wide enough that a scan of one-time keys does not inflate
// every estimate through collisions (1 byte each: 4 rows x 8 = 32 bytes per entry of capacity).
const WIDTH_PER_ENTRY = 8;

/**
 * A count-min sketch of how often keys were seen recently: `estimate` never under-counts (it may
 * over-count on collisions). After `10 × capacity` increments every counter is halved, so old
 * popularity fades and the sketch follows the current workload.
 */
export class FrequencySketch {
  private readonly counters: Uint8Array;
  private readonly mask: number;
  private readonly sampleSize: number;
  private additions = 0;

  constructor(capacity: number) {
    let width = 16;
    while (width < capacity * WIDTH_PER_ENTRY) width *= 2;
    this.mask = width - 1;
    this.counters = new Uint8Array(width * DEPTH);
    this.sampleSize = Math.max(10 * capacity, 16);
  }

  increment(key: string): void {
    const [h1, h2] = hashPair(key);
    let added = false;
    for (let row = 0; row < DEPTH; row++) {
      const index = this.index(row, h1, h2);
      if (this.counters[index] < MAX_COUNT) {
        this.counters[index]++;
        added = true;
      }
    }
    if (added && ++this.additions >= this.sampleSize) this.age();
  }

  estimate(key: string): number {
    const [h1, h2] = hashPair(key);
    let min = MAX_COUNT;
    for (let row = 0; row < DEPTH; row++) min = Math.min(min, this.counters[this.index(row, h1, h2)]);
    return min;
  }

  /** Halves every counter. */
  age(): void {
    for (let i = 0; i < this.counters.length; i++) this.counters[i] >>= 1;
    this.additions = Math.floor(this.additions / 2);
  }

  private index(row: number, h1: number, h2: number): number {
    // Double hashing gives each row its own independent-enough position.
    return row * (this.mask + 1) + (((h1 + Math.imul(row + 1, h2)) >>> 0) & this.mask);
  }
}

function hashPair(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return [mix(a), mix(b) | 1];
}

function mix(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
