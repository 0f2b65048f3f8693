import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI, { APIError, APIUserAbortError, AuthenticationError, BadRequestError, NotFoundError, PermissionDeniedError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/main.js';
import { CHAT_MODEL, chatTestConfig } from '../support/chat-config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { OllamaSimulator } from '../support/ollama-simulator.mjs';

// The official client, as existing OpenAI apps use it; no retries, so that each test sees one answer.
const clientFor = (apiKey: string) => new OpenAI({ baseURL: `${node.url}/v1`, apiKey, maxRetries: 0 });

const REPLY = 'The boiler was serviced on the third of March and is due again in September.';
const chatMessages = (request: { body: unknown }) => (request.body as { messages: { role: string; content: string }[] }).messages;
const chats = () => sim.received.filter((r) => r.path === '/api/chat');

let database: TestDatabase;
let sim: OllamaSimulator;
let node: RunningNode;
let admin: string;
let openai: OpenAI;

async function createKey(scopes: string[]): Promise<string> {
  const res = await call(node.url, 'POST', '/keys', { key: admin, body: { name: `openai-${scopes.join('-')}`, scopes } });
  expect(res.status).toBe(201);
  return res.body.key;
}

/** The error a call fails with (the test fails if it succeeds). */
async function failure(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (err) {
    return err as APIError;
  }
  throw new Error('the call succeeded');
}

beforeAll(async () => {
  database = await createTestDatabase('openai');
  sim = await OllamaSimulator.start({ tokensPerSecond: 0, parallel: 4 });
  const config = chatTestConfig(sim.url, { DATABASE_URL: database.url, TARS_AUTH_RATE_LIMIT_ENABLED: 'false' });
  node = await startNode(config);
  admin = readFileSync(join(config.dataDir, 'admin.key'), 'utf8').trim();
  openai = clientFor(await createKey(['read', 'write']));
});
afterAll(async () => {
  await node?.close();
  await sim?.stop();
  await database?.drop();
});
beforeEach(() => {
  sim.reset();
  sim.tokensPerSecond = 0;
  sim.replyTokens = 24;
  sim.reply = () => REPLY;
});

describe('GET /v1/models', () => {
  it('lists tars, the LLMs of the backends and the embedding models', async () => {
    const models = [];
    for await (const model of openai.models.list()) models.push(model);
    expect(models).toEqual(
      expect.arrayContaining([
        { id: 'tars', object: 'model', created: expect.any(Number), owned_by: 'tars' },
        { id: CHAT_MODEL, object: 'model', created: expect.any(Number), owned_by: 'ollama' },
        { id: 'hashing', object: 'model', created: expect.any(Number), owned_by: 'tars-embeddings' },
      ]),
    );
    expect(models.filter((m) => m.id === 'tars')).toHaveLength(1);
  });

  it('is open to read-only keys', async () => {
    const reader = clientFor(await createKey(['read']));
    expect((await reader.models.list()).data.length).toBeGreaterThan(0);
  });
});

describe('POST /v1/chat/completions with an LLM name', () => {
  it('sends the messages to that model as they are and answers a chat.completion with usage', async () => {
    const completion = await openai.chat.completions.create({
      model: CHAT_MODEL,
      messages: [
        { role: 'system', content: 'Answer in one sentence.' },
        { role: 'user', content: 'When was the boiler serviced?' },
      ],
      temperature: 0.1,
      top_p: 1,
    });
    expect(completion).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      model: CHAT_MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: REPLY }, finish_reason: 'stop' }],
    });
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
    expect(chatMessages(chats()[0])).toEqual([
      { role: 'system', content: 'Answer in one sentence.' },
      { role: 'user', content: 'When was the boiler serviced?' },
    ]);
  });

  it('says finish_reason length when max_tokens cut the answer', async () => {
    sim.reply = undefined;
    sim.replyTokens = 40;
    const completion = await openai.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Talk.' }], max_tokens: 5 });
    expect(completion.choices[0].finish_reason).toBe('length');
  });

  it('streams content deltas that add up to the whole answer, then the finish reason, usage and the end', async () => {
    const stream = await openai.chat.completions.create({
      model: CHAT_MODEL,
      messages: [{ role: 'user', content: 'When was the boiler serviced?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const deltas = chunks.flatMap((c) => (c.choices[0]?.delta.content ? [c.choices[0].delta.content] : []));
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(REPLY);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0].finish_reason)).toEqual(['stop']);
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    expect(last.usage!.completion_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('cancels the generation upstream when the client stops reading a stream', async () => {
    sim.reply = undefined;
    sim.replyTokens = 500;
    sim.tokensPerSecond = 50;
    const stream = await openai.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Talk at length.' }], stream: true });
    let received = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) received += 1;
      if (received === 2) break; // the client aborts the request
    }
    const aborted = await sim.waitForAbort({ timeoutMs: 10_000 });
    expect(aborted).toMatchObject({ path: '/api/chat', model: CHAT_MODEL, phase: 'generating' });
    expect(aborted.tokensSent).toBeLessThan(500);
  });

  it('cancels the generation upstream when the client gives up waiting for a whole completion', async () => {
    sim.reply = undefined;
    sim.replyTokens = 500;
    sim.tokensPerSecond = 50;
    const controller = new AbortController();
    sim.once('request', () => controller.abort());
    const pending = openai.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Talk at length.' }] }, { signal: controller.signal });
    expect(await failure(pending)).toBeInstanceOf(APIUserAbortError);
    const aborted = await sim.waitForAbort({ timeoutMs: 10_000 });
    expect(aborted).toMatchObject({ path: '/api/chat', model: CHAT_MODEL });
    expect(aborted.tokensSent).toBeLessThan(500);
  });

  it('ends a stream that fails after it started with an error event, which the client raises', async () => {
    sim.inject({ kind: 'streamError', afterTokens: 3, error: 'llama runner process has terminated: exit status 2', path: '/api/chat' });
    const stream = await openai.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'Hello?' }], stream: true });
    const deltas: string[] = [];
    const err = await failure(
      (async () => {
        for await (const chunk of stream) if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
      })(),
    );
    expect(err).toBeInstanceOf(APIError);
    expect(err.type).toBe('server_error');
    expect(err.message).toMatch(/terminated/);
    expect(deltas.length).toBeGreaterThan(0);
  });

  it('answers 404 model_not_found for a model no backend has', async () => {
    const err = await failure(openai.chat.completions.create({ model: 'gpt-9-imaginary', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'model_not_found', type: 'invalid_request_error', param: 'model' });
  });

  it('answers 404 before any event when a streamed request names an unknown model', async () => {
    const err = await failure(openai.chat.completions.create({ model: 'gpt-9-imaginary', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    expect(err).toBeInstanceOf(NotFoundError);
  });
});

describe('POST /v1/chat/completions with model tars', () => {
  it('answers through the orchestrator with the earlier messages as history, stores nothing, and adds route and sources', async () => {
    const completion = await openai.chat.completions.create({
      model: 'tars',
      messages: [
        { role: 'user', content: 'My favourite colour is teal.' },
        { role: 'assistant', content: 'Noted: teal.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello, what is my favourite colour?' }] },
      ],
    });
    expect(completion.model).toBe('tars');
    expect(completion.choices[0].message.content).toBe(REPLY);
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
    const tars = (completion as unknown as { tars: Record<string, unknown> }).tars;
    expect(tars).toMatchObject({ conversationId: null, route: { name: expect.any(String) }, sources: expect.any(Array), degraded: null });
    expect(tars.timings).toMatchObject({ total: expect.any(Number) });
    const prompt = JSON.stringify(chatMessages(chats()[chats().length - 1]));
    expect(prompt).toContain('Noted: teal.');
    expect(prompt).toContain('Hello, what is my favourite colour?');
  });

  it('streams the answer as chunks ending with [DONE]', async () => {
    const stream = await openai.chat.completions.create({ model: 'tars', messages: [{ role: 'user', content: 'Hello TARS' }], stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(REPLY);
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(3);
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('stop');
    expect(chunks.every((c) => c.model === 'tars')).toBe(true);
  });

  it('with X-Tars-Conversation-Id: new stores the turns and names the conversation; the id continues it', async () => {
    const first = await openai.chat.completions
      .create({ model: 'tars', messages: [{ role: 'user', content: 'Hello, remember that the shed key is blue.' }] }, { headers: { 'X-Tars-Conversation-Id': 'new' } })
      .withResponse();
    const id = first.response.headers.get('x-tars-conversation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((first.data as unknown as { tars: { conversationId: string } }).tars.conversationId).toBe(id);

    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'tars', messages: [{ role: 'user', content: 'Hello again, which key?' }], stream: true }, { headers: { 'X-Tars-Conversation-Id': id! } })
      .withResponse();
    expect(response.headers.get('x-tars-conversation-id')).toBe(id);
    for await (const chunk of stream) void chunk;

    const conversation = await call(node.url, 'GET', `/memory/conversations/${id}`, { key: admin });
    expect(conversation.body.turns.map((t: { role: string; content: string }) => [t.role, t.content])).toEqual([
      ['user', 'Hello, remember that the shed key is blue.'],
      ['assistant', REPLY],
      ['user', 'Hello again, which key?'],
      ['assistant', REPLY],
    ]);
  });

  it('answers 404 for a conversation id that does not exist', async () => {
    const err = await failure(
      openai.chat.completions.create(
        { model: 'tars', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'X-Tars-Conversation-Id': '0b7f4c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b' } },
      ),
    );
    expect(err).toBeInstanceOf(NotFoundError);
  });
});

