import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir, uniqueSubjectPrefix } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { NATS_URL } from '../support/services.js';
import { freePort, TarsProcess } from '../support/tars-process.js';

/**
 * Issue 2, point 6: notes stored and searched through node A (api, orchestrator) while the
 * memory module runs on node B, in another OS process, reached over the real NATS server.
 * The tests run in order and share the two nodes: B is paused, killed and started again.
 */

const REQUEST_TIMEOUT_MS = 1500;
/** Room for a loaded 2-core machine on top of the configured timeout. */
const MARGIN_MS = 3500;

/** A made-up word of letters only, so that each note can be found by a word no other note has. */
function uniqueWord(): string {
  return `zq${[...randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;
}

interface AcknowledgedNote {
  id: string;
  title: string;
  text: string;
  tags: string[];
  word: string;
}

describe('notes across two nodes over NATS (api,orchestrator on A, memory on B)', () => {
  let db: TestDatabase;
  let a: TarsProcess;
  let b: TarsProcess;
  let adminKey: string;
  let prefix: string;
  const started: TarsProcess[] = [];
  const dataDirs: string[] = [];
  /** Every note that was answered with 201, at any moment of the test. */
  const acknowledged = new Map<string, AcknowledgedNote>();

  async function launch(name: string, env: Record<string, string>): Promise<TarsProcess> {
    const node = new TarsProcess(name, await freePort(), env);
    started.push(node); // registered before it starts, so that afterAll stops it even if starting fails
    await node.start();
    return node;
  }

  async function postNote(word: string, extra: { headers?: Record<string, string>; title?: string } = {}) {
    const input = {
      title: extra.title ?? `Note about ${word}`,
      text: `This note mentions ${word} once, among other words.`,
      tags: ['e2e', 'Cross-Node'],
    };
    const res = await call(a.url, 'POST', '/memory/notes', { key: adminKey, body: input, headers: extra.headers, timeoutMs: 20_000 });
    if (res.status === 201) {
      acknowledged.set(res.body.id, { id: res.body.id, title: input.title, text: input.text, tags: ['e2e', 'cross-node'], word });
    }
    return res;
  }

  async function noteIdsInDatabase(): Promise<string[]> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string }>('SELECT id FROM notes ORDER BY id');
      return rows.map((r) => r.id);
    } finally {
      await client.end();
    }
  }

  /** A read and a search through A, each with its own measured time. */
  function readCalls(noteId: string) {
    return Promise.all([
      call(a.url, 'GET', `/memory/notes/${noteId}`, { key: adminKey, timeoutMs: 20_000 }),
      call(a.url, 'GET', '/memory/search?q=note', { key: adminKey, timeoutMs: 20_000 }),
    ]);
  }

  function expectMemoryUnavailable(res: Awaited<ReturnType<typeof call>>): void {
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.body).toMatchObject({ statusCode: 503, code: 'module_unavailable' });
    expect(res.body.message).toMatch(/memory module/);
  }

  beforeAll(async () => {
    db = await createTestDatabase('e2e_notes');
    prefix = uniqueSubjectPrefix();
    const common = {
      DATABASE_URL: db.url,
      NATS_URL,
      TARS_NATS_SUBJECT_PREFIX: prefix,
      TARS_NATS_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      TARS_AUTH_RATE_LIMIT_ENABLED: 'false',
    };
    const dirA = tempDataDir('tars-a');
    const dirB = tempDataDir('tars-b');
    dataDirs.push(dirA, dirB);
    [b, a] = await Promise.all([
      launch('node-b', { ...common, TARS_ROLES: 'memory', TARS_DATA_DIR: dirB }),
      launch('node-a', { ...common, TARS_ROLES: 'api,orchestrator', TARS_DATA_DIR: dirA }),
    ]);
    adminKey = readFileSync(join(dirA, 'admin.key'), 'utf8').trim();
  });

  afterAll(async () => {
    for (const node of started) node.resume(); // a paused process would ignore SIGTERM
    await Promise.allSettled(started.map((node) => node.kill()));
    await db?.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('stores, reads and searches notes through A, and the calls cross NATS to B', async () => {
    const nodeA = await call(a.url, 'GET', '/health');
    expect(nodeA.status).toBe(200);
    expect(nodeA.body.roles).not.toContain('memory');
    expect([...nodeA.body.roles].sort()).toEqual(['api', 'orchestrator']);
    expect((await call(b.url, 'GET', '/health')).body.roles).toEqual(['memory']);

    // A plain subscriber (no queue group) sees a copy of every request sent to the memory module.
    const seen: { subject: string; data: string }[] = [];
    const nc: NatsConnection = await connectNats({ servers: NATS_URL });
    try {
      nc.subscribe(`${prefix}.memory.>`, {
        callback: (_err, msg) => {
          seen.push({ subject: msg.subject, data: msg.string() });
        },
      });
      await nc.flush();

      const word = uniqueWord();
      // Both notes contain the word; the first has it in the title too, so it must rank first.
      const strong = await call(a.url, 'POST', '/memory/notes', {
        key: adminKey,
        body: { title: `Boiler ${word}`, text: `The ${word} boiler was serviced on 3 March by the plumber.`, tags: ['House'] },
      });
      expect(strong.status).toBe(201);
      expect(strong.body).toMatchObject({ title: `Boiler ${word}`, tags: ['house'] });
      expect(strong.body.id).toMatch(/^[0-9a-f-]{36}$/);
      acknowledged.set(strong.body.id, { ...strong.body, word });
      const weak = await call(a.url, 'POST', '/memory/notes', {
        key: adminKey,
        body: { title: 'Garden plans', text: `Tomatoes in May; the seeds are kept next to the ${word} cupboard.` },
      });
      expect(weak.status).toBe(201);
      acknowledged.set(weak.body.id, { ...weak.body, word });
      const unrelated = await call(a.url, 'POST', '/memory/notes', {
        key: adminKey,
        body: { title: 'Unrelated', text: 'Nothing to see here.' },
      });
      expect(unrelated.status).toBe(201);
      acknowledged.set(unrelated.body.id, { ...unrelated.body, word: 'unrelated' });

      const read = await call(a.url, 'GET', `/memory/notes/${strong.body.id}`, { key: adminKey });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(strong.body);

      const search = await call(a.url, 'GET', `/memory/search?q=${word}`, { key: adminKey });
      expect(search.status).toBe(200);
      expect(search.body.query).toBe(word);
      expect(search.body.hits.map((h: { source: { noteId: string } }) => h.source.noteId)).toEqual([strong.body.id, weak.body.id]);
      expect(search.body.hits[0].score).toBeGreaterThan(search.body.hits[1].score);
      for (const hit of search.body.hits) expect(hit.snippet).toContain(`**${word}**`);
      expect(search.body.hits[0]).toMatchObject({ layer: 'notes', kind: 'note', title: strong.body.title });

      const missing = await call(a.url, 'GET', '/memory/notes/00000000-0000-4000-8000-000000000000', { key: adminKey });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('not_found');

      await nc.flush();
      await expect.poll(() => seen.length, { timeout: 5000 }).toBeGreaterThanOrEqual(6);
      const subjects = seen.map((m) => m.subject);
      expect(subjects.filter((s) => s === `${prefix}.memory.notes.create`)).toHaveLength(3);
      expect(subjects.filter((s) => s === `${prefix}.memory.notes.get`)).toHaveLength(2);
      expect(subjects.filter((s) => s === `${prefix}.memory.search`)).toHaveLength(1);
      expect(seen.find((m) => m.subject.endsWith('.create') && m.data.includes(`Boiler ${word}`))).toBeDefined();
    } finally {
      // Closed before B goes away: a subscriber of our own would otherwise keep "someone is listening" true.
      await nc.close();
    }
  });

  it('an Idempotency-Key makes a retried POST store the note once', async () => {
    const word = uniqueWord();
    const headers = { 'Idempotency-Key': `retry-${word}` };
    const first = await postNote(word, { headers });
    const second = await postNote(word, { headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.createdAt).toBe(first.body.createdAt);

    const other = await postNote(word, { headers: { 'Idempotency-Key': `other-${word}` } });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);

    const search = await call(a.url, 'GET', `/memory/search?q=${word}`, { key: adminKey });
    expect(search.body.hits.map((h: { source: { noteId: string } }) => h.source.noteId).sort()).toEqual([first.body.id, other.body.id].sort());
    expect((await noteIdsInDatabase()).filter((id) => id === first.body.id)).toHaveLength(1);
  });

  it('with B paused (subscribed but silent), calls answer 503 after about the configured timeout, then work after SIGCONT', async () => {
    const someNote = [...acknowledged.values()][0];
    const retryWord = uniqueWord();
    const retryKey = { 'Idempotency-Key': `paused-${retryWord}` };
    let pendingNoteId: string | undefined;
    b.pause();
    try {
      const healthWhilePending = (async () => {
        await new Promise((r) => setTimeout(r, 300));
        return call(a.url, 'GET', '/health');
      })();
      // The POST carries an Idempotency-Key: B will still store it when it wakes up (the 503 says
      // the outcome is unknown), and the retry below must not store it twice.
      const [calls, pausedPost, health] = await Promise.all([
        readCalls(someNote.id),
        postNote(retryWord, { headers: retryKey }),
        healthWhilePending,
      ]);
      expect(health.status).toBe(200); // A keeps answering while its calls wait
      for (const res of [...calls, pausedPost]) {
        expectMemoryUnavailable(res);
        expect(res.body.message).toMatch(/did not answer within 1500 ms/);
        expect(res.elapsedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
        expect(res.elapsedMs).toBeLessThan(REQUEST_TIMEOUT_MS + MARGIN_MS);
      }
      // The timed-out POST says its outcome is unknown and which id the note would have.
      expect(pausedPost.body.message).toMatch(/may still have been stored as/);
      expect(pausedPost.body.details.noteId).toMatch(/^[0-9a-f-]{36}$/);
      pendingNoteId = pausedPost.body.details.noteId;
    } finally {
      b.resume();
    }

    // B works again, and the timed-out POST ("outcome unknown") can be retried safely with its key.
    const retried = await postNote(retryWord, { headers: retryKey });
    expect(retried.status).toBe(201);
    expect(retried.body.id).toBe(pendingNoteId);
    const search = await call(a.url, 'GET', `/memory/search?q=${retryWord}`, { key: adminKey });
    expect(search.status).toBe(200);
    expect(search.body.hits).toHaveLength(1);
    expect(search.body.hits[0].source.noteId).toBe(retried.body.id);
  });

  const notStoredWords: string[] = [];

  it('with B killed, calls answer 503 within the configured timeout and A stays up', async () => {
    await b.kill();
    expect(b.running).toBe(false);
    const someNote = [...acknowledged.values()][0];
    for (let round = 0; round < 2; round++) {
      const word = uniqueWord();
      notStoredWords.push(word);
      const [reads, post] = await Promise.all([readCalls(someNote.id), postNote(word)]);
      for (const res of [...reads, post]) {
        expectMemoryUnavailable(res);
        expect(res.elapsedMs).toBeLessThan(REQUEST_TIMEOUT_MS + MARGIN_MS);
      }
    }

    expect(a.running).toBe(true);
    const health = await call(a.url, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    // A's own dependencies (database, NATS) are fine (no LLM runs in this test: that check is down throughout).
    const ready = await call(a.url, 'GET', '/health/ready');
    expect(ready.body.details).toMatchObject({ database: { status: 'up' }, nats: { status: 'up' } });
  });

  it('with B started again, calls work again and no acknowledged note was lost', async () => {
    await b.start();
    const fresh = await postNote(uniqueWord());
    expect(fresh.status).toBe(201);

    for (const note of acknowledged.values()) {
      const read = await call(a.url, 'GET', `/memory/notes/${note.id}`, { key: adminKey });
      expect(read.status, `note ${note.id}`).toBe(200);
      expect(read.body).toMatchObject({ id: note.id, title: note.title, text: note.text, tags: note.tags });
      const search = await call(a.url, 'GET', `/memory/search?q=${encodeURIComponent(note.word)}&k=100`, { key: adminKey });
      expect(search.status).toBe(200);
      expect(search.body.hits.map((h: { source: { noteId: string } }) => h.source.noteId)).toContain(note.id);
    }
    // A POST refused with "no node is running" was really not stored.
    for (const word of notStoredWords) {
      expect((await call(a.url, 'GET', `/memory/search?q=${word}`, { key: adminKey })).body.hits).toEqual([]);
    }
    // What the database holds is exactly what was acknowledged: nothing lost, nothing extra.
    expect(await noteIdsInDatabase()).toEqual([...acknowledged.keys()].sort());
  });
});
