// Streaming chat clients for benchmarks, on node:http so that each request's timings are taken
// the moment its bytes arrive: TARS's POST /chat/stream (Server-Sent Events) and Ollama's
// POST /api/chat with stream (NDJSON, to call the simulator directly). Every request has a time
// limit; a failure is returned as `error`, never thrown, so that a load run counts it.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * POSTs `body` as JSON and feeds the response text to `onText(text, now)` as it arrives. Resolves
 * `{ status, error? }` when the response ends, fails or exceeds `timeoutMs` (then it is destroyed).
 */
function postStreaming({ agent, url, headers, body, timeoutMs, onText }) {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const payload = JSON.stringify(body);
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => settle({ status: 0, error: err.message }));
    req.on('response', (res) => {
      res.setEncoding('utf8');
      let errorBody = '';
      res.on('data', (text) => {
        if (res.statusCode === 200) onText(text, performance.now());
        else errorBody += text;
      });
      res.on('end', () => settle(res.statusCode === 200 ? { status: 200 } : { status: res.statusCode, error: `${res.statusCode} ${errorBody.slice(0, 300)}` }));
      res.on('error', (err) => settle({ status: res.statusCode, error: err.message }));
      res.on('close', () => settle(res.complete ? { status: res.statusCode } : { status: res.statusCode, error: 'connection closed mid-answer' }));
    });
    req.end(payload);
  });
}

/**
 * One answer through TARS's `POST /chat/stream`. Times are ms since the request was sent:
 * `startMs` (the `start` event), `firstTokenMs`, `doneMs`. `tokens` counts `token` events; `done`
 * is the answer of the `done` event (with `timings`); `error` says why there was none.
 */
export async function chatStream({ agent, baseUrl, key, body, timeoutMs }) {
  const result = { startMs: NaN, firstTokenMs: NaN, doneMs: NaN, tokens: 0, done: undefined, error: undefined, route: undefined };
  const t0 = performance.now();
  let buffer = '';
  const onEvent = (event, data, now) => {
    if (event === 'start') {
      result.startMs = now - t0;
      result.route = JSON.parse(data).route?.name;
    } else if (event === 'token') {
      if (result.tokens++ === 0) result.firstTokenMs = now - t0;
    } else if (event === 'done') {
      result.doneMs = now - t0;
      result.done = JSON.parse(data);
    } else if (event === 'error') {
      result.error = `error event: ${data}`;
    }
  };
  const outcome = await postStreaming({
    agent,
    url: `${baseUrl}/chat/stream`,
    headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
    body,
    timeoutMs,
    onText: (text, now) => {
      buffer += text;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trimStart();
        }
        if (data !== '') onEvent(event, data, now); // a keep-alive comment has no data
      }
    },
  });
  result.error ??= outcome.error ?? (result.done ? undefined : 'the stream ended without a done event');
  return result;
}

/**
 * One answer straight from an Ollama server (the simulator): `POST /api/chat` with `stream: true`,
 * as TARS's backend sends it. `firstTokenMs` is the first line with content, `doneMs` the `done` line.
 */
export async function ollamaChatStream({ agent, baseUrl, model, question, timeoutMs }) {
  const result = { firstTokenMs: NaN, doneMs: NaN, tokens: 0, error: undefined };
  const t0 = performance.now();
  let buffer = '';
  const outcome = await postStreaming({
    agent,
    url: `${baseUrl}/api/chat`,
    headers: {},
    body: { model, messages: [{ role: 'user', content: question }], stream: true, options: { num_ctx: 8192 } },
    timeoutMs,
    onText: (text, now) => {
      buffer += text;
      let end;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        if (line === '') continue;
        const frame = JSON.parse(line);
        if (frame.error) result.error = `error line: ${frame.error}`;
        else if (frame.done) result.doneMs = now - t0;
        else if (frame.message?.content && result.tokens++ === 0) result.firstTokenMs = now - t0;
      }
    },
  });
  result.error ??= outcome.error ?? (Number.isNaN(result.doneMs) ? 'the stream ended without a done line' : undefined);
  return result;
}