describe('POST /v1/chat/completions: refusals', () => {
  it('answers 400 for empty messages, n > 1 and tools, saying why', async () => {
    const empty = await failure(openai.chat.completions.create({ model: CHAT_MODEL, messages: [] }));
    expect(empty).toBeInstanceOf(BadRequestError);
    expect(empty).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'messages' });
    expect(empty.message).toMatch(/messages must not be empty/);

    const several = await failure(openai.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'hi' }], n: 2 }));
    expect(several).toBeInstanceOf(BadRequestError);
    expect(several.message).toMatch(/n must be 1/);

    const tools = await failure(
      openai.chat.completions.create({
        model: CHAT_MODEL,
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
      }),
    );
    expect(tools).toBeInstanceOf(BadRequestError);
    expect(tools.message).toMatch(/tools are not supported/);
    expect(chats()).toHaveLength(0);
  });

  it('answers 401 invalid_api_key to a wrong key', async () => {
    const err = await failure(clientFor('tars_wrong000000000000000000000000000000000').chat.completions.create({ model: 'tars', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it('answers 403 to a read-only key: generating is a write', async () => {
    const reader = clientFor(await createKey(['read']));
    const err = await failure(reader.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err.message).toMatch(/'write' scope/);
  });
});

describe('POST /v1/embeddings', () => {
  it('embeds one text (the client asks for base64 and decodes it) the same as the float form', async () => {
    const viaBase64 = await openai.embeddings.create({ model: 'hashing', input: 'The boiler is due in September.' });
    const viaFloats = await openai.embeddings.create({ model: 'hashing', input: 'The boiler is due in September.', encoding_format: 'float' });
    expect(viaBase64).toMatchObject({ object: 'list', model: 'hashing', data: [{ object: 'embedding', index: 0 }] });
    const decoded = viaBase64.data[0].embedding;
    expect(decoded).toHaveLength(384);
    expect(decoded).toEqual(viaFloats.data[0].embedding.map((v) => Math.fround(v)));
    expect(Math.hypot(...decoded)).toBeCloseTo(1, 4);
    expect(viaBase64.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('embeds several texts in order, with the model’s dimensions', async () => {
    const inputs = ['the garden', 'the boiler', 'the garden'];
    const result = await openai.embeddings.create({ model: 'hashing', input: inputs, dimensions: 384 });
    expect(result.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(result.data.every((d) => d.embedding.length === 384)).toBe(true);
    expect(result.data[2].embedding).toEqual(result.data[0].embedding);
    expect(result.data[1].embedding).not.toEqual(result.data[0].embedding);
    expect(result.usage).toEqual({ prompt_tokens: expect.any(Number), total_tokens: result.usage.prompt_tokens });
  });

  it('refuses other dimensions (400) and unknown models (404)', async () => {
    const shortened = await failure(openai.embeddings.create({ model: 'hashing', input: 'x', dimensions: 256 }));
    expect(shortened).toBeInstanceOf(BadRequestError);
    expect(shortened.message).toMatch(/dimensions must be 384/);
    const unknown = await failure(openai.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }));
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(unknown).toMatchObject({ code: 'model_not_found' });
  });
});

describe('OpenAPI', () => {
  it('documents the /v1 routes under the openai tag with unique operation ids', async () => {
    const doc = (await call(node.url, 'GET', '/docs-json')).body;
    const operations = [doc.paths['/v1/chat/completions'].post, doc.paths['/v1/models'].get, doc.paths['/v1/embeddings'].post];
    expect(operations.map((o: { operationId: string }) => o.operationId)).toEqual(['createChatCompletion', 'listOpenAiModels', 'createEmbeddings']);
    expect(operations.every((o: { tags: string[] }) => o.tags.includes('openai'))).toBe(true);
  });
});
