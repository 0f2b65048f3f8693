import { FrequencySketch } from './frequency-sketch.js';

/**
 * A bounded LRU cache with frequency-aware admission (W-TinyLFU without the segmented main area).
 * New entries enter a small LRU window (1% of the capacity). When an entry leaves the window, it
 * may replace the least recently used entry of the main area only if the frequency sketch has seen
 * it more often than that victim; otherwise it is dropped. A burst of one-time keys (a large
 * import) therefore cannot flush entries that are asked for again and again (frequent queries).
 */
export class TinyLfuCache<V> {
  private readonly window = new Map<string, V>();
  private readonly main = new Map<string, V>();
  private readonly windowCapacity: number;
  private readonly mainCapacity: number;
  private readonly sketch: FrequencySketch;

  constructor(readonly capacity: number) {
    this.windowCapacity = capacity === 0 ? 0 : Math.max(1, Math.round(capacity / 100));
    this.mainCapacity = capacity - this.windowCapacity;
    this.sketch = new FrequencySketch(Math.max(capacity, 1));
  }

  get size(): number {
    return this.window.size + this.main.size;
  }

  /** The cached value, made most recently used; every lookup (hit or miss) counts towards the key's frequency. */
  get(key: string): V | undefined {
    if (this.capacity === 0) return undefined;
    this.sketch.increment(key);
    for (const area of [this.window, this.main]) {
      const value = area.get(key);
      if (value !== undefined) {
        area.delete(key);
        area.set(key, value);
        return value;
      }
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.window.has(key) || this.main.has(key);
  }

  set(key: string, value: V): void {
    if (this.capacity === 0) return;
    for (const area of [this.window, this.main]) {
      if (area.has(key)) {
        area.delete(key);
        area.set(key, value);
        return;
      }
    }
    this.window.set(key, value);
    if (this.window.size > this.windowCapacity) this.promote(oldest(this.window)!);
  }

  /** Moves the window's LRU entry into the main area if it is admitted there. */
  private promote(candidate: string): void {
    const value = this.window.get(candidate)!;
    this.window.delete(candidate);
    if (this.main.size < this.mainCapacity) {
      this.main.set(candidate, value);
      return;
    }
    const victim = oldest(this.main);
    if (victim === undefined) return; // no main area (capacity 1): the window is the whole cache
    if (this.sketch.estimate(candidate) > this.sketch.estimate(victim)) {
      this.main.delete(victim);
      this.main.set(candidate, value);
    }
  }
}

function oldest(map: Map<string, unknown>): string | undefined {
  return map.keys().next().value;
}
