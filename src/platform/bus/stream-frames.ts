import type { WireError } from '../../contracts/errors.js';

/**
 * How a stream method crosses NATS. The caller sends `{ streamId, payload }`; the serving node
 * answers with a reply stream (Nest's Observable replies) of frames: items, keep-alives while it
 * has nothing to send, and at most one error frame before the end. A caller that goes away
 * publishes on the stream's cancel subject, and the serving node unsubscribes from the source.
 */
export interface StreamRequest {
  streamId: string;
  payload: unknown;
}

export type StreamFrame = { i: unknown } | { k: 1 } | { e: WireError };

/** Subject (below the install prefix) on which a stream's caller asks the serving node to stop. */
export function streamCancelSubject(streamId: string): string {
  return `stream.cancel.${streamId}`;
}

/** Keep-alive period for a stream whose caller allows `silenceMs` between frames. */
export function keepAliveMs(silenceMs: number): number {
  return Math.max(50, Math.floor(silenceMs / 3));
}

export function isStreamRequest(value: unknown): value is StreamRequest {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as StreamRequest).streamId === 'string' &&
    /^[A-Za-z0-9-]{8,64}$/.test((value as StreamRequest).streamId)
  );
}
