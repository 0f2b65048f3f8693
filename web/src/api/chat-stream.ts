import { SseParser } from '../lib/sse';
import { ApiError, type Schemas, send } from './client';

export type AskBody = Schemas['AskCommand'];
export type ChatAnswer = Schemas['ChatAnswerDto'];
/** The `start` event: the question was accepted and routed (ChatStartDto on the server). */
export interface ChatStart {
  conversationId: string | null;
  route: Schemas['RouteDecisionDto'];
  degraded?: Schemas['DegradedDto'] | null;
}

/** What POST /chat/stream sends, parsed. */
export type ChatStreamEvent =
  | { type: 'start'; start: ChatStart }
  /** `receivedAt`: performance.now() when the network chunk holding it was read. */
  | { type: 'token'; text: string; receivedAt: number }
  | { type: 'done'; answer: ChatAnswer }
  | { type: 'error'; error: ApiError };

/** No byte (not even a keep-alive, sent every 15 s) for this long: the stream is taken as dead. */
const IDLE_LIMIT_MS = 45_000;

function toEvent(name: string, data: string, receivedAt: number): ChatStreamEvent | undefined {
  const value = JSON.parse(data) as Record<string, unknown>;
  switch (name) {
    case 'start':
      return { type: 'start', start: value as unknown as ChatStart };
    case 'token':
      return { type: 'token', text: typeof value.text === 'string' ? value.text : '', receivedAt };
    case 'done':
      return { type: 'done', answer: value as unknown as ChatAnswer };
    case 'error':
      return {
        type: 'error',
        error: new ApiError(Number(value.statusCode ?? 500), String(value.code ?? 'stream_error'), String(value.message ?? 'the answer failed')),
      };
    default:
      return undefined;
  }
}

/**
 * Asks a question over POST /chat/stream (SSE read from fetch) and yields its events as they
 * arrive. A refusal before the stream starts throws ApiError; so does a stream that ends without
 * `done` or `error`, or stays silent past the idle limit. Aborting `signal` cancels the request,
 * which cancels the generation on the server.
 */
export async function* chatStream(body: AskBody, signal: AbortSignal, idleLimitMs = IDLE_LIMIT_MS): AsyncGenerator<ChatStreamEvent> {
  const response = await send('POST', '/chat/stream', { body, signal, accept: 'text/event-stream' });
  if (!response.body) throw new ApiError(0, 'stream_unsupported', 'This browser cannot read streamed answers.');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  // Stop at once on abort, whether or not the body stream reports it.
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(new DOMException('The answer was stopped.', 'AbortError'));
    signal.addEventListener('abort', () => reject(new DOMException('The answer was stopped.', 'AbortError')), { once: true });
  });
  aborted.catch(() => undefined);
  let finished = false;
  try {
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ApiError(0, 'stream_stalled', `The answer stopped arriving (nothing for ${Math.round(idleLimitMs / 1000)} s).`)),
          idleLimitMs,
        );
      });
      let chunk: ReadableStreamReadResult<string>;
      try {
        chunk = await Promise.race([reader.read(), idle, aborted]);
      } catch (err) {
        if (signal.aborted) throw new DOMException('The answer was stopped.', 'AbortError');
        if (err instanceof ApiError) throw err;
        throw new ApiError(0, 'stream_broken', 'The connection to TARS broke before the answer was complete.');
      } finally {
        clearTimeout(timer);
      }
      const receivedAt = performance.now();
      for (const sse of chunk.done ? parser.end() : parser.push(chunk.value)) {
        const event = toEvent(sse.event, sse.data, receivedAt);
        if (!event) continue;
        yield event;
        if (event.type === 'done' || event.type === 'error') finished = true;
      }
      if (finished || chunk.done) break;
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  if (!finished) throw new ApiError(0, 'stream_incomplete', 'The answer stream ended before the answer was complete.');
}
