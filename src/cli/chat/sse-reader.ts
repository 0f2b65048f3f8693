/** One dispatched server-sent event: its type (`message` when the stream named none) and its data. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Incremental parser of a `text/event-stream` (the WHATWG rules): lines end with `\n`, `\r\n` or
 * `\r`; an empty line dispatches the event; `data:` lines join with `\n`; lines starting with `:`
 * are comments (keep-alives); one space after the colon is dropped; an event without data is not
 * dispatched, and an unterminated event at the end of the stream is discarded.
 */
export class SseParser {
  private buffer = '';
  private started = false;
  /** The previous chunk ended with `\r`: a `\n` opening the next chunk belongs to that line end. */
  private afterCr = false;
  private type = '';
  private data: string[] = [];
  private lastId: string | undefined;

  /** Feeds decoded text; returns the events it completed. */
  push(text: string): SseEvent[] {
    if (text === '') return [];
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.afterCr && text.startsWith('\n')) text = text.slice(1);
    this.afterCr = false;
    this.buffer += text;

    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch !== '\n' && ch !== '\r') continue;
      const event = this.line(this.buffer.slice(start, i));
      if (event) events.push(event);
      if (ch === '\r') {
        if (i + 1 === this.buffer.length) this.afterCr = true;
        else if (this.buffer[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    // `retry` and unknown fields: nothing to do for a client that does not reconnect.
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const type = this.type;
    const data = this.data;
    this.type = '';
    this.data = [];
    if (data.length === 0) return undefined;
    return { event: type || 'message', data: data.join('\n'), ...(this.lastId !== undefined ? { id: this.lastId } : {}) };
  }
}

/** The events of an event-stream body, decoded as UTF-8 across chunk boundaries. */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  const parser = new SseParser();
  for await (const chunk of body) yield* parser.push(decoder.decode(chunk, { stream: true }));
  yield* parser.push(decoder.decode());
}
