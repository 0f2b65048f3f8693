import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { NatsRecordBuilder, type NatsContext } from '@nestjs/microservices';
import { currentRequestId, receivedRequestId, REQUEST_ID_HEADER } from '../logging/request-context.js';

/** NATS headers carrying the current request id, or undefined outside a request. */
export function requestIdHeaders(): MsgHdrs | undefined {
  const requestId = currentRequestId();
  if (!requestId) return undefined;
  const headers = natsHeaders();
  headers.set(REQUEST_ID_HEADER, requestId);
  return headers;
}

/** A request payload for Nest's NATS client: the payload itself, or a record with the request id as a header. */
export function withRequestIdHeader(payload: unknown): unknown {
  const headers = requestIdHeaders();
  return headers ? new NatsRecordBuilder(payload).setHeaders(headers).build() : payload;
}

/** The request id a NATS message (or JetStream job) carries, if any. */
export function requestIdOf(headers: MsgHdrs | undefined): string | undefined {
  return receivedRequestId(headers?.get(REQUEST_ID_HEADER) || undefined);
}

/** The request id of a message received by a Nest NATS handler. */
export function requestIdOfContext(context: unknown): string | undefined {
  const headers = (context as NatsContext | undefined)?.getHeaders?.() as MsgHdrs | undefined;
  return requestIdOf(headers);
}
