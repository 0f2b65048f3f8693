import { describe, expect, it, vi } from 'vitest';
import { TokenBuffer } from './token-buffer';

/** A scheduler run by hand: each run() is one animation frame. */
function frames() {
  let queue: Array<() => void> = [];
  return {
    schedule: (callback: () => void) => queue.push(callback),
    cancel: vi.fn(),
    run() {
      const due = queue;
      queue = [];
      due.forEach((callback) => callback());
    },
    get pending() {
      return queue.length;
    },
  };
}

describe('TokenBuffer', () => {
  it('draws a burst of tokens once, on the next frame, with all of them', () => {
    const clock = frames();
    const buffer = new TokenBuffer('t', clock.schedule, clock.cancel);
    const view = vi.fn();
    buffer.attach(view);
    view.mockClear();
    buffer.append('Hel');
    buffer.append('lo');
    buffer.append(' world');
    expect(clock.pending).toBe(1);
    expect(view).not.toHaveBeenCalled();
    clock.run();
    expect(view).toHaveBeenCalledTimes(1);
    expect(view).toHaveBeenLastCalledWith('Hello world');
  });

  it('records tars:first-token once, from the arrival of the first token\'s chunk to the end of the frame that drew it', () => {
    const clock = frames();
    const rendered: Array<() => void> = [];
    const buffer = new TokenBuffer('answer-1', clock.schedule, clock.cancel, (callback) => rendered.push(callback));
    const measure = vi.spyOn(performance, 'measure');
    const firstToken = (): unknown[][] => measure.mock.calls.filter(([name]) => name === 'tars:first-token');
    buffer.attach(() => undefined);
    const arrivedAt = performance.now() - 30;
    buffer.append('a', arrivedAt);
    clock.run();
    // The DOM has the token, but the frame is not rendered yet.
    expect(firstToken()).toHaveLength(0);
    rendered.splice(0).forEach((callback) => callback());
    buffer.append('b');
    clock.run();
    rendered.splice(0).forEach((callback) => callback());
    expect(firstToken()).toHaveLength(1);
    const options = firstToken()[0]?.[1] as { start: number; end: number; detail: string };
    expect(options.detail).toBe('answer-1');
    expect(options.start).toBe(arrivedAt);
    expect(options.end - options.start).toBeGreaterThanOrEqual(30);
    measure.mockRestore();
  });

  it('waits for a frame before measuring when the first token is drawn outside one (a view attached late)', () => {
    const clock = frames();
    const rendered: Array<() => void> = [];
    const buffer = new TokenBuffer('late', clock.schedule, clock.cancel, (callback) => rendered.push(callback));
    const measure = vi.spyOn(performance, 'measure');
    buffer.append('token');
    const view = vi.fn();
    buffer.attach(view);
    expect(view).toHaveBeenLastCalledWith('token');
    expect(rendered).toHaveLength(0);
    clock.run();
    rendered.splice(0).forEach((callback) => callback());
    expect(measure.mock.calls.filter(([name]) => name === 'tars:first-token')).toHaveLength(1);
    measure.mockRestore();
  });

  it('gives a view attached later the text so far, and replace() swaps in the final text', () => {
    const clock = frames();
    const buffer = new TokenBuffer('t', clock.schedule, clock.cancel);
    buffer.append('partial');
    const view = vi.fn();
    buffer.attach(view);
    expect(view).toHaveBeenLastCalledWith('partial');
    buffer.replace('Final answer.');
    clock.run();
    expect(view).toHaveBeenLastCalledWith('Final answer.');
    buffer.dispose();
    buffer.append('ignored');
    clock.run();
    expect(view).toHaveBeenCalledTimes(2);
  });
});
