import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatAnswer } from '../../../test/support/chat-answer.factory.js';
import { ChatApiError, ChatClient, type StreamItem } from './chat-client.js';
import { ChatSession } from './session.js';

/** A stand-in for a node's chat API: each test sets how it answers and sees what it received. */
let server: Server;
let baseUrl: string;
let handle: (req: IncomingMessage, body: string, res: ServerResponse) => void;
let received: { method?: string; url?: string; authorization?: string; body: string }[];
let closedEarly: Promise<void>;
let markClosed: () => void;

const answer = (conversationId: string, text = 'Hello there.') => chatAnswer({ conversationId, answer: text });

/** Writes an event stream in awkward pieces: \r\n line ends, keep-alives, an event cut in two. */
function streamAnswer(res: ServerResponse, id: string, tokens: string[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  res.write(': keep-alive\r\n\r\n');
  res.write(`event: start\r\ndata: ${JSON.stringify({ conversationId: id, route: answer(id).route })}\r\n\r\n`);
  for (const text of tokens) {
    const event = `event: token\r\ndata: ${JSON.stringify({ text })}\r\n\r\n`;
    res.write(event.slice(0, 9));
    res.write(event.slice(9));
  }
  res.end(`event: done\ndata: ${JSON.stringify(answer(id, tokens.join('')))}\n\n`);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
      res.on('close', () => {
        if (!res.writableFinished) markClosed();
      });
      handle(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received = [];
  closedEarly = new Promise((resolve) => (markClosed = resolve));
});

async function collect(items: AsyncIterable<StreamItem>): Promise<StreamItem[]> {
  const out: StreamItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

describe('ChatClient.stream', () => {
  it('posts the question with the key and yields start, each token, then the answer', async () => {
    handle = (_req, _body, res) => streamAnswer(res, 'c1', ['Hel', 'lo ', 'there.']);
    const items = await collect(new ChatClient(baseUrl, 'secret').stream({ question: 'hi' }));
    expect(received[0]).toMatchObject({ method: 'POST', url: '/chat/stream', authorization: 'Bearer secret' });
    expect(JSON.parse(received[0].body)).toEqual({ question: 'hi' });
    expect(items.map((i) => i.type)).toEqual(['start', 'token', 'token', 'token', 'done']);
    expect(items.filter((i) => i.type === 'token').map((i) => (i as { text: string }).text)).toEqual(['Hel', 'lo ', 'there.']);
    expect(items[0]).toMatchObject({ type: 'start', conversationId: 'c1' });
    expect(items.at(-1)).toMatchObject({ type: 'done', answer: { answer: 'Hello there.', conversationId: 'c1' } });
  });

  it('throws the error event that ends a failed stream, with its status and code', async () => {
    handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: token\ndata: {"text":"par"}\n\n');
      res.end('event: error\ndata: {"statusCode":503,"code":"llm_unavailable","message":"no backend answered"}\n\n');
    };
    const seen: StreamItem[] = [];
    const error = await (async () => {
      for await (const item of new ChatClient(baseUrl).stream({ question: 'q' })) seen.push(item);
    })().catch((err: unknown) => err);
    expect(seen).toEqual([{ type: 'token', text: 'par' }]);
    expect(error).toBeInstanceOf(ChatApiError);
    expect(error).toMatchObject({ message: 'no backend answered', status: 503, code: 'llm_unavailable' });
  });

  it('throws the JSON error of a request refused before streaming', async () => {
    handle = (_req, _body, res) => json(res, 404, { statusCode: 404, message: 'no conversation abc', code: 'not_found' });
    await expect(collect(new ChatClient(baseUrl).stream({ question: 'q', conversationId: 'abc' }))).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'no conversation abc',
    });
  });

  it('joins the messages of a validation failure', async () => {
    handle = (_req, _body, res) => json(res, 400, { statusCode: 400, message: ['question must not be empty', 'x'] });
    await expect(collect(new ChatClient(baseUrl).stream({ question: '' }))).rejects.toThrow('question must not be empty; x');
  });

  it('fails when the stream ends before its answer', async () => {
    handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: token\ndata: {"text":"a"}\n\n');
    };
    await expect(collect(new ChatClient(baseUrl).stream({ question: 'q' }))).rejects.toThrow(/ended before the answer was complete/);
  });

  it('stops reading and closes the connection when its signal is aborted', async () => {
    handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: token\ndata: {"text":"first"}\n\n'); // and never more
    };
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const item of new ChatClient(baseUrl).stream({ question: 'q' }, controller.signal)) {
        if (item.type === 'token') {
          seen.push(item.text);
          controller.abort();
        }
      }
    })();
    await expect(run).rejects.toThrow();
    expect(seen).toEqual(['first']);
    await closedEarly; // the server saw the client go away
  });

  it('says which address it cannot reach', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(collect(new ChatClient(`http://127.0.0.1:${port}`).stream({ question: 'q' }))).rejects.toThrow(
      `cannot reach http://127.0.0.1:${port}: ECONNREFUSED`,
    );
  });
});

describe('ChatClient, other calls', () => {
  it('searches memory with the query and k in the query string', async () => {
    handle = (_req, _body, res) => json(res, 200, { query: 'a b', hits: [], notices: [] });
    await new ChatClient(baseUrl, 'k').searchMemory('a b&c', 3);
    expect(received[0].url).toBe('/memory/search?q=a+b%26c&k=3');
  });

  it('returns readiness with its status also when a check is down (503)', async () => {
    const body = { status: 'error', info: {}, error: { llm: { status: 'down' } }, details: { llm: { status: 'down' } } };
    handle = (_req, _body, res) => json(res, 503, body);
    expect(await new ChatClient(baseUrl).readiness()).toEqual({ status: 503, body });
  });
});

describe('ChatSession', () => {
  it('continues the conversation of its first answer, and forgets it on reset', async () => {
    let n = 0;
    handle = (req, _body, res) =>
      req.url === '/chat/query' ? json(res, 200, answer(`conv-${++n}`)) : streamAnswer(res, `conv-${++n}`, ['x']);
    const session = new ChatSession(new ChatClient(baseUrl));
    await session.ask('first');
    await collect(session.stream('second'));
    session.reset();
    await session.ask('third');
    expect(received.map((r) => JSON.parse(r.body))).toEqual([
      { question: 'first' },
      { question: 'second', conversationId: 'conv-1' },
      { question: 'third' },
    ]);
    expect(session.conversationId).toBe('conv-3');
  });

  it('starts from the conversation it was given, and keeps it when an answer fails', async () => {
    handle = (_req, _body, res) => json(res, 503, { statusCode: 503, message: 'down' });
    const session = new ChatSession(new ChatClient(baseUrl), 'given');
    await expect(session.ask('q')).rejects.toThrow('down');
    expect(JSON.parse(received[0].body)).toEqual({ question: 'q', conversationId: 'given' });
    expect(session.conversationId).toBe('given');
  });
});
