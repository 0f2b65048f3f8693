import { describe, expect, it } from 'vitest';
import { TaskQueue } from './task-queue.js';

describe('TaskQueue', () => {
  it('runs tasks one at a time in order, runFirst jumping the waiting ones, and survives failures', async () => {
    const queue = new TaskQueue();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const blocker = queue.run(() => gate.then(() => void order.push('a')));
    const b = queue.run(async () => void order.push('b'));
    const failing = queue.run(async () => {
      throw new Error('boom');
    });
    const first = queue.runFirst(async () => void order.push('first'));
    release();
    await Promise.all([blocker, b, first]);
    await expect(failing).rejects.toThrow('boom');
    expect(order).toEqual(['a', 'first', 'b']);
  });

  it('idle() resolves once everything queued has run', async () => {
    const queue = new TaskQueue();
    let done = false;
    void queue.run(() => new Promise<void>((resolve) => setTimeout(resolve, 5)).then(() => void (done = true)));
    await queue.idle();
    expect(done).toBe(true);
  });
});
