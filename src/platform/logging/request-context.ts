import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** Header that carries a request id: on HTTP requests and responses, on NATS messages and JetStream jobs. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** What a caller may send as a request id: short, printable, no spaces (anything else is replaced). */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The id of the request this code runs for (HTTP request, NATS call or queued job), if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Runs `fn` (and everything it starts) as part of request `requestId`. */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

/** A received id when it is acceptable, a new one otherwise. */
export function acceptRequestId(received: unknown): string {
  return typeof received === 'string' && ACCEPTABLE_ID.test(received) ? received : randomUUID();
}

/** A received id when it is acceptable, undefined otherwise (messages without an id stay without one). */
export function receivedRequestId(received: unknown): string | undefined {
  return typeof received === 'string' && ACCEPTABLE_ID.test(received) ? received : undefined;
}
