import { describe, expect, it } from 'vitest';
import { CoalescingRunner } from './coalescing-runner.js';

describe('CoalescingRunner', () => {
  it('never overlaps runs, and gives callers who came during a run one shared run after it', async () => {
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const gates: Array<() => void> = [];
    const runner = new CoalescingRunner(async () => {
      runs++;
      running++;
      overlapped ||= running > 1;
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
    });
    const first = runner.run();
    const second = runner.run();
    const third = runner.run();
    expect(runner.queued).toBe(true);
    gates.shift()!();
    await first;
    while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(2);
    gates.shift()!();
    await Promise.all([second, third]);
    expect({ runs, overlapped }).toEqual({ runs: 2, overlapped: false });
  });

  it('starts the next run after a failed one', async () => {
    let calls = 0;
    const runner = new CoalescingRunner(async () => {
      calls++;
      if (calls === 1) throw new Error('source down');
    });
    const failing = runner.run();
    const after = runner.run();
    await expect(failing).rejects.toThrow('source down');
    await expect(after).resolves.toBeUndefined();
  });
});
