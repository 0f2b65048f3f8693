import { describe, expect, it } from 'vitest';
import { acceptRequestId, currentRequestId, receivedRequestId, runWithRequestId } from './request-context.js';

describe('request context', () => {
  it('carries the request id through awaits and timers started inside the run', async () => {
    const seen = await runWithRequestId('req-1', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return new Promise<string | undefined>((resolve) => setImmediate(() => resolve(currentRequestId())));
    });
    expect(seen).toBe('req-1');
    expect(currentRequestId()).toBeUndefined();
  });

  it('keeps two concurrent requests apart', async () => {
    const run = (id: string, delay: number) =>
      runWithRequestId(id, async () => {
        await new Promise((resolve) => setTimeout(resolve, delay));
        return currentRequestId();
      });
    expect(await Promise.all([run('a', 10), run('b', 1)])).toEqual(['a', 'b']);
  });

  it('accepts printable ids and replaces anything else with a new uuid', () => {
    expect(acceptRequestId('abc-123_x.y:z')).toBe('abc-123_x.y:z');
    for (const bad of ['', 'has space', 'x'.repeat(129), 'new\nline', 42, undefined]) {
      const id = acceptRequestId(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(receivedRequestId('bad id')).toBeUndefined();
    expect(receivedRequestId('good')).toBe('good');
  });
});
