import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/main.js';
import { chatTestConfig } from '../support/chat-config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { OllamaSimulator } from '../support/ollama-simulator.mjs';

let database: TestDatabase;
let sim: OllamaSimulator;
let node: RunningNode;
let key: string;

beforeAll(async () => {
  database = await createTestDatabase('metrics');
  sim = await OllamaSimulator.start({ tokensPerSecond: 0, replyTokens: 9 });
  const config = chatTestConfig(sim.url, { DATABASE_URL: database.url });
  node = await startNode(config);
  key = readFileSync(join(config.dataDir, 'admin.key'), 'utf8').trim();
});
afterAll(async () => {
  await node?.close();
  await sim?.stop();
  await database?.drop();
});

async function scrape(): Promise<string> {
  const res = await call(node.url, 'GET', '/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.body as string;
}

/** The value of the sample of `name` whose labels include every one of `labels` (the node label is added to all). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('/metrics after a chat generation and an ingestion', () => {
  it('shows LLM, queue, cache, job and readiness metrics', async () => {
    const chat = await call(node.url, 'POST', '/chat/query', { key, body: { question: 'Hello there, TARS' } });
    expect(chat.status).toBe(200);
    expect(chat.body.usage.completionTokens).toBe(9);

    const added = await call(node.url, 'POST', '/documents', { key, body: { text: 'The quince tree by the shed flowers in May.', filename: 'quince.md' } });
    expect(added.status).toBe(202);
    const id = added.body.document.id as string;
    await expect
      .poll(async () => (await call(node.url, 'GET', `/documents/${id}`, { key })).body.status, { timeout: 30_000, interval: 100 })
      .toBe('indexed');

    const text = await scrape();
    // Inference: one answered generation of 9 tokens on the simulator's backend.
    expect(sample(text, 'tars_llm_generations_total', { backend: 'ollama', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'tars_llm_tokens_total', { backend: 'ollama' })).toBeGreaterThanOrEqual(9);
    expect(sample(text, 'tars_llm_first_token_seconds_count', { backend: 'ollama' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'tars_llm_queue_wait_seconds_count', { backend: 'ollama' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'tars_llm_tokens_per_second_count', { backend: 'ollama' })).toBeGreaterThanOrEqual(1);
    // Queues of this node (in-process: no NATS), read at scrape time; the ingestion is done.
    expect(sample(text, 'tars_queue_depth', { queue: 'ingest' })).toBe(0);
    expect(sample(text, 'tars_queue_depth', { queue: 'questions' })).toBe(0);
    // The document's chunks went through the embedding cache.
    expect(sample(text, 'tars_embedding_cache_requests_total', { tier: 'memory', result: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'tars_ingestion_jobs_total', { outcome: 'done' })).toBeGreaterThanOrEqual(1);
    // Jobs: registered even before any run.
    expect(text).toMatch(/^# TYPE tars_job_runs_total counter$/m);
    expect(text).toMatch(/^# TYPE tars_job_duration_seconds histogram$/m);
    // HTTP requests, and readiness checks evaluated for this scrape.
    expect(sample(text, 'tars_http_requests_total', { method: 'POST', route: '/chat/query', status: '200' })).toBe(1);
    expect(sample(text, 'tars_ready_check', { check: 'database' })).toBe(1);
    expect(sample(text, 'tars_ready_check', { check: 'llm' })).toBe(1);
    expect(sample(text, 'tars_ready_check', { check: 'vectorIndex' })).toBe(1);
  });

  it('counts a failed generation with its error code', async () => {
    sim.inject({ path: '/api/chat', kind: 'status', status: 503 });
    await call(node.url, 'POST', '/chat/query', { key, body: { question: 'Hello again' } });
    const text = await scrape();
    expect(sample(text, 'tars_llm_generations_total', { backend: 'ollama', outcome: 'llm_overloaded' })).toBeGreaterThanOrEqual(1);
  });
});
