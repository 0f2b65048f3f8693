import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TarsConfigValues } from '../../src/config/config.schema.js';
import { startNode, type RunningNode } from '../../src/main.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';

const RATE_LIMIT = 30;
let database: TestDatabase;
let config: TarsConfigValues;
let node: RunningNode;
let admin: string;

async function createKey(scopes: string[], name = 'test'): Promise<{ key: string; id: string }> {
  const res = await call(node.url, 'POST', '/keys', { key: admin, body: { name, scopes } });
  expect(res.status).toBe(201);
  return { key: res.body.key, id: res.body.apiKey.id };
}

beforeAll(async () => {
  database = await createTestDatabase('api');
  config = testConfig({
    DATABASE_URL: database.url,
    TARS_HTTP_BODY_LIMIT_BYTES: String(64 * 1024),
    TARS_AUTH_RATE_LIMIT_LIMIT: String(RATE_LIMIT),
    TARS_AUTH_KEY_CACHE_TTL_MS: '60000',
  });
  node = await startNode(config);
  admin = readFileSync(join(config.dataDir, 'admin.key'), 'utf8').trim();
});
afterAll(async () => {
  await node?.close();
  await database?.drop();
});

describe('first start', () => {
  it('creates an admin key, saved owner-readable only in the data folder', async () => {
    expect(admin).toMatch(/^tars_/);
    expect(statSync(join(config.dataDir, 'admin.key')).mode & 0o777).toBe(0o600);
    expect((await call(node.url, 'GET', '/keys', { key: admin })).body).toEqual([
      expect.objectContaining({ name: 'admin (first start)', scopes: ['admin'], revokedAt: null }),
    ]);
  });
});

describe('API keys', () => {
  it('refuses a request without a key, with an unknown key and with a malformed header', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer tars_000000000000000000000000000000000000000' }, { authorization: 'Basic abc' }];
    for (const headers of attempts) {
      const res = await call(node.url, 'GET', '/memory/search?q=x', { headers });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, code: 'unauthorized', message: expect.any(String) });
    }
  });

  it('accepts the key as a Bearer token or an X-API-Key header', async () => {
    const { key } = await createKey(['read']);
    expect((await call(node.url, 'GET', '/memory/search?q=x', { key })).status).toBe(200);
    expect((await call(node.url, 'GET', '/memory/search?q=x', { headers: { 'x-api-key': key } })).status).toBe(200);
  });

  it('answers 403 when the key lacks the scope of the route', async () => {
    const { key } = await createKey(['read']);
    const res = await call(node.url, 'POST', '/memory/notes', { key, body: { title: 't', text: 'x' } });
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/lacks the 'write' scope/);
    expect((await call(node.url, 'GET', '/keys', { key })).status).toBe(403);
  });

  it('lists keys without their secrets and revokes them at once', async () => {
    const { key, id } = await createKey(['read', 'write'], 'laptop');
    const listed = (await call(node.url, 'GET', '/keys', { key: admin })).body as Record<string, unknown>[];
    const entry = listed.find((k) => k.id === id);
    expect(entry).toMatchObject({ name: 'laptop', prefix: key.slice(0, 12), scopes: ['read', 'write'] });
    expect(JSON.stringify(listed)).not.toContain(key);

    expect((await call(node.url, 'GET', '/memory/search?q=x', { key })).status).toBe(200); // now cached as valid
    const revoked = await call(node.url, 'DELETE', `/keys/${id}`, { key: admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await call(node.url, 'GET', '/memory/search?q=x', { key })).status).toBe(401);
  });

  it('refuses a key once it has expired, even when it was verified moments before', async () => {
    const res = await call(node.url, 'POST', '/keys', {
      key: admin,
      body: { name: 'short', scopes: ['read'], expiresAt: new Date(Date.now() + 1500).toISOString() },
    });
    expect((await call(node.url, 'GET', '/memory/search?q=x', { key: res.body.key })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await call(node.url, 'GET', '/memory/search?q=x', { key: res.body.key })).status).toBe(401);
  });

  it('refuses to create a key that is already expired or has an unknown scope', async () => {
    const past = await call(node.url, 'POST', '/keys', {
      key: admin,
      body: { name: 'past', scopes: ['read'], expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(past.status).toBe(400);
    expect(past.body.message).toMatch(/expiresAt must be in the future/);
    const unknownScope = await call(node.url, 'POST', '/keys', { key: admin, body: { name: 'x', scopes: ['root'] } });
    expect(unknownScope.status).toBe(400);
  });

  it('rate-limits per key: one key over its limit gets 429, another key is unaffected', async () => {
    const noisy = await createKey(['read'], 'noisy');
    const quiet = await createKey(['read'], 'quiet');
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT + 3; i++) {
      statuses.push((await call(node.url, 'GET', '/memory/search?q=x', { key: noisy.key })).status);
    }
    expect(statuses.slice(0, RATE_LIMIT).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(RATE_LIMIT)).toEqual([429, 429, 429]);
    const limited = await call(node.url, 'GET', '/memory/search?q=x', { key: noisy.key });
    expect(limited.body).toMatchObject({ statusCode: 429, code: 'rate_limited' });
    expect(limited.headers.get('retry-after')).toBeTruthy();
    expect((await call(node.url, 'GET', '/memory/search?q=x', { key: quiet.key })).status).toBe(200);
  });
});

