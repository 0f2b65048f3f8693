import { describe, expect, it } from 'vitest';
import { inBatches, replay, SubmitScheduler } from './scheduler.js';
import { FakeClock } from './testing/fake-clock.js';

const numbers = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const never = new AbortController().signal;
/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('replay and inBatches', () => {
  it('replays the first `limit` items `repeat` times, in batches with a short last one', () => {
    expect([...replay(['a', 'b', 'c'], 2, 2)]).toEqual(['a', 'b', 'a', 'b']);
    expect([...replay(['a', 'b'], 1, 10)]).toEqual(['a', 'b']);
    expect([...inBatches(numbers(5), 2)]).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe('SubmitScheduler at a rate', () => {
  it('sends one question every 1/rate seconds from the start, whatever the answers', async () => {
    const clock = new FakeClock();
    const sentAt: [number, number[]][] = [];
    const scheduler = new SubmitScheduler<number>({ kind: 'rate', perSecond: 4 }, 1, clock);
    const sent = await scheduler.run(numbers(5), async (batch) => void sentAt.push([clock.now(), batch]), never);
    expect(sent).toBe(5);
    expect(sentAt).toEqual([
      [0, [1]],
      [250, [2]],
      [500, [3]],
      [750, [4]],
      [1000, [5]],
    ]);
  });

  it('counts questions, not requests: batches of 2 at 4 questions/s leave every 500 ms', async () => {
    const clock = new FakeClock();
    const sentAt: [number, number[]][] = [];
    const scheduler = new SubmitScheduler<number>({ kind: 'rate', perSecond: 4 }, 2, clock);
    await scheduler.run(numbers(5), async (batch) => void sentAt.push([clock.now(), batch]), never);
    expect(sentAt).toEqual([
      [0, [1, 2]],
      [500, [3, 4]],
      [1000, [5]],
    ]);
  });

  it('does not fall behind a slow request: the next one leaves on time while it is open', async () => {
    const clock = new FakeClock();
    const sentAt: number[] = [];
    let finishFirst!: () => void;
    const scheduler = new SubmitScheduler<number>({ kind: 'rate', perSecond: 10 }, 1, clock);
    await scheduler.run(
      numbers(3),
      (batch) => {
        sentAt.push(clock.now());
        return batch[0] === 1 ? new Promise<void>((resolve) => (finishFirst = resolve)) : (finishFirst(), Promise.resolve());
      },
      never,
    );
    expect(sentAt).toEqual([0, 100, 200]);
  });

  it('keeps at most maxOpenRequests requests open, even at a high rate', async () => {
    const clock = new FakeClock();
    const open: (() => void)[] = [];
    let mostOpen = 0;
    const scheduler = new SubmitScheduler<number>({ kind: 'rate', perSecond: 1000 }, 1, clock, 2);
    const running = scheduler.run(
      numbers(6),
      () =>
        new Promise<void>((resolve) => {
          open.push(resolve);
          mostOpen = Math.max(mostOpen, open.length);
        }),
      never,
    );
    for (let i = 0; i < 6; i++) {
      await settle();
      open.shift()?.();
    }
    await settle();
    while (open.length > 0) open.shift()!();
    expect(await running).toBe(6);
    expect(mostOpen).toBe(2);
  });
});

describe('SubmitScheduler at a concurrency', () => {
  it('keeps at most `limit` questions in flight, sending the next when one is released', async () => {
    const clock = new FakeClock();
    const scheduler = new SubmitScheduler<number>({ kind: 'concurrency', limit: 3 }, 1, clock);
    const sent: number[] = [];
    let mostInFlight = 0;
    const running = scheduler.run(
      numbers(10),
      async (batch) => {
        sent.push(...batch);
        mostInFlight = Math.max(mostInFlight, scheduler.questionsInFlight);
      },
      never,
    );
    await settle();
    expect(sent).toEqual([1, 2, 3]);
    scheduler.release(1);
    await settle();
    expect(sent).toEqual([1, 2, 3, 4]);
    for (let i = 0; i < 6; i++) {
      scheduler.release(1);
      await settle();
    }
    expect(await running).toBe(10);
    expect(sent).toEqual(numbers(10));
    expect(mostInFlight).toBe(3);
  });

  it('sends a batch only when the whole batch fits', async () => {
    const scheduler = new SubmitScheduler<number>({ kind: 'concurrency', limit: 4 }, 3, new FakeClock());
    const batches: number[][] = [];
    const running = scheduler.run(numbers(7), async (batch) => void batches.push(batch), never);
    await settle();
    expect(batches).toEqual([[1, 2, 3]]);
    scheduler.release(1);
    await settle();
    expect(batches).toEqual([[1, 2, 3]]);
    scheduler.release(1);
    await settle();
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6]]);
    scheduler.release(4);
    expect(await running).toBe(7);
    expect(batches.at(-1)).toEqual([7]);
  });

  it('stops sending when the signal aborts and returns what it sent', async () => {
    const controller = new AbortController();
    const scheduler = new SubmitScheduler<number>({ kind: 'concurrency', limit: 2 }, 1, new FakeClock());
    const running = scheduler.run(numbers(10), async () => undefined, controller.signal);
    await settle();
    controller.abort('timeout');
    expect(await running).toBe(2);
  });
});
