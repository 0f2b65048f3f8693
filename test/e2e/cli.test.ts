import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir, uniqueSubjectPrefix } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { NATS_URL } from '../support/services.js';
import { freePort, runCli, TarsProcess } from '../support/tars-process.js';

/**
 * Issue 2, points 2, 3, 5 and 7 as a user meets them on the command line: `tars serve` with
 * good and bad roles and settings, and `tars keys` against a PostgreSQL server and against the
 * embedded database of a running node.
 */

const KEY_PATTERN = /tars_[0-9A-Za-z]{38}/g;

/** The one API key printed in a command's output (fails when there is none, or more than one). */
function printedKey(stdout: string): string {
  const keys = [...stdout.matchAll(KEY_PATTERN)].map((m) => m[0]);
  expect(keys, stdout).toHaveLength(1);
  return keys[0];
}

/** Processes and folders of this file, cleaned up in afterAll whatever happened. */
const nodes: TarsProcess[] = [];
const dataDirs: string[] = [];
const databases: TestDatabase[] = [];

async function launch(name: string, env: Record<string, string>, args: string[] = []): Promise<TarsProcess> {
  const node = new TarsProcess(name, await freePort(), env, args);
  nodes.push(node); // registered before it starts, so that afterAll stops it even if starting fails
  await node.start();
  return node;
}

function dataDir(label: string): string {
  const dir = tempDataDir(label);
  dataDirs.push(dir);
  return dir;
}

/** No NATS and no PostgreSQL server unless a test asks for them, whatever the caller's environment says. */
const EMBEDDED = { DATABASE_URL: '', NATS_URL: '' };

