import { describe, expect, it } from 'vitest';
import { readSse, SseParser, type SseEvent } from './sse-reader.js';

function parseAll(text: string): SseEvent[] {
  return new SseParser().push(text);
}

/** Feeds `text` cut at every possible position into two chunks, plus one character at a time. */
function everySplit(text: string): SseEvent[][] {
  const results: SseEvent[][] = [];
  for (let cut = 0; cut <= text.length; cut++) {
    const parser = new SseParser();
    results.push([...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))]);
  }
  const parser = new SseParser();
  results.push([...text].flatMap((ch) => parser.push(ch)));
  return results;
}

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? new TextEncoder().encode(part) : part;
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSse(body)) events.push(event);
  return events;
}

describe('SseParser', () => {
  it('dispatches an event at the blank line that ends it, with its type and data', () => {
    expect(parseAll('event: token\ndata: {"text":"Hi"}\n\n')).toEqual([{ event: 'token', data: '{"text":"Hi"}' }]);
  });

  it('names an event without an `event:` field `message`', () => {
    expect(parseAll('data: plain\n\n')).toEqual([{ event: 'message', data: 'plain' }]);
  });

  it('holds an event back until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('event: token\ndata: a\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'token', data: 'a' }]);
  });

  it('joins several data lines with newlines', () => {
    expect(parseAll('event: done\ndata: line one\ndata:line two\ndata: \n\n')).toEqual([
      { event: 'done', data: 'line one\nline two\n' },
    ]);
  });

  it('drops exactly one space after the colon', () => {
    expect(parseAll('data:  two spaces\n\n')).toEqual([{ event: 'message', data: ' two spaces' }]);
  });

  it('ignores comment lines (keep-alives), also between the lines of an event', () => {
    expect(parseAll(': keep-alive\n\nevent: token\n: ping\ndata: x\n\n:\n\n')).toEqual([{ event: 'token', data: 'x' }]);
  });

  it('does not dispatch an event without data, and forgets its type', () => {
    expect(parseAll('event: start\n\ndata: y\n\n')).toEqual([{ event: 'message', data: 'y' }]);
  });

  it('accepts \\r\\n and \\r line ends as well as \\n', () => {
    const expected = [
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
      { event: 'c', data: '3' },
    ];
    expect(parseAll('event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\revent: c\ndata: 3\n\n')).toEqual(expected);
  });

  it('gives the same events wherever the chunks are cut, including between \\r and \\n', () => {
    const text = ': hello\r\nevent: start\r\ndata: {"a":1}\r\n\r\nevent: token\rdata: x\rdata: y\r\rdata: z\n\n';
    const expected = [
      { event: 'start', data: '{"a":1}' },
      { event: 'token', data: 'x\ny' },
      { event: 'message', data: 'z' },
    ];
    for (const result of everySplit(text)) expect(result).toEqual(expected);
  });

  it('treats a line without a colon as a field name with an empty value', () => {
    expect(parseAll('data\ndata\n\n')).toEqual([{ event: 'message', data: '\n' }]);
  });

  it('ignores unknown fields and retry, and keeps the last event id', () => {
    expect(parseAll('id: 7\nretry: 1000\nfoo: bar\ndata: x\n\ndata: y\n\n')).toEqual([
      { event: 'message', data: 'x', id: '7' },
      { event: 'message', data: 'y', id: '7' },
    ]);
  });

  it('skips a byte order mark at the start of the stream', () => {
    expect(parseAll('\uFEFFdata: x\n\n')).toEqual([{ event: 'message', data: 'x' }]);
  });
});

describe('readSse', () => {
  it('decodes UTF-8 characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('event: token\ndata: {"text":"héllo 🌍"}\n\n');
    const cut = bytes.indexOf(0xf0) + 2; // inside the four bytes of the emoji
    const events = await collect(chunks(bytes.slice(0, 5), bytes.slice(5, cut), bytes.slice(cut)));
    expect(events).toEqual([{ event: 'token', data: '{"text":"héllo 🌍"}' }]);
  });

  it('discards an event the stream ended in the middle of', async () => {
    expect(await collect(chunks('data: complete\n\n', 'event: done\ndata: {"cut":'))).toEqual([
      { event: 'message', data: 'complete' },
    ]);
  });
});
