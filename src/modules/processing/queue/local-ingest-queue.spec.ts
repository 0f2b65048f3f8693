import { describe, expect, it } from 'vitest';
import { QueueRegistry } from '../../../platform/queue/queue-registry.js';
import type { JobContext, JobOutcome } from './ingest-queue.js';
import { LocalIngestQueue } from './local-ingest-queue.js';

const until = async (check: () => boolean, ms = 2000) => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
};

describe('LocalIngestQueue', () => {
  it('runs each queued document once, even when it is queued twice while waiting', async () => {
    const queue = new LocalIngestQueue(1, 3);
    const seen: string[] = [];
    await queue.enqueue({ documentId: 'a' });
    await queue.enqueue({ documentId: 'a' });
    await queue.enqueue({ documentId: 'b' });
    await queue.start(async (job) => {
      seen.push(job.documentId);
      return { kind: 'done' };
    });
    await until(() => seen.length === 2);
    await queue.stop();
    expect(seen).toEqual(['a', 'b']);
  });

  it('retries after the delay with the attempt number, and tells the handler about the last attempt', async () => {
    const queue = new LocalIngestQueue(1, 3);
    const contexts: JobContext[] = [];
    await queue.start(async (_job, context): Promise<JobOutcome> => {
      contexts.push(context);
      return { kind: 'retry', delayMs: 1 };
    });
    await queue.enqueue({ documentId: 'x' });
    await until(() => contexts.length === 3);
    await new Promise((r) => setTimeout(r, 20));
    await queue.stop();
    expect(contexts).toEqual([
      { attempt: 1, lastAttempt: false },
      { attempt: 2, lastAttempt: false },
      { attempt: 3, lastAttempt: true },
    ]);
  });

  it('runs at most `concurrency` jobs at once and waits for them on stop', async () => {
    const queue = new LocalIngestQueue(2, 1);
    let running = 0;
    let peak = 0;
    let finished = 0;
    await queue.start(async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      finished++;
      return { kind: 'done' };
    });
    for (const id of ['1', '2', '3', '4', '5']) await queue.enqueue({ documentId: id });
    await until(() => finished >= 2);
    await queue.stop();
    expect(peak).toBe(2);
    expect(running).toBe(0);
  });

  it('shows itself in the queue registry while its workers run, with its depth and no problem', async () => {
    const registry = new QueueRegistry();
    const queue = new LocalIngestQueue(1, 1, registry);
    await queue.enqueue({ documentId: 'waiting' });
    expect(registry.list()).toEqual([]);
    expect(await queue.problem()).toBe('the workers have not started');

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await queue.start(async () => {
      await held;
      return { kind: 'done' };
    });
    const [registered] = registry.list();
    expect(registered.name).toBe('ingest');
    expect(await registered.depth()).toBe(1);
    expect(await registered.problem?.()).toBeUndefined();

    release();
    await queue.stop();
    expect(registry.list()).toEqual([]);
  });
});
