import { describe, expect, it } from 'vitest';
import { type SseEvent, SseParser } from './sse';

function parseInPieces(text: string, size: number): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)));
  return events;
}

const STREAM =
  'event: start\ndata: {"conversationId":"c1"}\n\n' +
  ': keep-alive\n\n' +
  'event: token\ndata: {"text":"Hel"}\n\n' +
  'event: token\ndata: {"text":"lo"}\n\n' +
  'event: done\ndata: {"answer":"Hello"}\n\n';

describe('SseParser', () => {
  it('yields named events with their data and skips keep-alive comments', () => {
    const events = new SseParser().push(STREAM);
    expect(events.map((e) => e.event)).toEqual(['start', 'token', 'token', 'done']);
    expect(JSON.parse(events[1]!.data)).toEqual({ text: 'Hel' });
  });

  it('gives the same events whatever pieces the network cuts the stream into', () => {
    const whole = new SseParser().push(STREAM);
    for (const size of [1, 2, 3, 7, 16]) expect(parseInPieces(STREAM, size)).toEqual(whole);
  });

  it('accepts CRLF and CR line ends, also when a CRLF is split between two pieces', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    expect(parseInPieces(crlf, 1)).toEqual(new SseParser().push(STREAM));
    const cr = new SseParser();
    expect([...cr.push(STREAM.replace(/\n/g, '\r')), ...cr.end()]).toEqual(new SseParser().push(STREAM));
  });

  it('joins several data lines with newlines, defaults the name to message and keeps the id', () => {
    expect(new SseParser().push('id: 7\ndata: one\ndata:two\n\n')).toEqual([{ event: 'message', data: 'one\ntwo', id: '7' }]);
  });

  it('does not dispatch an event without data, nor one cut off before its blank line', () => {
    const parser = new SseParser();
    expect(parser.push('event: token\n\nevent: token\ndata: {"text":"x"}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'token', data: '{"text":"x"}' }]);
    expect(parser.push('event: token\ndata: {"text":"cut"}\n')).toEqual([]);
    expect(parser.end()).toEqual([]);
  });

  it('drops a byte-order mark at the start of the stream', () => {
    expect(new SseParser().push('\uFEFFevent: start\ndata: {}\n\n')).toEqual([{ event: 'start', data: '{}' }]);
  });
});
