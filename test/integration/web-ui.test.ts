import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/main.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-Ab12Cd34.js"></script></head><body><div id="app"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;
const ASSET = '/assets/index-Ab12Cd34.js';

/** A built UI as `npm run build:web` lays it out: index.html, hashed assets, and their .br/.gz siblings. */
function fixtureUi(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tars-ui-'));
  mkdirSync(join(dir, 'assets'));
  const files: Record<string, string> = { 'index.html': INDEX, 'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>', [ASSET.slice(1)]: SCRIPT };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, `${name}.gz`), gzipSync(text));
    writeFileSync(join(dir, `${name}.br`), brotliCompressSync(text));
  }
  return dir;
}

/** A GET that shows the bytes as sent (fetch would decompress them and hide content-encoding). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

let database: TestDatabase;
let node: RunningNode;
let uiDir: string;

beforeAll(async () => {
  database = await createTestDatabase('web_ui');
  uiDir = fixtureUi();
  node = await startNode(testConfig({ DATABASE_URL: database.url, TARS_HTTP_UI_DIR: uiDir }));
});
afterAll(async () => {
  await node?.close();
  await database?.drop();
});

describe('the web UI on an api node', () => {
  it('answers / with index.html, the strict CSP and the other security headers, revalidated on every load', async () => {
    const res = await rawGet(`${node.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body.toString()).toBe(INDEX);
    expect(res.headers['content-security-policy']).toBe(CSP);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.etag).toBeTruthy();
  });

  it('caches hashed assets for a year as immutable, sending the precompressed file the browser accepts', async () => {
    const brotli = await rawGet(`${node.url}${ASSET}`, { 'accept-encoding': 'gzip, br' });
    expect(brotli.status).toBe(200);
    expect(brotli.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(brotli.body).toString()).toBe(SCRIPT);

    const gzip = await rawGet(`${node.url}${ASSET}`, { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(SCRIPT);

    const plain = await rawGet(`${node.url}${ASSET}`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(SCRIPT);
    expect(plain.headers['content-type']).toMatch(/javascript/);
  });

  it('serves the assets of a new build without a restart', async () => {
    writeFileSync(join(uiDir, 'assets', 'index-Zz98Yy76.js'), 'console.log(2);');
    const res = await rawGet(`${node.url}/assets/index-Zz98Yy76.js`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('console.log(2);');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('answers index.html for client routes under /ui/, so that a reload or a shared link works', async () => {
    for (const path of ['/ui', '/ui/documents', '/ui/chat/4b6f3c2e-0000-4000-8000-000000000000', '/ui/questions/x']) {
      const res = await rawGet(`${node.url}${path}`, { accept: 'text/html' });
      expect(res.status, path).toBe(200);
      expect(res.body.toString(), path).toBe(INDEX);
      expect(res.headers['content-security-policy'], path).toBe(CSP);
      expect(res.headers['cache-control'], path).toBe('no-cache');
    }
  });

  it('leaves the API, health, metrics, docs and the OpenAI routes as they were', async () => {
    const documents = await call(node.url, 'GET', '/documents', { headers: { accept: 'text/html' } });
    expect(documents.status).toBe(401);
    expect(documents.body.code).toBe('unauthorized');
    expect(documents.headers.get('content-security-policy')).toBeNull();

    const health = await call(node.url, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.node).toBe('test-node');
    expect((await call(node.url, 'GET', '/health/live')).body).toEqual({ status: 'ok' });

    const metrics = await call(node.url, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);

    const docs = await call(node.url, 'GET', '/docs-json');
    expect(docs.status).toBe(200);
    expect(docs.body.paths['/documents']).toBeDefined();

    expect((await call(node.url, 'GET', '/v1/models')).status).toBe(401);
  });

  it('does not answer for files that are not there, nor outside its folder', async () => {
    const missing = await call(node.url, 'GET', '/assets/missing-123.js');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
    expect((await rawGet(`${node.url}/assets/..%2f..%2fpackage.json`)).status).not.toBe(200);
    expect((await rawGet(`${node.url}/index.html.gz`)).status).toBe(404);
  });
});

describe('a node without a built UI, or with the UI turned off', () => {
  it('says at / how to build the UI, and runs on', async () => {
    const other = await startNode(testConfig({ DATABASE_URL: database.url, TARS_HTTP_UI_DIR: mkdtempSync(join(tmpdir(), 'tars-no-ui-')) }));
    try {
      const json = await call(other.url, 'GET', '/');
      expect(json.status).toBe(404);
      expect(json.body.code).toBe('ui_not_built');
      expect(json.body.message).toContain('npm run build:web');
      const html = await rawGet(`${other.url}/ui/chat`, { accept: 'text/html' });
      expect(html.status).toBe(404);
      expect(html.headers['content-type']).toMatch(/^text\/html/);
      expect(html.headers['content-security-policy']).toBe(CSP);
      expect(html.body.toString()).toContain('npm run build:web');
      expect((await call(other.url, 'GET', '/health')).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('serves nothing at / with http.ui off', async () => {
    const other = await startNode(testConfig({ DATABASE_URL: database.url, TARS_HTTP_UI: 'false', TARS_HTTP_UI_DIR: fixtureUi() }));
    try {
      const res = await call(other.url, 'GET', '/');
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
      expect((await call(other.url, 'GET', '/ui/chat')).status).toBe(404);
      expect((await call(other.url, 'GET', '/health')).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
