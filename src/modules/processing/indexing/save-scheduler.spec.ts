import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SaveScheduler } from './save-scheduler.js';

describe('SaveScheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves once, a delay after the last of several changes', () => {
    const save = vi.fn();
    const scheduler = new SaveScheduler(save, 100, 10_000);
    scheduler.changed();
    vi.advanceTimersByTime(60);
    scheduler.changed();
    vi.advanceTimersByTime(60);
    expect(save).not.toHaveBeenCalled();
    vi.advanceTimersByTime(40);
    expect(save).toHaveBeenCalledTimes(1);
  });

  it('still saves within the maximum delay when changes never stop', () => {
    const save = vi.fn();
    const scheduler = new SaveScheduler(save, 100, 250);
    for (let t = 0; t < 300; t += 50) {
      scheduler.changed();
      vi.advanceTimersByTime(50);
    }
    expect(save).toHaveBeenCalledTimes(1);
  });

  it('forgets a pending save when cancelled', () => {
    const save = vi.fn();
    const scheduler = new SaveScheduler(save, 100, 1000);
    scheduler.changed();
    scheduler.cancel();
    vi.advanceTimersByTime(2000);
    expect(save).not.toHaveBeenCalled();
  });
});