describe('bad input', () => {
  let writer: string;
  beforeAll(async () => {
    writer = (await createKey(['read', 'write'], 'writer')).key;
  });

  it('answers 400 with a message for malformed JSON', async () => {
    const res = await call(node.url, 'POST', '/memory/notes', { key: writer, rawBody: '{"title": "x",' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/JSON/) });
  });

  it('answers 400 listing every invalid field', async () => {
    const res = await call(node.url, 'POST', '/memory/notes', {
      key: writer,
      body: { title: 5, tags: ['ok', 'two words'], extra: true },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.fields).toEqual(
      expect.arrayContaining([
        'property extra should not exist',
        'title must be a string',
        'text must be a string',
        'each tag must be one word without spaces or commas',
      ]),
    );
  });

  it('answers 413 for a body over the configured limit', async () => {
    const res = await call(node.url, 'POST', '/memory/notes', {
      key: writer,
      body: { title: 'big', text: 'x'.repeat(70 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await call(node.url, 'POST', '/memory/notes', {
      key: writer,
      rawBody: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
  });

  it('answers 404 JSON for an unknown route and for an unknown note, 400 for a malformed id', async () => {
    const unknownRoute = await call(node.url, 'GET', '/no/such/route', { key: writer });
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.body).toMatchObject({ statusCode: 404, code: 'not_found' });
    const unknownNote = await call(node.url, 'GET', '/memory/notes/6f1c6a3e-4b7a-4d59-9b8f-2a6b6b1d9c11', { key: writer });
    expect(unknownNote.status).toBe(404);
    expect(unknownNote.body.message).toMatch(/no note with id/);
    expect((await call(node.url, 'GET', '/memory/notes/not-a-uuid', { key: writer })).status).toBe(400);
  });

  it('checks query parameters: q is required, k is bounded, layers are known', async () => {
    expect((await call(node.url, 'GET', '/memory/search', { key: writer })).status).toBe(400);
    const res = await call(node.url, 'GET', '/memory/search?q=x&k=1000', { key: writer });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([expect.stringMatching(/^k must not be greater than 100/)]);
    const layers = await call(node.url, 'GET', '/memory/search?q=x&layers=semantic,dreams', { key: writer });
    expect(layers.status).toBe(400);
    expect(layers.body.fields).toEqual([expect.stringMatching(/^layers must be among conversations, projects, semantic, notes/)]);
  });

  it('still serves normally afterwards (nothing crashed)', async () => {
    const created = await call(node.url, 'POST', '/memory/notes', { key: writer, body: { title: 'after', text: 'still alive' } });
    expect(created.status).toBe(201);
    expect((await call(node.url, 'GET', `/memory/notes/${created.body.id}`, { key: writer })).body.text).toBe('still alive');
  });
});

describe('documentation, health and metrics', () => {
  it('serves Swagger UI at /docs and an OpenAPI document with schemas for every endpoint', async () => {
    const ui = await call(node.url, 'GET', '/docs');
    expect(ui.status).toBe(200);
    expect(String(ui.body)).toContain('swagger');
    const doc = (await call(node.url, 'GET', '/docs-json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/memory/notes',
        '/memory/notes/{id}',
        '/memory/search',
        '/keys',
        '/keys/{idOrPrefix}',
        '/chat/query',
        '/chat/stream',
        '/v1/chat/completions',
        '/v1/models',
        '/v1/embeddings',
        '/health',
        '/health/ready',
        '/metrics',
      ]),
    );
    type Operation = { responses: Record<string, { content?: Record<string, { schema?: unknown }> }>; requestBody?: { content?: Record<string, { schema?: unknown }> } };
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const success = Object.entries(operation.responses).find(([code]) => code.startsWith('2'));
        expect(success, `${method} ${path} documents a success response`).toBeDefined();
        const content = success![1].content ?? {};
        // Streams document their event-stream body; everything else its JSON schema.
        const schema = content['application/json']?.schema ?? content['text/event-stream']?.schema;
        if (path !== '/metrics') expect(schema, `${method} ${path} response schema`).toBeDefined();
        // Starting a job takes its name from the path and nothing else.
        if (method === 'post' && path !== '/jobs/{name}/run') expect(operation.requestBody?.content?.['application/json']?.schema, `${method} ${path} body`).toBeDefined();
      }
    }
    expect(doc.paths['/memory/notes'].post.operationId).toBe('createNote');
    expect(doc.components.schemas.NoteInputDto.required).toEqual(expect.arrayContaining(['title', 'text']));
  });

  it('serves health probes without a key', async () => {
    const info = await call(node.url, 'GET', '/health');
    expect(info.body).toMatchObject({ status: 'ok', node: 'test-node', version: expect.any(String), uptimeSeconds: expect.any(Number) });
    expect(info.body.roles).toHaveLength(6);
    expect((await call(node.url, 'GET', '/health/live')).status).toBe(200);
    const ready = await call(node.url, 'GET', '/health/ready');
    expect(ready.body.details.database).toMatchObject({ status: 'up', kind: 'postgresql' });
    // No LLM runs here: readiness says so, and that is its only failing check.
    expect(ready.status).toBe(503);
    expect(Object.keys(ready.body.error)).toEqual(['llm']);
  });

  it('serves Prometheus metrics with process metrics and per-route HTTP counts and latencies', async () => {
    await call(node.url, 'GET', '/health/live');
    const text = String((await call(node.url, 'GET', '/metrics')).body);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(/tars_http_requests_total\{method="GET",route="\/health\/live",status="200",node="test-node"\} \d+/);
    expect(text).toMatch(/tars_http_requests_total\{method="POST",route="\/memory\/notes",status="413"/);
    expect(text).toMatch(/tars_http_request_duration_seconds_bucket\{le="0.005",node="test-node",method="GET",route="\/health\/live"/);
    expect(text).toMatch(/tars_http_requests_total\{method="GET",route="unmatched",status="404"/);
  });
});
