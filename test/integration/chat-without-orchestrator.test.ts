import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/main.js';
import { chatTestConfig } from '../support/chat-config.js';
import { uniqueSubjectPrefix } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { OllamaSimulator, type SimulatorRequest } from '../support/ollama-simulator.mjs';
import { codeWord } from '../support/question-cluster.js';
import { NATS_URL } from '../support/services.js';
import { allEvents, postStream } from '../support/sse.js';

type Message = { role: string; content: string };
const messagesOf = (request: SimulatorRequest) => (request.body as { messages: Message[] }).messages;

/**
 * Issue 6, point 7 (c) in one process: a node with inference, memory and the API on NATS, and no
 * orchestrator anywhere on its subject prefix. Chat still answers, from the model alone with the
 * conversation's turns, and says it is degraded.
 */
describe('chat with no orchestrator reachable', () => {
  let db: TestDatabase;
  let sim: OllamaSimulator;
  let node: RunningNode;
  let key: string;

  beforeAll(async () => {
    db = await createTestDatabase('chat_no_orchestrator');
    sim = await OllamaSimulator.start({ tokensPerSecond: 0, replyTokens: 6 });
    const config = chatTestConfig(sim.url, {
      DATABASE_URL: db.url,
      NATS_URL,
      TARS_NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(),
      TARS_ROLES: 'inference,memory,api',
    });
    node = await startNode(config);
    key = readFileSync(join(config.dataDir, 'admin.key'), 'utf8').trim();
  });

  afterAll(async () => {
    await node?.close();
    await sim?.stop();
    await db?.drop();
  });

  it('answers POST /chat/query from the local model, marked degraded, and remembers the turns', async () => {
    const code = codeWord();
    const first = await call(node.url, 'POST', '/chat/query', { key, body: { question: `My locker code is ${code}. Please remember it.` } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({
      generated: true,
      degraded: { code: 'orchestrator_unavailable', reason: expect.stringMatching(/orchestrator/) },
      route: { name: 'inference_only' },
      sources: [],
      backend: 'ollama',
    });
    expect(first.body.answer.split(' ')).toHaveLength(6);

    sim.reset();
    const second = await call(node.url, 'POST', '/chat/query', {
      key,
      body: { question: 'What is my locker code?', conversationId: first.body.conversationId },
    });
    expect(second.body).toMatchObject({ conversationId: first.body.conversationId, degraded: { code: 'orchestrator_unavailable' } });
    // The model saw the earlier turns, from memory layer 1.
    const prompt = messagesOf(sim.received.find((r) => r.path === '/api/chat')!);
    expect(prompt.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(prompt[1].content).toContain(code);
    expect(prompt[2].content).toBe(first.body.answer);

    const turns = (await call(node.url, 'GET', `/memory/conversations/${first.body.conversationId}`, { key })).body.turns;
    expect(turns.map((t: Message) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(turns[3].content).toBe(second.body.answer);
  });

  it('says so from the first event of /chat/stream', async () => {
    const events = await allEvents(await postStream(node.url, '/chat/stream', key, { question: 'Hello there' }));
    expect(events.map((e) => e.event)).toEqual(['start', ...Array(6).fill('token'), 'done']);
    expect(events[0].data).toMatchObject({ route: { name: 'inference_only' }, degraded: { code: 'orchestrator_unavailable' } });
    expect(events.at(-1)!.data).toMatchObject({ generated: true, degraded: { code: 'orchestrator_unavailable' } });
  });

  it('answers the OpenAI-compatible API (model tars) from the local model too', async () => {
    const res = await call(node.url, 'POST', '/v1/chat/completions', {
      key,
      body: { model: 'tars', messages: [{ role: 'user', content: 'Is anyone there?' }] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.choices[0].message.content.split(' ')).toHaveLength(6);
  });

  it('still refuses an unknown conversation with 404', async () => {
    const res = await call(node.url, 'POST', '/chat/query', { key, body: { question: 'hello', conversationId: randomUUID() } });
    expect(res.status).toBe(404);
  });
});
