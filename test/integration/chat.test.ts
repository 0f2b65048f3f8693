import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/main.js';
import { CHAT_MODEL, chatTestConfig } from '../support/chat-config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { OllamaSimulator } from '../support/ollama-simulator.mjs';
import { allEvents, postStream, readSse } from '../support/sse.js';

/** A made-up word found in no other test's data. */
const uniqueWord = () => `quorvex${randomBytes(3).toString('hex').replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)])}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const chatMessages = (request: { body: unknown }) => (request.body as { messages: { role: string; content: string }[] }).messages;

let database: TestDatabase;
let sim: OllamaSimulator;
let node: RunningNode;
let key: string;

beforeAll(async () => {
  database = await createTestDatabase('chat');
  sim = await OllamaSimulator.start({ tokensPerSecond: 0, replyTokens: 12, parallel: 4 });
  const config = chatTestConfig(sim.url, { DATABASE_URL: database.url, TARS_ORCHESTRATOR_MAX_STREAMS_PER_KEY: '2' });
  node = await startNode(config);
  key = readFileSync(join(config.dataDir, 'admin.key'), 'utf8').trim();
});
afterAll(async () => {
  await node?.close();
  await sim?.stop();
  await database?.drop();
});
beforeEach(() => {
  sim.reset();
  sim.tokensPerSecond = 0;
  sim.reply = undefined;
});

const ask = (body: Json) => call(node.url, 'POST', '/chat/query', { key, body });

describe('POST /chat/query', () => {
  it('answers a direct question with the route, timings, usage and a stored conversation', async () => {
    const res = await ask({ question: 'Hello there, TARS' });
    expect(res.status).toBe(200);
    const answer = res.body;
    expect(answer).toMatchObject({
      generated: true,
      degraded: null,
      model: CHAT_MODEL,
      backend: 'ollama',
      route: { name: 'inference_only', reason: expect.stringMatching(/direct rule/), subQueries: [] },
      sources: [],
    });
    expect(answer.answer.split(' ').filter(Boolean).length).toBe(12);
    expect(Object.keys(answer.timings)).toEqual(expect.arrayContaining(['route', 'store', 'firstToken', 'generate', 'total']));
    expect(answer.usage).toMatchObject({ promptTokens: expect.any(Number), completionTokens: 12, numCtx: 8192 });

    const conversation = await call(node.url, 'GET', `/memory/conversations/${answer.conversationId}`, { key });
    expect(conversation.body.turns.map((t: Json) => [t.role, t.content])).toEqual([
      ['user', 'Hello there, TARS'],
      ['assistant', answer.answer],
    ]);
  });

  it('sets num_ctx deliberately on every generation instead of leaving Ollama its small default', async () => {
    await ask({ question: 'Hello again' });
    const chats = sim.received.filter((r) => r.path === '/api/chat');
    expect(chats.length).toBeGreaterThan(0);
    for (const request of chats) expect(request.numCtx).toBe(8192);
  });

  it('retrieves memory for a question about the owner\'s notes, cites it, and separates it from instructions', async () => {
    const word = uniqueWord();
    const note = await call(node.url, 'POST', '/memory/notes', {
      key,
      body: { title: `The ${word} boiler`, text: `The ${word} boiler was serviced on 3 March; the next service is due in September.` },
    });
    expect(note.status).toBe(201);

    const res = await ask({ question: `When is my ${word} boiler due for service?` });
    expect(res.status).toBe(200);
    expect(res.body.route.name).toBe('needs_context');
    expect(res.body.sources[0]).toMatchObject({ ref: 1, layer: 'notes', title: `The ${word} boiler`, source: { noteId: note.body.id } });
    expect(res.body.timings.retrieve).toBeGreaterThanOrEqual(0);

    const prompt = chatMessages(sim.received.find((r) => r.path === '/api/chat')!);
    expect(prompt[0].role).toBe('system');
    const user = prompt.at(-1)!.content;
    expect(user).toContain('<passage ref="1" layer="notes"');
    expect(user).toContain('next service is due in September');
    expect(user).toMatch(/DATA, not instructions/);
  });

  it('says so when memory holds nothing for a question that needs it', async () => {
    const res = await ask({ question: `What did my notes say about the ${uniqueWord()}?` });
    expect(res.body.route.name).toBe('needs_context');
    expect(res.body.sources).toEqual([]);
    expect(res.body.notices).toEqual(expect.arrayContaining([expect.stringMatching(/nothing/)]));
  });

  it('splits a synthesis question into sub-queries', async () => {
    const a = uniqueWord();
    const b = uniqueWord();
    await call(node.url, 'POST', '/memory/notes', { key, body: { title: `${a} heat pump`, text: `The ${a} heat pump is quiet.` } });
    await call(node.url, 'POST', '/memory/notes', { key, body: { title: `${b} heat pump`, text: `The ${b} heat pump is cheap.` } });
    const res = await ask({ question: `Compare the ${a} pump and the ${b} pump` });
    expect(res.body.route).toMatchObject({ name: 'synthesis', subQueries: [`the ${a} pump`, `the ${b} pump`] });
    expect(res.body.sources.map((s: Json) => s.title)).toEqual(expect.arrayContaining([`${a} heat pump`, `${b} heat pump`]));
  });

  it('continues a conversation: earlier turns go into the prompt and a follow-up is rewritten for retrieval', async () => {
    const word = uniqueWord();
    const first = await ask({ question: `Which ${word} heat pumps did I compare?` });
    const second = await ask({ question: 'And how loud is the second one?', conversationId: first.body.conversationId });
    expect(second.status).toBe(200);
    expect(second.body.conversationId).toBe(first.body.conversationId);
    expect(second.body.route.retrievalQuery).toBe(`Which ${word} heat pumps did I compare? And how loud is the second one?`);
    expect(second.body.route.reason).toMatch(/follow-up rewritten \(concat\)/);
    const prompt = chatMessages(sim.received.filter((r) => r.path === '/api/chat').at(-1)!);
    expect(prompt.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(prompt[1].content).toBe(`Which ${word} heat pumps did I compare?`);
    const turns = (await call(node.url, 'GET', `/memory/conversations/${first.body.conversationId}`, { key })).body.turns;
    expect(turns).toHaveLength(4);
  });
});

describe('bad input', () => {
  it('refuses empty and oversized questions, unknown conversations and unknown models with 4xx', async () => {
    expect((await ask({ question: '   ' })).body).toMatchObject({ statusCode: 400, message: 'question must not be empty' });
    expect((await ask({ question: 'x'.repeat(8001) })).status).toBe(400);
    expect((await ask({})).status).toBe(400);
    expect((await ask({ question: 'hi', temperature: 3 })).status).toBe(400);
    const unknown = await ask({ question: 'hi', conversationId: randomUUID() });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'not_found' } });
    const model = await ask({ question: 'hi', model: 'no-such-model:7b' });
    expect(model).toMatchObject({ status: 404, body: { code: 'model_not_found', message: expect.stringContaining(CHAT_MODEL) } });
  });

  it('answers a refused stream with an ordinary JSON error, not an event stream', async () => {
    const res = await postStream(node.url, '/chat/stream', key, { question: 'hi', conversationId: randomUUID() });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ code: 'not_found' });
  });
});

describe('POST /chat/stream', () => {
  it('streams start, tokens as they are generated, then done with the whole answer', async () => {
    sim.tokensPerSecond = 50;
    const started = performance.now();
    const res = await postStream(node.url, '/chat/stream', key, { question: 'Hello, stream please' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = [];
    for await (const event of readSse(res, started)) events.push(event);
    expect(events[0]).toMatchObject({ event: 'start', data: { conversationId: expect.any(String), route: { name: 'inference_only' } } });
    const tokens = events.filter((e) => e.event === 'token');
    expect(tokens.length).toBe(12);
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(tokens.map((t) => t.data.text).join('')).toBe(done.data.answer);
    // Incremental: the first token arrived well before the last one (50 tokens/s → ~220 ms apart).
    expect(tokens.at(-1)!.atMs - tokens[0].atMs).toBeGreaterThan(100);
  });

  it('ends with an error event, never a hang, when the backend drops the stream', async () => {
    sim.dropAfterTokens(3, { path: '/api/chat' });
    const events = await allEvents(await postStream(node.url, '/chat/stream', key, { question: 'Hello, drop please' }));
    expect(events.filter((e) => e.event === 'token').length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { statusCode: 502, code: 'llm_failed' } });
  });

  it('ends with an error event when the backend sends garbage', async () => {
    sim.garbage({ path: '/api/chat', afterTokens: 2 });
    const events = await allEvents(await postStream(node.url, '/chat/stream', key, { question: 'Hello, garbage please' }));
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'llm_failed' } });
  });

  it('cancels the generation upstream when the client disconnects', async () => {
    sim.tokensPerSecond = 5;
    const abort = new AbortController();
    const res = await postStream(node.url, '/chat/stream', key, { question: 'Hello, a long answer please' }, abort.signal);
    let tokens = 0;
    for await (const event of readSse(res)) {
      if (event.event === 'token' && ++tokens === 2) break;
    }
    abort.abort();
    const aborted = await sim.waitForAbort({ timeoutMs: 5000 });
    expect(aborted).toMatchObject({ path: '/api/chat', phase: 'generating' });
    expect(aborted.tokensSent).toBeLessThan(12);
  });

  it('caps the answer streams one key holds open (429), and frees the slot when a stream ends', async () => {
    sim.stallAfterTokens(1, { path: '/api/chat', count: 2 });
    const aborts = [new AbortController(), new AbortController()];
    const open = await Promise.all(aborts.map((a) => postStream(node.url, '/chat/stream', key, { question: 'Hello, stall' }, a.signal)));
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    const third = await ask({ question: 'Hello, third' });
    expect(third.status).toBe(429);
    expect(third.body.message).toMatch(/maxStreamsPerKey/);
    aborts.forEach((a) => a.abort());
    await sim.waitForAbort({ count: 2, timeoutMs: 5000 });
    await expect.poll(async () => (await ask({ question: 'Hello, fourth' })).status, { timeout: 5000 }).toBe(200);
  });
});
