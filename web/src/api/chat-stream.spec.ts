import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ChatStreamEvent, chatStream } from './chat-stream';
import { ApiError } from './client';

/** A response whose body delivers `pieces` one by one, then ends (or stays open when `hang`). */
function streamResponse(pieces: string[], options: { hang?: boolean } = {}): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece));
      if (!options.hang) controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

async function collect(events: AsyncGenerator<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
  const all: ChatStreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

const START = 'event: start\ndata: {"conversationId":"c1","route":{"name":"inference_only","reason":"r","retrievalQuery":"q","subQueries":[],"plan":[]},"degraded":null}\n\n';
const DONE = 'event: done\ndata: {"answer":"Hello","generated":true}\n\n';

afterEach(() => vi.unstubAllGlobals());

describe('chatStream', () => {
  it('yields start, the tokens as they come, and done; the request carries the question', async () => {
    const fetch = vi.fn(async () => streamResponse([START, 'event: tok', 'en\ndata: {"text":"Hel"}\n\n: keep-alive\n\n', 'event: token\ndata: {"text":"lo"}\n\n', DONE]));
    vi.stubGlobal('fetch', fetch);
    const events = await collect(chatStream({ question: 'Hi?' }, new AbortController().signal));
    expect(events.map((e) => e.type)).toEqual(['start', 'token', 'token', 'done']);
    const tokens = events.filter((e): e is Extract<typeof e, { type: 'token' }> => e.type === 'token');
    expect(tokens.map((e) => e.text).join('')).toBe('Hello');
    // Each token carries when its chunk was read (the start of the tars:first-token measure); chunks come in order.
    expect(tokens.every((e) => typeof e.receivedAt === 'number' && e.receivedAt <= performance.now())).toBe(true);
    expect(tokens[0]!.receivedAt).toBeLessThanOrEqual(tokens[1]!.receivedAt);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/chat/stream');
    expect(JSON.parse(String(init.body))).toEqual({ question: 'Hi?' });
    expect((init.headers as Record<string, string>).accept).toBe('text/event-stream');
  });

  it('yields an error event as an ApiError with the server message', async () => {
    vi.stubGlobal('fetch', async () => streamResponse([START, 'event: error\ndata: {"statusCode":502,"code":"llm_failed","message":"the model dropped the stream"}\n\n']));
    const events = await collect(chatStream({ question: 'Hi?' }, new AbortController().signal));
    const last = events.at(-1);
    expect(last?.type).toBe('error');
    expect(last?.type === 'error' && last.error).toMatchObject({ status: 502, code: 'llm_failed', message: 'the model dropped the stream' });
  });

  it('throws when the stream ends before done or error (never a silent end)', async () => {
    vi.stubGlobal('fetch', async () => streamResponse([START, 'event: token\ndata: {"text":"Hel"}\n\n']));
    await expect(collect(chatStream({ question: 'Hi?' }, new AbortController().signal))).rejects.toMatchObject({ code: 'stream_incomplete' });
  });

  it('throws the JSON error of a refusal before the stream starts', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ statusCode: 429, message: 'too many streams for this key', code: 'rate_limited' }), { status: 429, headers: { 'retry-after': '3' } }));
    const error = await collect(chatStream({ question: 'Hi?' }, new AbortController().signal)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limited' });
    expect((error as ApiError).message).toContain('try again in 3 s');
  });

  it('gives up on a stream that stays silent past the idle limit', async () => {
    vi.stubGlobal('fetch', async () => streamResponse([START], { hang: true }));
    await expect(collect(chatStream({ question: 'Hi?' }, new AbortController().signal, 50))).rejects.toMatchObject({ code: 'stream_stalled' });
  });

  it('stops with an AbortError when the caller aborts mid-stream', async () => {
    const controller = new AbortController();
    let requestSignal: AbortSignal | undefined;
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      requestSignal = init.signal ?? undefined;
      return streamResponse([START], { hang: true });
    });
    const events: ChatStreamEvent[] = [];
    const error = await (async () => {
      for await (const event of chatStream({ question: 'Hi?' }, controller.signal)) {
        events.push(event);
        controller.abort();
      }
    })().catch((err: unknown) => err);
    expect(events.map((e) => e.type)).toEqual(['start']);
    // The request itself is aborted too: the server sees the connection close and cancels the generation.
    expect(requestSignal?.aborted).toBe(true);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  });
});
