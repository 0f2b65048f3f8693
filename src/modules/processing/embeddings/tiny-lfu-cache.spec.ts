import { describe, expect, it } from 'vitest';
import { FrequencySketch } from './frequency-sketch.js';
import { TinyLfuCache } from './tiny-lfu-cache.js';

/** What the engine does for each text: look up (which counts), then store what was missing. */
function use(cache: TinyLfuCache<string>, key: string): void {
  if (cache.get(key) === undefined) cache.set(key, `value of ${key}`);
}

describe('frequency sketch', () => {
  it('never under-counts, even with many more keys than its width', () => {
    const sketch = new FrequencySketch(64);
    for (let k = 0; k < 200; k++) for (let i = 0; i < k % 5; i++) sketch.increment(`key-${k}`);
    for (let k = 0; k < 200; k++) expect(sketch.estimate(`key-${k}`)).toBeGreaterThanOrEqual(k % 5);
  });

  it('counts up to 15 and halves every count when aged', () => {
    const sketch = new FrequencySketch(1000);
    for (let i = 0; i < 20; i++) sketch.increment('hot');
    for (let i = 0; i < 6; i++) sketch.increment('warm');
    expect(sketch.estimate('hot')).toBe(15);
    expect(sketch.estimate('warm')).toBe(6);
    sketch.age();
    expect(sketch.estimate('hot')).toBe(7);
    expect(sketch.estimate('warm')).toBe(3);
  });

  it('ages by itself after ten times its capacity in additions, so old popularity fades', () => {
    const sketch = new FrequencySketch(16);
    for (let i = 0; i < 15; i++) sketch.increment('old favourite');
    for (let i = 0; i < 200; i++) sketch.increment(`newcomer-${i}`);
    expect(sketch.estimate('old favourite')).toBeLessThan(15);
  });
});

describe('TinyLFU cache', () => {
  it('never holds more entries than its capacity', () => {
    const cache = new TinyLfuCache<string>(100);
    for (let i = 0; i < 5000; i++) use(cache, `key-${i % 700}-${Math.floor(i / 7)}`);
    expect(cache.size).toBe(100);
  });

  it('returns what was stored and keeps recently stored entries while there is room', () => {
    const cache = new TinyLfuCache<string>(10);
    for (let i = 0; i < 10; i++) use(cache, `k${i}`);
    for (let i = 0; i < 10; i++) expect(cache.get(`k${i}`)).toBe(`value of k${i}`);
  });

  it('admits an entry leaving the window over the LRU victim only when it was seen more often', () => {
    // capacity 10 = a window of 1 + a main area of 9
    const cache = new TinyLfuCache<string>(10);
    for (let i = 0; i < 10; i++) use(cache, `k${i}`); // k0..k8 in main (seen once each), k9 in the window
    cache.get('k0'); // k0 becomes the most recent entry of main; k1 is now its LRU victim

    for (let i = 0; i < 3; i++) cache.get('frequent'); // asked for 3 times before it could be stored
    cache.set('frequent', 'f'); // enters the window, pushing k9 out: k9 (seen once) does not beat k1 (seen once)
    expect(cache.has('k9')).toBe(false);
    expect(cache.has('k1')).toBe(true);

    use(cache, 'once'); // pushes 'frequent' out of the window: seen 4 times, it beats k1 (seen once)
    expect(cache.has('frequent')).toBe(true);
    expect(cache.has('k1')).toBe(false);
    expect(cache.has('k0')).toBe(true); // recently used, not the victim
    expect(cache.has('once')).toBe(true); // in the window
    expect(cache.size).toBe(10);
  });

  it('keeps answering frequent keys during a scan of one-time keys (a large import), where plain LRU would not', () => {
    // 50 frequent queries, each asked every 150 lookups, between 2 new chunks per query lookup:
    // more distinct keys than the capacity pass between two uses of a query, so plain LRU misses always.
    const cache = new TinyLfuCache<string>(100);
    let hits = 0;
    let asked = 0;
    for (let step = 0; step < 6000; step++) {
      use(cache, `chunk-${step}`);
      if (step % 2 === 1) continue;
      const query = `query-${(step / 2) % 50}`;
      const hit = cache.get(query) !== undefined;
      if (!hit) cache.set(query, 'q');
      if (step >= 3000) {
        asked++;
        if (hit) hits++;
      }
    }
    expect(hits / asked).toBeGreaterThan(0.9); // measured: 1.0 here, 0.0 with plain LRU of the same size
    expect(cache.size).toBe(100);
  });

  it('lets a plain LRU-sized workload of equal frequencies churn through the window without growing', () => {
    const cache = new TinyLfuCache<string>(3);
    for (let i = 0; i < 10; i++) use(cache, `k${i}`);
    expect(cache.size).toBe(3);
    expect(cache.has('k9')).toBe(true); // the newest entry is always held (in the window)
  });

  it('holds nothing with capacity 0', () => {
    const cache = new TinyLfuCache<string>(0);
    use(cache, 'a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
