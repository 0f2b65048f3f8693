import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect as connectNats } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_MODEL } from '../support/chat-config.js';
import { tempDataDir, uniqueSubjectPrefix } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { OllamaSimulator } from '../support/ollama-simulator.mjs';
import { NATS_URL } from '../support/services.js';
import { allEvents, postStream, readSse } from '../support/sse.js';
import { freePort, TarsProcess } from '../support/tars-process.js';
import { hashingEmbeddingsEnv } from '../support/node-env.mjs';

/**
 * Issue 4, point 6: the inference module on node I (the only node that talks to the LLM),
 * orchestrator + api + memory + processing on node A, over the real NATS server; then the
 * two-PC presets (cognitive: inference, memory, api; processing: processing, orchestrator,
 * monitoring), where an answer crosses NATS twice (api → orchestrator → inference).
 */
describe('chat across nodes over NATS', () => {
  let db: TestDatabase;
  const databases: TestDatabase[] = [];
  let sim: OllamaSimulator;
  const started: TarsProcess[] = [];
  const dataDirs: string[] = [];

  async function launch(name: string, env: Record<string, string>): Promise<TarsProcess> {
    const dir = tempDataDir(name);
    dataDirs.push(dir);
    const node = new TarsProcess(name, await freePort(), { ...env, TARS_DATA_DIR: dir });
    started.push(node);
    await node.start();
    return node;
  }

  function adminKeyOf(node: TarsProcess): string {
    return readFileSync(join(node.env.TARS_DATA_DIR, 'admin.key'), 'utf8').trim();
  }

  function commonEnv(prefix: string, database = db): Record<string, string> {
    return {
      DATABASE_URL: database.url,
      NATS_URL,
      TARS_NATS_SUBJECT_PREFIX: prefix,
      TARS_NATS_REQUEST_TIMEOUT_MS: '2000',
      TARS_AUTH_RATE_LIMIT_ENABLED: 'false',
      ...hashingEmbeddingsEnv(),
      TARS_INFERENCE_BACKENDS: JSON.stringify([{ id: 'ollama', kind: 'ollama', host: sim.url, model: CHAT_MODEL, maxConcurrent: 4 }]),
      TARS_INFERENCE_PROBE_INTERVAL_MS: '300',
      TARS_ORCHESTRATOR_REWRITE_MODE: 'concat',
    };
  }

  beforeAll(async () => {
    db = await createTestDatabase('e2e_chat');
    sim = await OllamaSimulator.start({ ttftMs: 20, tokensPerSecond: 40, replyTokens: 16, parallel: 4 });
  });

  afterAll(async () => {
    await Promise.allSettled(started.map((node) => node.kill()));
    await sim?.stop();
    await db?.drop();
    await Promise.allSettled(databases.map((d) => d.drop()));
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('inference on I; orchestrator, api, memory and processing on A', () => {
    let inference: TarsProcess;
    let a: TarsProcess;
    let key: string;
    let prefix: string;

    beforeAll(async () => {
      prefix = uniqueSubjectPrefix();
      [inference, a] = await Promise.all([
        launch('node-i', { ...commonEnv(prefix), TARS_ROLES: 'inference' }),
        launch('node-a', { ...commonEnv(prefix), TARS_ROLES: 'api,orchestrator,memory,processing,monitoring' }),
      ]);
      key = adminKeyOf(a);
    });

    it('streams tokens generated on I through NATS to the HTTP client of A', async () => {
      // A plain subscriber sees the generation request cross NATS to the inference module.
      const nc = await connectNats({ servers: NATS_URL });
      const seen: string[] = [];
      nc.subscribe(`${prefix}.inference.>`, {
        callback: (_err, msg) => {
          seen.push(msg.subject);
        },
      });
      await nc.flush();
      try {
        sim.reset();
        const events = await allEvents(await postStream(a.url, '/chat/stream', key, { question: 'Hello from node A' }));
        expect(events[0].event).toBe('start');
        const tokens = events.filter((e) => e.event === 'token');
        expect(tokens).toHaveLength(16);
        const done = events.at(-1)!;
        expect(done).toMatchObject({ event: 'done', data: { generated: true, backend: 'ollama', model: CHAT_MODEL } });
        expect(tokens.map((t) => t.data.text).join('')).toBe(done.data.answer);
        expect(tokens.at(-1)!.atMs - tokens[0].atMs).toBeGreaterThan(150); // incremental, not one burst
        expect(seen).toContain(`${prefix}.inference.generate.stream`);
        expect(sim.requestCount('/api/chat')).toBe(1);
      } finally {
        await nc.close();
      }
      const ready = await call(a.url, 'GET', '/health/ready');
      expect(ready.status, JSON.stringify(ready.body)).toBe(200);
      expect(ready.body.details.llm).toMatchObject({ status: 'up', remote: true });
    });

    it('cancels the generation on I when the HTTP client of A disconnects', async () => {
      sim.reset();
      sim.tokensPerSecond = 5;
      try {
        const abort = new AbortController();
        const res = await postStream(a.url, '/chat/stream', key, { question: 'Hello, a slow answer' }, abort.signal);
        let tokens = 0;
        for await (const event of readSse(res)) if (event.event === 'token' && ++tokens === 2) break;
        abort.abort();
        const aborted = await sim.waitForAbort({ timeoutMs: 8000 });
        expect(aborted).toMatchObject({ path: '/api/chat', phase: 'generating' });
        expect(aborted.tokensSent).toBeLessThan(16);
      } finally {
        sim.tokensPerSecond = 40;
      }
    });

    it('answers from memory, marked as not generated, when the inference node is down', async () => {
      await call(a.url, 'POST', '/memory/notes', {
        key,
        body: { title: 'Wifi password', text: 'The guest wifi password is written on the fridge whiteboard.' },
      });
      await inference.kill();
      const res = await call(a.url, 'POST', '/chat/query', { key, body: { question: 'Where is my guest wifi password?' }, timeoutMs: 20_000 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ generated: false, degraded: { code: 'module_unavailable' } });
      expect(res.body.answer).toContain('Wifi password (notes)');
      const ready = await call(a.url, 'GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.llm.message).toMatch(/inference module cannot be asked/);

      await inference.start();
      const back = await call(a.url, 'POST', '/chat/query', { key, body: { question: 'hello again' }, timeoutMs: 20_000 });
      expect(back.body.generated).toBe(true);
    });
  });

  describe('the two-PC presets: cognitive (inference, memory, api) and processing (orchestrator…)', () => {
    it('streams an answer that crosses NATS twice, and cancels it across both hops', async () => {
      const prefix = uniqueSubjectPrefix();
      // A database of its own, so that PC1's first start creates the admin key.
      const own = await createTestDatabase('e2e_chat_presets');
      databases.push(own);
      const [pc1] = await Promise.all([
        launch('pc1', { ...commonEnv(prefix, own), TARS_ROLES: 'cognitive' }),
        launch('pc2', { ...commonEnv(prefix, own), TARS_ROLES: 'processing' }),
      ]);
      const key = adminKeyOf(pc1);
      sim.reset();
      const events = await allEvents(await postStream(pc1.url, '/chat/stream', key, { question: 'Hello from PC1' }));
      expect(events.filter((e) => e.event === 'token')).toHaveLength(16);
      expect(events.at(-1)).toMatchObject({ event: 'done', data: { generated: true } });

      sim.reset();
      sim.tokensPerSecond = 5;
      try {
        const abort = new AbortController();
        const res = await postStream(pc1.url, '/chat/stream', key, { question: 'Hello, slowly' }, abort.signal);
        let tokens = 0;
        for await (const event of readSse(res)) if (event.event === 'token' && ++tokens === 2) break;
        abort.abort();
        expect(await sim.waitForAbort({ timeoutMs: 8000 })).toMatchObject({ path: '/api/chat', phase: 'generating' });
      } finally {
        sim.tokensPerSecond = 40;
      }
    });
  });
});
