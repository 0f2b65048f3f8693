/** One Server-Sent Event as a test sees it: its name and its data parsed as JSON (or the raw text). */
export interface SseEvent {
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- inspected field by field
  data: any;
  /** Milliseconds since the request was sent. */
  atMs: number;
}

/** Reads an event stream to its end (or until `until` returns true), yielding events as they arrive. */
export async function* readSse(response: Response, started = performance.now()): AsyncGenerator<SseEvent> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length === 0) continue;
      const text = data.join('\n');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      yield { event, data: parsed, atMs: performance.now() - started };
    }
  }
}

/** POSTs JSON and returns the response (for streams: not yet read). */
export function postStream(baseUrl: string, path: string, key: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(new URL(path, baseUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
    signal: signal ?? AbortSignal.timeout(60_000),
  });
}

/** Every event of a stream. */
export async function allEvents(response: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSse(response)) events.push(event);
  return events;
}
