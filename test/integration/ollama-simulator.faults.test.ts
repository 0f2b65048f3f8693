import { type ChatResponse, Ollama } from 'ollama';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { OLLAMA_ERRORS, OllamaSimulator } from '../support/ollama-simulator.mjs';

const CHAT = 'llama3.2:3b';
const ask = (content: string) => [{ role: 'user', content }];
const PENDING = Symbol('pending');

/** Waits until `condition` holds (a safety limit only: the condition is what the test checks). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never happened: ${what}`);
}

/** Reads the stream, returning the parts received and what ended it. */
async function drain(stream: AsyncIterable<ChatResponse>): Promise<{ parts: ChatResponse[]; error: unknown }> {
  const parts: ChatResponse[] = [];
  try {
    for await (const part of stream) parts.push(part);
    return { parts, error: undefined };
  } catch (error) {
    return { parts, error };
  }
}

describe('Ollama simulator: queue, faults and cancellation', () => {
  let sim: OllamaSimulator;
  let client: Ollama;
  beforeAll(async () => {
    sim = await OllamaSimulator.start({ parallel: 1 });
    client = new Ollama({ host: sim.url });
  });
  beforeEach(() => {
    sim.reset();
    sim.ttftMs = 0;
    sim.tokensPerSecond = 1000;
    sim.replyTokens = 24;
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => sim.stop());

  it('answers 503 with the exact busy text when parallel and queue are full', async () => {
    const busy = await OllamaSimulator.start({ parallel: 1, maxQueue: 1, ttftMs: 500 });
    try {
      const busyClient = new Ollama({ host: busy.url });
      const results = await Promise.allSettled(['a', 'b', 'c'].map((q) => busyClient.chat({ model: CHAT, messages: ask(q) })));
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'fulfilled', 'rejected']);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ name: 'ResponseError', status_code: 503, error: 'server busy, please try again.  maximum pending requests exceeded' });
      expect(busy.maxActiveSeen).toBe(1);
    } finally {
      await busy.stop();
    }
  });

  it('serves `parallel` requests at once and queues the rest', async () => {
    const two = await OllamaSimulator.start({ parallel: 2, ttftMs: 200 });
    try {
      const twoClient = new Ollama({ host: two.url });
      const answers = await Promise.all(['a', 'b', 'c', 'd'].map((q) => twoClient.chat({ model: CHAT, messages: ask(q) })));
      expect(answers.every((a) => a.done)).toBe(true);
      expect(two.maxActiveSeen).toBe(2);
      expect([two.activeCount, two.queuedCount]).toEqual([0, 0]);
    } finally {
      await two.stop();
    }
  });

  it.each([
    [429, OLLAMA_ERRORS.quota],
    [402, 'insufficient credits'],
    [500, 'llama runner process has terminated: exit status 2'],
    [503, OLLAMA_ERRORS.busy],
  ])('injects status %i with an Ollama-like body, then serves again', async (status, text) => {
    sim.inject({ kind: 'status', status }, 2);
    for (let i = 0; i < 2; i++) {
      await expect(client.chat({ model: CHAT, messages: ask('x') })).rejects.toMatchObject({ name: 'ResponseError', status_code: status, error: text });
    }
    expect((await client.chat({ model: CHAT, messages: ask('x') })).done).toBe(true);
  });

  it('applies a fault with a path only to that path, and keeps failNext working', async () => {
    sim.inject({ kind: 'status', status: 429, path: '/api/chat' });
    expect((await client.list()).models.length).toBeGreaterThan(0);
    await expect(client.chat({ model: CHAT, messages: ask('x') })).rejects.toMatchObject({ status_code: 429 });
    sim.failNext(1, { status: 500, body: { error: 'custom' } });
    await expect(client.generate({ model: CHAT, prompt: 'x' })).rejects.toMatchObject({ status_code: 500, error: 'custom' });
  });

  it('reset() clears injected faults and counters', async () => {
    sim.failNext(3, { status: 500, body: { error: 'x' } });
    await expect(client.version()).rejects.toMatchObject({ status_code: 500 });
    sim.reset();
    expect(sim.requestCount()).toBe(0);
    expect((await client.chat({ model: CHAT, messages: ask('x') })).done).toBe(true);
    expect(sim.requestCount('/api/chat')).toBe(1);
  });

  it('dropAfterTokens: the socket closes mid-stream and the client stream throws', async () => {
    sim.dropAfterTokens(3);
    const { parts, error } = await drain(await client.chat({ model: CHAT, messages: ask('x'), stream: true }));
    expect(parts).toHaveLength(3);
    expect(error).toBeInstanceOf(Error);
    expect(sim.abortedRequests).toEqual([]); // the simulator closed it, not the client
    expect((await client.chat({ model: CHAT, messages: ask('x') })).done).toBe(true); // slot released
  });

  it('truncate: a stream ending without the done line makes the client throw "Did not receive done"', async () => {
    sim.inject({ kind: 'truncate', afterTokens: 4 });
    const { parts, error } = await drain(await client.chat({ model: CHAT, messages: ask('x'), stream: true }));
    expect(parts).toHaveLength(4);
    expect((error as Error).message).toBe('Did not receive done or success response in stream.');
  });

  it('garbage: a line that is not JSON fails JSON parsing; the client skips it and then misses the done line', async () => {
    sim.garbage({ count: 2 });
    const res = await fetch(`${sim.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: CHAT, messages: ask('x') }) });
    const lines = (await res.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(() => lines.map((line) => JSON.parse(line))).toThrow(SyntaxError);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { parts, error } = await drain(await client.chat({ model: CHAT, messages: ask('x'), stream: true }));
    expect(parts).toHaveLength(2);
    expect(warn).toHaveBeenCalledWith('invalid json: ', expect.stringContaining('502 Bad Gateway'));
    expect((error as Error).message).toMatch(/Did not receive done/);
  });

  it('streamError: an error line inside the stream surfaces as a plain Error without status', async () => {
    sim.inject({ kind: 'streamError', afterTokens: 1 });
    const { parts, error } = await drain(await client.chat({ model: CHAT, messages: ask('x'), stream: true }));
    expect(parts).toHaveLength(1);
    expect(error).toMatchObject({ message: OLLAMA_ERRORS.runnerTerminated });
    expect(error).not.toHaveProperty('status_code');
  });

  it('stallAfterTokens: the stream stops but stays open until the client aborts; the abort is recorded and the slot freed', async () => {
    sim.stallAfterTokens(2);
    const stream = await client.chat({ model: CHAT, messages: ask('x'), stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ done: false });
    expect((await iterator.next()).value).toMatchObject({ done: false });
    const third = iterator.next();
    const raced = await Promise.race([third, new Promise((resolve) => setTimeout(() => resolve(PENDING), 200))]);
    expect(raced).toBe(PENDING);
    expect(sim.activeCount).toBe(1);
    stream.abort();
    await expect(third).rejects.toThrow();
    expect(await sim.waitForAbort({ timeoutMs: 5000 })).toMatchObject({ path: '/api/chat', model: CHAT, tokensSent: 2, phase: 'generating' });
    expect((await client.chat({ model: CHAT, messages: ask('next') })).done).toBe(true);
  });

  it("records a client's abort mid-stream, stops generating for it, and serves the next request", async () => {
    sim.replyTokens = 100_000; // 100 s of tokens: the slot frees soon only if generation stops at the abort
    const stream = await client.chat({ model: CHAT, messages: ask('x'), stream: true });
    let received = 0;
    const ended = (async () => {
      for await (const part of stream) {
        received++;
        if (received === 3) stream.abort();
        if (part.done) break;
      }
    })();
    await expect(ended).rejects.toThrow();
    const aborted = await sim.waitForAbort({ timeoutMs: 5000 });
    expect(aborted).toMatchObject({ path: '/api/chat', model: CHAT, phase: 'generating' });
    expect(aborted.tokensSent).toBeGreaterThanOrEqual(3);
    await until(() => sim.activeCount === 0, 'slot released');
    const tokensAtAbort = aborted.tokensSent;
    sim.replyTokens = 24;
    expect((await client.chat({ model: CHAT, messages: ask('next') })).done).toBe(true);
    expect(sim.abortedRequests).toHaveLength(1);
    expect(sim.abortedRequests[0].tokensSent).toBe(tokensAtAbort);
  });

  it('records an abort while the headers are delayed (slowStart) and while queued', async () => {
    sim.slowStart(60_000);
    const loading = new AbortController();
    const first = fetch(`${sim.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: CHAT, messages: ask('a') }), signal: loading.signal });
    await until(() => sim.activeCount === 1, 'first request holds the slot');
    const queued = new AbortController();
    const second = fetch(`${sim.url}/api/generate`, { method: 'POST', body: JSON.stringify({ model: CHAT, prompt: 'b' }), signal: queued.signal });
    await until(() => sim.queuedCount === 1, 'second request waits');
    queued.abort();
    await expect(second).rejects.toThrow();
    expect(await sim.waitForAbort()).toMatchObject({ path: '/api/generate', phase: 'queued', tokensSent: 0 });
    expect(sim.queuedCount).toBe(0);
    loading.abort();
    await expect(first).rejects.toThrow();
    expect(await sim.waitForAbort({ count: 2 })).toMatchObject({ path: '/api/chat', phase: 'loading', tokensSent: 0 });
    await until(() => sim.activeCount === 0, 'slot released');
  });

  it('waitForAbort rejects when no request was aborted in time', async () => {
    await expect(sim.waitForAbort({ timeoutMs: 50 })).rejects.toThrow(/saw 0 aborted request/);
  });

  it('stop() ends stalled streams without hanging and without counting them as client aborts', async () => {
    const other = await OllamaSimulator.start();
    other.stallAfterTokens(1);
    const stream = await new Ollama({ host: other.url }).chat({ model: CHAT, messages: ask('x'), stream: true });
    const drained = drain(stream);
    await until(() => other.activeCount === 1, 'stream started');
    await other.stop();
    const { parts, error } = await drained;
    expect(parts).toHaveLength(1);
    expect(error).toBeInstanceOf(Error);
    expect(other.abortedRequests).toEqual([]);
  });
});
