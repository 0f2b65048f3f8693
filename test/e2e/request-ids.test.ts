import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir, uniqueSubjectPrefix } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { NATS_URL } from '../support/services.js';
import { freePort, TarsProcess } from '../support/tars-process.js';
import { hashingEmbeddingsEnv } from '../support/node-env.mjs';

/**
 * Issue 6, point 5: one request can be followed across nodes. The API node A (api only) sends
 * every call to node B (all other modules) over NATS; the request id of the HTTP request
 * (the caller's X-Request-Id, or a new one) is in the JSON log lines of both nodes — for a
 * request/reply call and for a job that crossed JetStream.
 */

interface LogLine {
  level: string;
  node: string;
  context?: string;
  requestId?: string;
  msg: string;
}

function jsonLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

async function eventually<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('request ids across nodes (api on A, the modules on B)', () => {
  let db: TestDatabase;
  let a: TarsProcess;
  let b: TarsProcess;
  let key: string;

  beforeAll(async () => {
    db = await createTestDatabase('reqid');
    const common = {
      DATABASE_URL: db.url,
      NATS_URL,
      TARS_NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(),
      TARS_LOG_LEVEL: 'debug',
      TARS_LOG_FORMAT: 'json',
      TARS_AUTH_RATE_LIMIT_ENABLED: 'false',
      ...hashingEmbeddingsEnv(),
    };
    b = new TarsProcess('b', await freePort(), {
      ...common,
      TARS_NODE_NAME: 'node-b',
      TARS_ROLES: 'memory,processing,orchestrator,inference,monitoring',
      TARS_DATA_DIR: tempDataDir('b'),
    });
    a = new TarsProcess('a', await freePort(), { ...common, TARS_NODE_NAME: 'node-a', TARS_ROLES: 'api', TARS_DATA_DIR: tempDataDir('a') });
    await b.start();
    await a.start();
    key = readFileSync(join(a.env.TARS_DATA_DIR, 'admin.key'), 'utf8').trim();
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('echoes the caller’s X-Request-Id, and both nodes log the NATS call under it', async () => {
    const res = await call(a.url, 'POST', '/memory/notes', {
      key,
      headers: { 'x-request-id': 'trace-note-1' },
      body: { title: 'Traced', text: 'A note whose request is followed across nodes.', tags: [] },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('trace-note-1');

    const onB = await eventually(() => jsonLines(b.output).find((l) => l.requestId === 'trace-note-1' && l.msg.includes('memory.notes.create')), 10_000);
    expect(onB.node).toBe('node-b');
    const onA = await eventually(() => jsonLines(a.output).find((l) => l.requestId === 'trace-note-1' && l.context === 'http'), 10_000);
    expect(onA.msg).toMatch(/^POST \/memory\/notes 201/);
  });

  it('gives a request without an id (or with an unusable one) a new id, returned to the caller', async () => {
    const res = await call(a.url, 'GET', `/memory/notes/${randomUUID()}`, { key, headers: { 'x-request-id': 'not acceptable; ' + 'x'.repeat(200) } });
    expect(res.status).toBe(404);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(() => jsonLines(b.output).find((l) => l.requestId === id), 10_000);
  });

  it('carries the id through JetStream: the worker’s log line for a queued document has it', async () => {
    const res = await call(a.url, 'POST', '/documents', {
      key,
      headers: { 'x-request-id': 'trace-doc-1' },
      body: { filename: 'traced.txt', text: 'A document that is queued, processed on node B and followed by its request id.' },
    });
    expect(res.status).toBe(202);
    const indexed = await eventually(
      () => jsonLines(b.output).find((l) => l.requestId === 'trace-doc-1' && /document .* indexed/.test(l.msg)),
      60_000,
    );
    expect(indexed.node).toBe('node-b');
  });

  it('lines written outside any request carry no id', () => {
    const startup = jsonLines(a.output).find((l) => l.msg.includes('listening on'));
    expect(startup).toBeDefined();
    expect(startup!.requestId).toBeUndefined();
  });
});
