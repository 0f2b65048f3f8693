import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
/** Where TARS serves the UI from (src/platform/web/web-ui.ts): next to the server's build. */
const outDir = resolve(here, '..', 'dist', 'web');
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);
/** Issue 7: the first page load transfers less than this, gzipped (everything is loaded at once: there is no code splitting). */
const FIRST_LOAD_GZIP_BUDGET = 250 * 1024;

/** Files under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/**
 * Writes a .br and a .gz beside every text asset, once, at build time: the server sends them as
 * they are (@fastify/static preCompressed) instead of compressing every response.
 */
function precompress(): Plugin {
  return {
    name: 'tars-precompress',
    apply: 'build',
    closeBundle() {
      let firstLoad = 0;
      for (const file of files(outDir)) {
        if (!COMPRESSIBLE.has(extname(file))) continue;
        const bytes = readFileSync(file);
        const gzipped = gzipSync(bytes, { level: 9 });
        firstLoad += gzipped.length;
        writeFileSync(`${file}.gz`, gzipped);
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
        );
      }
      const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
      if (firstLoad > FIRST_LOAD_GZIP_BUDGET) throw new Error(`the web UI weighs ${kib(firstLoad)} gzipped, over its budget of ${kib(FIRST_LOAD_GZIP_BUDGET)}`);
      console.log(`web UI: ${kib(firstLoad)} gzipped for the first load (budget ${kib(FIRST_LOAD_GZIP_BUDGET)})`);
    },
  };
}

/** Paths the development server (`npx vite web`) passes to a TARS node on port 3000. */
const API_PREFIXES = ['/chat', '/memory', '/documents', '/projects', '/questions', '/cluster', '/alerts', '/jobs', '/health', '/metrics', '/keys', '/v1', '/docs'];

export default defineConfig({
  root: here,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // Every browser that runs ES2022 modules supports modulepreload: no polyfill.
    modulePreload: { polyfill: false },
    // No data: URIs: everything is a hashed file under /assets.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    proxy: Object.fromEntries(API_PREFIXES.map((prefix) => [prefix, { target: 'http://127.0.0.1:3000' }])),
  },
  plugins: [precompress()],
});
