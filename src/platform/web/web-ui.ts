import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build:web` writes the UI: dist/web of this installation (this file is three folders deep in src/ and in dist/). */
export const DEFAULT_UI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'web');

/**
 * The UI loads nothing but its own files and talks only to its own origin: no inline script or
 * style, no remote image, no framing. Retrieved text shown in it is untrusted; this is the last fence.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': UI_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** Files under assets/ carry a content hash in their name: cached for a year. The rest is revalidated every time. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** The client routes' prefix (web/src/lib/router.ts): index.html answers any path under it. */
const CLIENT_ROUTES = '/ui';

const NOT_BUILT_MESSAGE = 'The web UI is not built: run `npm run build:web` (npm start does it), then restart this node. The API is documented at /docs.';

function notBuilt(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  void reply.code(404).headers(SECURITY_HEADERS).header('cache-control', REVALIDATE);
  if (!String(request.headers.accept ?? '').includes('text/html')) {
    return reply.send({ statusCode: 404, error: 'Not Found', message: NOT_BUILT_MESSAGE, code: 'ui_not_built' });
  }
  return reply
    .type('text/html; charset=utf-8')
    .send(
      '<!doctype html><html lang="en"><meta charset="utf-8"><title>TARS</title>' +
        `<h1>TARS</h1><p>${NOT_BUILT_MESSAGE.replace(/`([^`]+)`/g, '<code>$1</code>')}</p></html>`,
    );
}

/**
 * Serves the built web UI at / on a node with the api role: its files with long-lived caching for
 * hashed assets, their .br/.gz siblings written at build time when the browser accepts them,
 * index.html for every client route under /ui/, and a strict CSP on all of it. API routes, /docs,
 * /health, /metrics and /v1 are untouched (the UI's routes are only /, /index.html, its files and /ui/*).
 * Without a build, / and /ui/* say how to build it. Answers whether the UI was found.
 */
export async function registerWebUi(app: NestFastifyApplication, dir: string = DEFAULT_UI_DIR): Promise<boolean> {
  const fastify = app.getHttpAdapter().getInstance();
  if (!existsSync(join(dir, 'index.html'))) {
    fastify.get('/', notBuilt);
    fastify.get(CLIENT_ROUTES, notBuilt);
    fastify.get(`${CLIENT_ROUTES}/*`, notBuilt);
    return false;
  }
  const assets = join(dir, 'assets');
  const common = { preCompressed: true, cacheControl: false, dotfiles: 'ignore' as const };
  // The top-level files (index.html, favicon.svg): one route each, found now; no catch-all that could answer for the API.
  await app.register(fastifyStatic, {
    ...common,
    root: dir,
    prefix: '/',
    wildcard: false,
    globIgnore: ['assets/**', '**/*.br', '**/*.gz'],
    index: ['index.html'],
    setHeaders: (reply) => void reply.headers(SECURITY_HEADERS).header('cache-control', REVALIDATE),
  });
  // Hashed assets: whatever the current build has under /assets/ (a rebuild needs no restart).
  await app.register(fastifyStatic, {
    ...common,
    root: assets,
    prefix: '/assets/',
    wildcard: true,
    decorateReply: false,
    setHeaders: (reply) => void reply.headers(SECURITY_HEADERS).header('cache-control', IMMUTABLE),
  });
  const sendIndex = (_request: FastifyRequest, reply: FastifyReply) => reply.sendFile('index.html');
  fastify.get(CLIENT_ROUTES, sendIndex);
  fastify.get(`${CLIENT_ROUTES}/*`, sendIndex);
  return true;
}
