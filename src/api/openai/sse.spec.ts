import Fastify, { type FastifyInstance } from 'fastify';
import { concat, Observable, of, throwError } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { sendSse } from './sse.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A server whose GET / streams `source()` with sendSse, and answers 503 JSON when it rejects. */
async function serve(source: () => Observable<unknown>): Promise<string> {
  app = Fastify({ forceCloseConnections: true });
  app.get('/', async (_req, reply) => {
    void reply.header('x-ratelimit-remaining', '9');
    try {
      await sendSse(reply, source(), {
        headers: () => ({ 'x-extra': 'yes' }),
        errorData: (err) => ({ error: { message: (err as Error).message } }),
      });
    } catch (err) {
      return reply.status(503).send({ failed: (err as Error).message });
    }
  });
  return app.listen({ port: 0, host: '127.0.0.1' });
}

describe('sendSse', () => {
  it('sends each item as a data line (strings as they are) with the stream headers and the reply’s own', async () => {
    const url = await serve(() => of({ a: 1 }, '[DONE]'));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toMatch(/^no-cache/);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('x-extra')).toBe('yes');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('9');
    expect(await res.text()).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
  });

  it('a failure before the first item is an ordinary HTTP error', async () => {
    const url = await serve(() => throwError(() => new Error('model not found')));
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ failed: 'model not found' });
  });

  it('a failure after the first item becomes an error event, and the stream ends', async () => {
    const url = await serve(() => concat(of({ a: 1 }), throwError(() => new Error('backend went away'))));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('data: {"a":1}\n\ndata: {"error":{"message":"backend went away"}}\n\n');
  });

  it('unsubscribes from the source when the client goes away, cancelling the work upstream', async () => {
    let unsubscribed!: () => void;
    const cancelled = new Promise<void>((resolve) => (unsubscribed = resolve));
    const url = await serve(
      () =>
        new Observable((subscriber) => {
          subscriber.next({ piece: 1 }); // then never completes
          return unsubscribed;
        }),
    );
    const controller = new AbortController();
    const res = await fetch(url, { signal: controller.signal });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"piece":1}\n\n');
    controller.abort();
    await cancelled;

  });
});
