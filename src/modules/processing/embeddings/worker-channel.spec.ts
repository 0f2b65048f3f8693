import { afterEach, describe, expect, it } from 'vitest';
import { WorkerChannel, WorkerCrashedError, WorkerStartError, WorkerTaskError } from './worker-channel.js';

const SCRIPTED_WORKER = new URL('../../../../test/support/workers/scripted.worker.mjs', import.meta.url);

type Reply = { echo: string; threadId: number };

describe('worker channel', () => {
  let channel: WorkerChannel<string, Reply>;
  afterEach(() => channel?.close());

  it('answers each request from the worker thread', async () => {
    channel = new WorkerChannel(SCRIPTED_WORKER, {}, 'test');
    const [a, b] = await Promise.all([channel.request('a'), channel.request('b')]);
    expect(a.echo).toBe('a');
    expect(b.echo).toBe('b');
    expect(a.threadId).toBe(b.threadId);
  });

  it('fails the tasks of a crashed worker, not the process, and starts a new worker for the next task', async () => {
    channel = new WorkerChannel(SCRIPTED_WORKER, {}, 'test');
    const before = await channel.request('before');
    const inFlight = channel.request('hang'); // still owed an answer when the worker dies
    const crash = channel.request('crash');
    await expect(crash).rejects.toBeInstanceOf(WorkerCrashedError);
    await expect(inFlight).rejects.toBeInstanceOf(WorkerCrashedError);
    const after = await channel.request('after');
    expect(after.echo).toBe('after');
    expect(after.threadId).not.toBe(before.threadId);
  });

  it('reports a task error as such and keeps the worker', async () => {
    channel = new WorkerChannel(SCRIPTED_WORKER, {}, 'test');
    const before = await channel.request('x');
    await expect(channel.request('fail')).rejects.toBeInstanceOf(WorkerTaskError);
    expect((await channel.request('y')).threadId).toBe(before.threadId);
  });

  it('reports a worker that cannot start as a start error', async () => {
    channel = new WorkerChannel(SCRIPTED_WORKER, { failStart: true }, 'test');
    await expect(channel.request('x')).rejects.toBeInstanceOf(WorkerStartError);
    await expect(channel.start()).rejects.toThrow(/asked to fail at start/);
  });

  it('reports a missing worker entry point as a start error', async () => {
    channel = new WorkerChannel(new URL('./no-such.worker.mjs', import.meta.url), {}, 'test');
    await expect(channel.request('x')).rejects.toBeInstanceOf(WorkerStartError);
  });
});