afterAll(async () => {
  await Promise.allSettled(nodes.map((node) => node.kill()));
  await Promise.allSettled(databases.map((db) => db.drop()));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Whether something accepts TCP connections on the port right now. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Runs `tars serve ...` that is expected to refuse to start, probing its HTTP port the whole time:
 * a bad configuration must be reported before anything listens.
 */
async function serveExpectingRefusal(args: string[], env: Record<string, string>) {
  const port = await freePort();
  const dir = join(dataDir('tars-refused'), 'never-created');
  const fullEnv = { ...EMBEDDED, TARS_HTTP_PORT: String(port), TARS_DATA_DIR: dir, ...env };
  let probing = true;
  let listened = false;
  const probe = (async () => {
    while (probing) {
      if (await portAnswers(port)) listened = true;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const result = await runCli(['serve', ...args], fullEnv, 30_000);
  probing = false;
  await probe;
  return { ...result, listened: listened || (await portAnswers(port)), dataDirCreated: existsSync(dir) };
}

describe('tars serve refuses a bad configuration before anything listens', () => {
  it('an unknown role given with --roles', async () => {
    const result = await serveExpectingRefusal(['--roles', 'bogus'], {});
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toMatch(/unknown role or module 'bogus'/);
    expect(result.stderr).toMatch(/roles \(from the command line\)/);
    expect(result.listened).toBe(false);
    expect(result.dataDirCreated).toBe(false);
  });

  it('an unknown module in TARS_ROLES, even next to a valid one', async () => {
    const result = await serveExpectingRefusal([], { TARS_ROLES: 'memory,foo' });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toMatch(/'foo'/);
    expect(result.stderr).not.toMatch(/'memory'/);
    expect(result.stderr).toMatch(/TARS_ROLES/);
    expect(result.listened).toBe(false);
  });

  it('an unknown role in a config file given with --config', async () => {
    const file = join(dataDir('tars-config'), 'node.yaml');
    writeFileSync(file, 'roles: api,wizardry\n');
    const result = await serveExpectingRefusal(['--config', file], {});
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toMatch(/'wizardry'/);
    expect(result.stderr).toContain(file);
    expect(result.listened).toBe(false);
  });

  it('a port out of range exits with code 2, naming http.port and TARS_HTTP_PORT', async () => {
    const result = await serveExpectingRefusal([], { TARS_HTTP_PORT: '70000' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/http\.port \(from TARS_HTTP_PORT\)/);
    expect(result.stdout).not.toMatch(/listening/);
    expect(result.dataDirCreated).toBe(false);
  });

  it('a NATS URL with the wrong scheme exits with code 2, naming nats.url and NATS_URL, and never binds its port', async () => {
    const result = await serveExpectingRefusal([], { NATS_URL: 'http://x' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/nats\.url \(from NATS_URL\)/);
    expect(result.stderr).toMatch(/nats:\/\//);
    expect(result.listened).toBe(false);
    expect(result.stdout).not.toMatch(/listening/);
    expect(result.dataDirCreated).toBe(false);
  });

  it('roles that leave modules to other nodes need NATS: --roles memory without NATS_URL', async () => {
    const result = await serveExpectingRefusal(['--roles', 'memory'], {});
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toMatch(/nats\.url/);
    expect(result.stderr).toMatch(/NATS_URL/);
    expect(result.listened).toBe(false);
  });
});

describe('a node loads exactly the modules of its roles', () => {
  let cognitive: TarsProcess;
  let processing: TarsProcess;
  let processingDir: string;

  beforeAll(async () => {
    const db = await createTestDatabase('e2e_roles');
    databases.push(db);
    const common = { DATABASE_URL: db.url, NATS_URL, TARS_NATS_SUBJECT_PREFIX: uniqueSubjectPrefix() };
    processingDir = dataDir('tars-processing');
    [cognitive, processing] = await Promise.all([
      launch('cognitive', { ...common, TARS_DATA_DIR: dataDir('tars-cognitive') }, ['--roles', 'cognitive']),
      launch('processing', { ...common, TARS_DATA_DIR: processingDir }, ['--roles', 'processing']),
    ]);
  });

  it('--roles cognitive runs inference, memory and the API', async () => {
    const health = await call(cognitive.url, 'GET', '/health');
    expect(health.status).toBe(200);
    expect([...health.body.roles].sort()).toEqual(['api', 'inference', 'memory']);
    expect((await call(cognitive.url, 'GET', '/docs-json')).status).toBe(200);
    // No key: the API is there and protected (not missing).
    expect((await call(cognitive.url, 'GET', '/memory/search?q=x')).status).toBe(401);
  });

  it('--roles processing runs processing, orchestrator and monitoring, with health and metrics but no REST API', async () => {
    const health = await call(processing.url, 'GET', '/health');
    expect(health.status).toBe(200);
    expect([...health.body.roles].sort()).toEqual(['monitoring', 'orchestrator', 'processing']);

    for (const path of ['/docs-json', '/docs', '/memory/search?q=x', '/keys']) {
      const res = await call(processing.url, 'GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body.statusCode, path).toBe(404);
    }

    // The orchestrator answers with an LLM; none runs in this test, so readiness says so (and only that).
    const ready = await call(processing.url, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    // Every check of what it runs is reported; only the LLM is down (the index may still be loading: degraded).
    expect(Object.keys(ready.body.details).sort()).toEqual(['database', 'disk', 'jetstream', 'llm', 'memory', 'nats', 'vectorIndex']);
    expect(Object.keys(ready.body.error)).toEqual(['llm']);

    const metrics = await call(processing.url, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/^process_cpu_user_seconds_total/m);
    expect(metrics.body).toMatch(/^tars_http_requests_total\{.*route="\/health".*\} \d+/m);

    // Without the API there is no admin key to create.
    expect(existsSync(join(processingDir, 'admin.key'))).toBe(false);
  });
});

describe('tars keys with a PostgreSQL server (the CLI opens the database itself)', () => {
  let db: TestDatabase;
  let node: TarsProcess;
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_keys');
    databases.push(db);
    // A cache TTL of 0: a revocation made by another process (the CLI) counts on the next request.
    node = await launch('keys-pg', {
      ...EMBEDDED,
      DATABASE_URL: db.url,
      TARS_DATA_DIR: dataDir('tars-keys-node'),
      TARS_AUTH_KEY_CACHE_TTL_MS: '0',
    });
    // The CLI has a data folder of its own (no admin.key) and points at a port where no node listens:
    // with a PostgreSQL server it must go to the database, not to a node.
    cliEnv = { ...EMBEDDED, DATABASE_URL: db.url, TARS_DATA_DIR: dataDir('tars-keys-cli'), TARS_HTTP_PORT: '1' };
  });

  it('create prints the key once, list never shows it, the node enforces its scope, and revoke ends it', async () => {
    const created = await runCli(['keys', 'create', '--name', 'reader', '--scopes', 'read'], cliEnv);
    expect(created.code, created.stderr).toBe(0);
    const key = printedKey(created.stdout);
    const id = /id ([0-9a-f-]{36})/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();

    // Only a digest and a short prefix are stored.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT * FROM api_keys WHERE id = $1', [id]);
      expect(rows).toHaveLength(1);
      expect(rows[0].key_hash).toBe(createHash('sha256').update(key).digest('hex'));
      expect(rows[0].prefix).toBe(key.slice(0, 12));
      expect(rows[0].scopes).toEqual(['read']);
      expect(JSON.stringify(rows)).not.toContain(key.slice(12));
    } finally {
      await client.end();
    }

    const listed = await runCli(['keys', 'list'], cliEnv);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain(key.slice(0, 12));
    expect(listed.stdout).not.toContain(key);
    expect(listed.stdout).not.toContain(key.slice(12));
    expect(listed.stdout).toMatch(/reader\s+\S+\s+read\s+active/);

    const search = await call(node.url, 'GET', '/memory/search?q=anything', { key });
    expect(search.status).toBe(200);
    expect(search.body.hits).toEqual([]);
    const write = await call(node.url, 'POST', '/memory/notes', { key, body: { title: 't', text: 'x' } });
    expect(write.status).toBe(403);
    expect(write.body.message).toMatch(/'write' scope/);
    expect((await call(node.url, 'GET', '/keys', { key })).status).toBe(403);
    expect((await call(node.url, 'GET', '/memory/search?q=x', { key: `${key.slice(0, -1)}x` })).status).toBe(401);
    expect((await call(node.url, 'GET', '/memory/search?q=x')).status).toBe(401);

    const revoked = await runCli(['keys', 'revoke', id!], cliEnv);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/Revoked key "reader"/);

    const afterRevoke = await call(node.url, 'GET', '/memory/search?q=anything', { key });
    expect(afterRevoke.status).toBe(401);
    expect(afterRevoke.body.message).toMatch(/revoked/);
    const relisted = await runCli(['keys', 'list', '--json'], cliEnv);
    expect(relisted.code, relisted.stderr).toBe(0);
    const entry = (JSON.parse(relisted.stdout) as { id: string; revokedAt: string | null }[]).find((k) => k.id === id);
    expect(entry?.revokedAt).toEqual(expect.any(String));
    expect(relisted.stdout).not.toContain(key);
  });
});

describe('the embedded default: PGlite in the data folder, no NATS', () => {
  let node: TarsProcess;
  let dir: string;
  let cliEnv: Record<string, string>;
  let adminKey: string;
  const notes: { id: string; title: string; text: string }[] = [];

  beforeAll(async () => {
    dir = dataDir('tars-embedded');
    node = await launch('embedded', { ...EMBEDDED, TARS_DATA_DIR: dir });
    cliEnv = { ...EMBEDDED, TARS_DATA_DIR: dir, TARS_HTTP_PORT: String(node.port) };
    adminKey = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
  });

  it('a first start creates an admin key, prints it once and keeps it owner-only', async () => {
    expect(adminKey).toMatch(/^tars_[0-9A-Za-z]{38}$/);
    expect(statSync(join(dir, 'admin.key')).mode & 0o777).toBe(0o600);
    expect(node.output.split(adminKey)).toHaveLength(2);
    expect((await call(node.url, 'GET', '/health')).body.roles).toHaveLength(6);
  });

  it('stores notes, and `tars keys` goes through the running node with the admin key', async () => {
    for (const title of ['Embedded alpha', 'Embedded beta']) {
      const res = await call(node.url, 'POST', '/memory/notes', { key: adminKey, body: { title, text: `${title} kept in PGlite` } });
      expect(res.status).toBe(201);
      notes.push({ id: res.body.id, title, text: res.body.text });
    }

    const created = await runCli(['keys', 'create', '--name', 'laptop', '--scopes', 'read,write'], cliEnv);
    expect(created.code, created.stderr).toBe(0);
    const key = printedKey(created.stdout);
    // The node answered the CLI's POST /keys (the CLI could not have opened the locked database itself).
    const metrics = await call(node.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/^tars_http_requests_total\{[^}]*method="POST"[^}]*route="\/keys"[^}]*status="201"[^}]*\} 1$/m);

    const stored = await call(node.url, 'POST', '/memory/notes', { key, body: { title: 'From the laptop', text: 'laptop note' } });
    expect(stored.status).toBe(201);
    notes.push({ id: stored.body.id, title: 'From the laptop', text: 'laptop note' });
    expect((await call(node.url, 'GET', '/memory/search?q=laptop', { key })).status).toBe(200);

    const listed = await runCli(['keys', 'list'], cliEnv);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain(key);
    expect(listed.stdout).not.toContain(adminKey);
    const prefix = key.slice(0, 12);
    expect(listed.stdout).toContain(`${prefix}…`);

    // Revoked by the prefix `list` shows; the node holds the key in its cache, yet refuses it at once.
    const revoked = await runCli(['keys', 'revoke', `${prefix}…`], cliEnv);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await call(node.url, 'GET', '/memory/search?q=laptop', { key })).status).toBe(401);
  });

  it('after a graceful stop and a restart on the same folder, the notes and the admin key are still there', async () => {
    await node.stop('SIGTERM');
    expect(node.running).toBe(false);
    expect(existsSync(join(dir, 'pglite.lock'))).toBe(false);

    // With no node running the CLI opens the embedded database itself.
    const listed = await runCli(['keys', 'list'], cliEnv);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/laptop\s+\S+\s+read,write\s+revoked/);
    expect(listed.stdout).toMatch(/admin \(first start\)\s+\S+\s+admin\s+active/);
    expect(existsSync(join(dir, 'pglite.lock'))).toBe(false);

    const outputBefore = node.output.length;
    await node.start();
    expect(node.output.slice(outputBefore)).not.toMatch(/first start/);
    expect(readFileSync(join(dir, 'admin.key'), 'utf8').trim()).toBe(adminKey);

    const keys = await call(node.url, 'GET', '/keys', { key: adminKey });
    expect(keys.status).toBe(200);
    expect(keys.body).toHaveLength(2);
    for (const note of notes) {
      const read = await call(node.url, 'GET', `/memory/notes/${note.id}`, { key: adminKey });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject(note);
    }
    const search = await call(node.url, 'GET', '/memory/search?q=embedded', { key: adminKey });
    expect(search.body.hits).toHaveLength(2);
  });
});
