import type { FastifyReply } from 'fastify';
import { type Observable, Subscription } from 'rxjs';
import { SseResponse } from '../chat/sse-response.js';

export interface SseOptions {
  /** Headers to add when the stream starts (called once, just after the first item arrived). */
  headers?: () => Record<string, string>;
  /** The data sent when the source fails after the stream started (the status line is gone by then). */
  errorData: (err: unknown) => unknown;
  /** Told about failures that reached the client as an error event. */
  onStreamError?: (err: unknown) => void;
}

/**
 * Sends each item of `events` as one data-only server-sent event (`data: <json>`; strings as they
 * are), OpenAI's streaming format. The status line and headers go out with the first item, so that
 * a failure before it rejects the returned promise and becomes an ordinary HTTP error; a failure
 * after it is sent as one error event and the response ends (never left hanging). When the client
 * goes away first, the subscription is dropped, which cancels the work upstream. Resolves once the
 * response is over, whichever way.
 */
export function sendSse(reply: FastifyReply, events: Observable<unknown>, options: SseOptions): Promise<void> {
  const res = reply.raw;
  return new Promise<void>((resolve, reject) => {
    if (res.destroyed) {
      resolve(); // the client left while the request was being checked: nothing to start
      return;
    }
    let sse: SseResponse | undefined;
    let over = false;
    const subscription = new Subscription();

    const finish = (): void => {
      over = true;
      res.off('close', onClose);
      sse?.end();
      resolve();
    };
    function onClose(): void {
      if (over) return;
      subscription.unsubscribe();
      finish();
    }
    const start = (): SseResponse => {
      if (sse) return sse;
      reply.hijack();
      // Headers set on the reply so far (rate-limit counters) and ours; SseResponse adds the stream's own.
      for (const [name, value] of Object.entries({ ...reply.getHeaders(), ...options.headers?.() })) {
        if (value !== undefined) res.setHeader(name, value);
      }
      sse = new SseResponse(res);
      return sse;
    };
    const send = (item: unknown): void => start().sendData(typeof item === 'string' ? item : JSON.stringify(item));

    res.on('close', onClose);
    const observer = {
      next: (item: unknown) => {
        if (!over) send(item);
      },
      error: (err: unknown) => {
        if (over) return;
        if (!sse) {
          over = true;
          res.off('close', onClose);
          reject(err);
          return;
        }
        options.onStreamError?.(err);
        send(options.errorData(err));
        finish();
      },
      complete: () => {
        if (over) return;
        start(); // an empty source still gets a well-formed (empty) stream
        finish();
      },
    };
    subscription.add(events.subscribe(observer));
    // The client may have gone before subscribe() returned (or the source was synchronous).
    if (over) subscription.unsubscribe();
  });
}
