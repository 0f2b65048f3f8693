import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/main.js';
import { chatTestConfig } from '../support/chat-config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { OllamaSimulator } from '../support/ollama-simulator.mjs';
import { allEvents, postStream } from '../support/sse.js';
import { freePort } from '../support/tars-process.js';

const uniqueWord = () => `zintrel${randomBytes(3).toString('hex').replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)])}`;

const databases: TestDatabase[] = [];
afterAll(() => Promise.all(databases.map((db) => db.drop())));

/** A node with its own database (so that its first start creates an admin key). */
async function nodeWith(llmUrl: string, env: Record<string, string> = {}): Promise<{ node: RunningNode; key: string }> {
  const database = await createTestDatabase('chat_degraded');
  databases.push(database);
  const config = chatTestConfig(llmUrl, { DATABASE_URL: database.url, ...env });
  const node = await startNode(config);
  return { node, key: readFileSync(join(config.dataDir, 'admin.key'), 'utf8').trim() };
}

describe('with no LLM reachable', () => {
  let node: RunningNode;
  let key: string;
  beforeAll(async () => {
    // Nothing listens on this port: every generation fails as llm_unavailable.
    ({ node, key } = await nodeWith(`http://127.0.0.1:${await freePort()}`));
  });
  afterAll(() => node?.close());

  it('answers from memory, clearly marked as not generated, with the passages as sources', async () => {
    const word = uniqueWord();
    await call(node.url, 'POST', '/memory/notes', {
      key,
      body: { title: `${word} router`, text: `The ${word} router admin password is on the sticker under the device.` },
    });
    const res = await call(node.url, 'POST', '/chat/query', { key, body: { question: `Where is my ${word} router password?` } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ generated: false, degraded: { code: 'llm_unavailable' } });
    expect(res.body.answer).toMatch(/^\[Not generated\]/);
    expect(res.body.answer).toContain(`[1] ${word} router (notes)`);
    expect(res.body.sources[0]).toMatchObject({ ref: 1, layer: 'notes' });
    expect(res.body.notices).toEqual(expect.arrayContaining([expect.stringMatching(/not generated/)]));
    // The turn is remembered like any other.
    const turns = (await call(node.url, 'GET', `/memory/conversations/${res.body.conversationId}`, { key })).body.turns;
    expect(turns.map((t: { role: string }) => t.role)).toEqual(['user', 'assistant']);
  });

  it('retrieves even for a direct question, and says when memory has nothing either', async () => {
    const res = await call(node.url, 'POST', '/chat/query', { key, body: { question: `hello ${uniqueWord()}` } });
    expect(res.body).toMatchObject({ generated: false, route: { name: 'inference_only' }, sources: [] });
    expect(res.body.answer).toMatch(/memory holds nothing that matches/);
  });

  it('streams the degraded answer too', async () => {
    const events = await allEvents(await postStream(node.url, '/chat/stream', key, { question: 'hello there' }));
    expect(events.map((e) => e.event)).toEqual(['start', 'token', 'done']);
    expect(events[2].data).toMatchObject({ generated: false, degraded: { code: 'llm_unavailable' } });
  });

  it('reports the LLM down in /health/ready', async () => {
    const ready = await call(node.url, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error.llm).toMatchObject({ status: 'down', message: 'no LLM backend is up' });
    expect(ready.body.info.database.status).toBe('up');
  });
});

describe('when the LLM comes and goes', () => {
  it('turns readiness down when the LLM stops and answers degraded, then recovers', async () => {
    const sim = await OllamaSimulator.start({ tokensPerSecond: 0 });
    const port = Number(new URL(sim.url).port);
    const { node, key } = await nodeWith(sim.url);
    try {
      await expect.poll(async () => (await call(node.url, 'GET', '/health/ready')).status, { timeout: 5000 }).toBe(200);
      expect((await call(node.url, 'POST', '/chat/query', { key, body: { question: 'hello' } })).body.generated).toBe(true);

      await sim.stop();
      await expect.poll(async () => (await call(node.url, 'GET', '/health/ready')).status, { timeout: 5000 }).toBe(503);
      expect((await call(node.url, 'POST', '/chat/query', { key, body: { question: 'hello' } })).body.generated).toBe(false);

      const again = await OllamaSimulator.start({ tokensPerSecond: 0, port });
      try {
        await expect.poll(async () => (await call(node.url, 'GET', '/health/ready')).status, { timeout: 5000 }).toBe(200);
        expect((await call(node.url, 'POST', '/chat/query', { key, body: { question: 'hello' } })).body.generated).toBe(true);
      } finally {
        await again.stop();
      }
    } finally {
      await node.close();
      await sim.stop().catch(() => undefined);
    }
  });
});

describe('follow-up rewriting by the LLM', () => {
  it('asks the model to make a follow-up self-contained, and falls back to concatenation when it answers nothing usable', async () => {
    let rewriteAnswer = 'How loud is the Daikin Altherma heat pump?';
    const sim = await OllamaSimulator.start({
      tokensPerSecond: 0,
      reply: (request) => {
        const messages = (request.body as { messages?: { content: string }[] }).messages ?? [];
        return messages.at(-1)?.content.startsWith('Rewrite the last question') ? rewriteAnswer : undefined;
      },
    });
    const { node, key } = await nodeWith(sim.url, { TARS_ORCHESTRATOR_REWRITE_MODE: 'llm' });
    try {
      const first = await call(node.url, 'POST', '/chat/query', { key, body: { question: 'Which heat pumps did I compare?' } });
      const follow = await call(node.url, 'POST', '/chat/query', {
        key,
        body: { question: 'How loud is the second one?', conversationId: first.body.conversationId },
      });
      expect(follow.body.route).toMatchObject({ retrievalQuery: 'How loud is the Daikin Altherma heat pump?' });
      expect(follow.body.route.reason).toMatch(/rewritten \(llm\)/);
      expect(follow.body.timings.rewrite).toBeGreaterThanOrEqual(0);
      const rewritePrompt = sim.received.find((r) => JSON.stringify(r.body ?? '').includes('Rewrite the last question'))!;
      expect(JSON.stringify(rewritePrompt.body)).toContain('Which heat pumps did I compare?');

      rewriteAnswer = '';
      const again = await call(node.url, 'POST', '/chat/query', {
        key,
        body: { question: 'And the first one?', conversationId: first.body.conversationId },
      });
      expect(again.body.route.reason).toMatch(/rewritten \(concat\)/);
      expect(again.body.route.retrievalQuery).toBe('How loud is the second one? And the first one?');
    } finally {
      await node.close();
      await sim.stop();
    }
  });
});
