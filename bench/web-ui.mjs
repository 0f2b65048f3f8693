// The web UI in Debian's Chromium (headless, playwright-core) against a real node whose LLM is the
// Ollama simulator (issue 7's two performance aims):
// 1. Transferred size of the first page load: every response of the sign-in page, then of the
//    chat page after signing in, as Chromium received them (CDP Network.loadingFinished
//    encodedDataLength: headers and body as they crossed the wire), browser cache disabled.
//    Once with the browser's own Accept-Encoding (it gets the .br files) and once with
//    `Accept-Encoding: gzip` only (the aim is stated for gzip).
// 2. First token to screen: the UI's `tars:first-token` Performance measure, from the moment the
//    fetch reader received the chunk holding the first token to the end of the animation frame
//    that drew it (after that frame's style, layout and paint: see web/src/lib/token-buffer.ts).
//    Questions asked through the page one after another, first with nothing else running, then
//    while 20 other SSE streams (from this process, same node, same key) run all the time.
//
//   node bench/web-ui.mjs [--questions 30] [--streams 20]
//   (needs dist/: npm run build, or use npm run bench; builds dist/web when stale; about 2½ minutes)
// Environment: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { chatStream } from './lib/chat-client.mjs';
import { machineLines } from './lib/machine.mjs';
import { percentile } from './lib/measure.mjs';
import { SimulatorProcess } from './lib/simulator-process.mjs';
import { CLI_ENTRY, createDatabase, REPO_ROOT, TarsNode } from './lib/tars-node.mjs';

const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const WEB_BUILD = path.join(REPO_ROOT, 'dist', 'web');

const { values: args } = parseArgs({ options: { questions: { type: 'string', default: '30' }, streams: { type: 'string', default: '20' } } });
const PLAN = {
  // Answers of 40 tokens at 40 tokens/s: each background stream lasts about a second and starts again at once.
  sim: { ttftMs: 50, tokensPerSecond: 40, parallel: 64, maxQueue: 2000, replyTokens: 40, model: 'llama3.2:3b' },
  questions: Number(args.questions),
  warmup: 3,
  streams: Number(args.streams),
  questionTimeoutMs: 30_000,
  aims: { firstLoadKiB: 250, firstTokenP95Ms: 50 },
};
const BACKGROUND_QUESTION = 'Hello, how are you today?';
const log = (line) => process.stderr.write(`${line}\n`);
const kib = (bytes) => (bytes / 1024).toFixed(1);
const ms = (value) => (Number.isFinite(value) ? value.toFixed(1) : '–');

function chatEnv(databaseUrl, simUrl, uiDir) {
  return {
    DATABASE_URL: databaseUrl,
    NATS_URL: '',
    TARS_HTTP_UI_DIR: uiDir,
    TARS_EMBEDDINGS_MODELS: JSON.stringify([{ id: 'hashing', provider: 'hashing', dimensions: 384, minSimilarity: 0.1 }]),
    TARS_EMBEDDINGS_DEFAULTS_DOCUMENTS: 'hashing',
    TARS_EMBEDDINGS_DEFAULTS_QUERIES: 'hashing',
    TARS_EMBEDDINGS_DEFAULTS_CONVERSATIONS: 'hashing',
    TARS_EMBEDDINGS_FALLBACK: '[]',
    TARS_EMBEDDINGS_CACHE_SHARED: 'false',
    TARS_INFERENCE_BACKENDS: JSON.stringify([
      { id: 'ollama', kind: 'ollama', host: simUrl, model: PLAN.sim.model, maxConcurrent: PLAN.sim.parallel, maxQueue: 5000 },
    ]),
    TARS_ORCHESTRATOR_MAX_STREAMS_PER_KEY: '10000',
    TARS_ORCHESTRATOR_REWRITE_MODE: 'concat',
  };
}

/**
 * Every response the page receives while `work` runs: URL, resource type, content-encoding and the
 * bytes that crossed the wire (CDP encodedDataLength, headers included).
 */
async function transfers(cdp, work) {
  const responses = new Map();
  const finished = [];
  const onResponse = ({ requestId, type, response }) => {
    const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    responses.set(requestId, { url: response.url, type, status: response.status, encoding: headers['content-encoding'] ?? 'none' });
  };
  const onFinished = ({ requestId, encodedDataLength }) => finished.push({ requestId, bytes: encodedDataLength });
  cdp.on('Network.responseReceived', onResponse);
  cdp.on('Network.loadingFinished', onFinished);
  try {
    await work();
    // loadingFinished of the last responses can trail the page's own events a little.
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    cdp.off('Network.responseReceived', onResponse);
    cdp.off('Network.loadingFinished', onFinished);
  }
  return finished.filter((f) => responses.has(f.requestId)).map((f) => ({ ...responses.get(f.requestId), bytes: f.bytes }));
}

/** The two page loads: the sign-in page, then signing in and the chat page with its first data. */
async function firstLoad(browser, baseUrl, key, acceptEncoding) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (acceptEncoding) await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': acceptEncoding } });
  const signIn = await transfers(cdp, async () => {
    await page.goto(`${baseUrl}/`, { waitUntil: 'load' });
    await page.getByLabel('API key').waitFor();
  });
  const chat = await transfers(cdp, async () => {
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#question').waitFor();
    // Polled from here: the UI's CSP forbids the eval that page.waitForFunction needs.
    const loading = page.getByRole('status').filter({ hasText: 'Loading' });
    const deadline = Date.now() + 30_000;
    while ((await loading.count()) > 0) {
      if (Date.now() > deadline) throw new Error('the chat page kept loading for 30 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  await context.close();
  return { signIn, chat };
}

/** `count` background streams, each asking again as soon as its answer is complete, until stop(). */
function backgroundStreams(baseUrl, key, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const stats = { inFlight: 0, completed: 0, errors: 0, lastError: undefined };
  let running = true;
  const worker = async () => {
    while (running) {
      stats.inFlight++;
      const result = await chatStream({ agent, baseUrl, key, body: { question: BACKGROUND_QUESTION, remember: false }, timeoutMs: 60_000 });
      stats.inFlight--;
      if (result.error || !result.done) {
        stats.errors++;
        stats.lastError = result.error;
        await new Promise((r) => setTimeout(r, 200));
      } else stats.completed++;
    }
  };
  const workers = Array.from({ length: count }, worker);
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(workers);
      agent.destroy();
    },
  };
}

/** Asks `count` questions through the page, one after another; returns each tars:first-token duration (ms). */
async function firstTokenTimes(page, count, label, inFlight) {
  const durations = [];
  const concurrency = [];
  for (let i = 0; i < count; i++) {
    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.evaluate("performance.clearMeasures('tars:first-token')");
    concurrency.push(inFlight());
    await page.locator('#question').fill(`Question ${i} of ${label}: how are you today?`);
    await page.locator('#question').press('Enter');
    const exchange = page.locator('article.exchange').last();
    await exchange.and(page.locator('[data-status="done"], [data-status="error"]')).waitFor({ timeout: PLAN.questionTimeoutMs });
    const status = await exchange.getAttribute('data-status');
    if (status !== 'done') throw new Error(`question ${i} (${label}) ended ${status}: ${await exchange.textContent()}`);
    const duration = await page.evaluate("performance.getEntriesByName('tars:first-token').at(-1)?.duration");
    if (typeof duration !== 'number') throw new Error(`question ${i} (${label}) left no tars:first-token measure`);
    durations.push(duration);
  }
  return { durations, concurrency };
}

function stats(values) {
  const sorted = Float64Array.from(values).sort();
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? NaN };
}

function printLoad(title, load) {
  const rows = [...load.signIn.map((r) => ({ ...r, step: 'sign-in page' })), ...load.chat.map((r) => ({ ...r, step: 'chat after sign-in' }))];
  const sum = (list) => list.reduce((total, r) => total + r.bytes, 0);
  const assets = rows.filter((r) => r.type !== 'Fetch' && r.type !== 'XHR');
  console.log(`\n### ${title}\n`);
  console.log('| step | resource | type | encoding | bytes on the wire |');
  console.log('| --- | --- | --- | --- | ---: |');
  for (const r of rows) console.log(`| ${r.step} | \`${new URL(r.url).pathname}${new URL(r.url).search}\` | ${r.type} | ${r.encoding} | ${r.bytes.toLocaleString('en')} |`);
  console.log(`| **total** | ${rows.length} responses | | | **${sum(rows).toLocaleString('en')} (${kib(sum(rows))} KiB)** |`);
  console.log(`| of which | UI files (document, script, style, icon) | | | ${sum(assets).toLocaleString('en')} (${kib(sum(assets))} KiB) |`);
  console.log(`| of which | API calls | | | ${sum(rows) - sum(assets)} |`);
  return sum(rows);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** `npm run build:web` when dist/web is missing or older than web/. */
function buildWebWhenStale() {
  const index = path.join(WEB_BUILD, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(path.join(REPO_ROOT, 'web'))) return;
  log('dist/web is missing or older than web/: npm run build:web');
  const build = spawnSync('npm', ['run', 'build:web', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build:web failed');
}

async function main() {
  if (!existsSync(CLI_ENTRY)) throw new Error(`${CLI_ENTRY} is missing: run npm run build first`);
  buildWebWhenStale();
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is missing at ${CHROMIUM_PATH}: bash scripts/system-deps.sh installs it`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tars-bench-web-'));
  // A copy, so that a rebuild of dist/web meanwhile changes nothing under the node.
  const uiDir = path.join(tmp, 'web');
  cpSync(WEB_BUILD, uiDir, { recursive: true });
  let sim;
  let db;
  let node;
  let browser;
  let background;
  const cleanup = async () => {
    await background?.stop().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await node?.stop();
    await sim?.stop().catch(() => undefined);
    if (db) await db.drop().catch((e) => log(`could not drop ${db.name}: ${e.message}`));
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    sim = await SimulatorProcess.start(PLAN.sim);
    db = await createDatabase(POSTGRES_URL, 'webui');
    node = await TarsNode.start('bench-web', { ...chatEnv(db.url, sim.url, uiDir), TARS_DATA_DIR: path.join(tmp, 'node') });
    const key = readFileSync(path.join(tmp, 'node', 'admin.key'), 'utf8').trim();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
    log(`node ${node.url}, simulator ${sim.url}, Chromium ${browser.version()}`);

    log('first page load: the browser\'s own Accept-Encoding, then gzip only');
    const ownEncoding = await firstLoad(browser, node.url, key);
    const gzipOnly = await firstLoad(browser, node.url, key, 'gzip');

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${node.url}/`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#question').waitFor();
    log(`first token to screen: ${PLAN.warmup} warm-up questions, then ${PLAN.questions} with nothing else running`);
    await firstTokenTimes(page, PLAN.warmup, 'warm-up', () => 0);
    const idle = await firstTokenTimes(page, PLAN.questions, 'idle', () => 0);

    log(`… and ${PLAN.questions} while ${PLAN.streams} other SSE streams run`);
    background = backgroundStreams(node.url, key, PLAN.streams);
    const deadline = Date.now() + 30_000;
    while (background.stats.completed < PLAN.streams && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (background.stats.completed < PLAN.streams) throw new Error(`the background streams do not complete: ${JSON.stringify(background.stats)}`);
    const t0 = Date.now();
    const loaded = await firstTokenTimes(page, PLAN.questions, 'loaded', () => background.stats.inFlight);
    const loadedSeconds = (Date.now() - t0) / 1000;
    const completedDuring = background.stats.completed;
    await background.stop();
    const backgroundStats = { ...background.stats };
    background = undefined;
    await context.close();

    console.log('\n## web-ui: first page load and first token to screen, in Chromium\n');
    for (const line of machineLines(REPO_ROOT)) console.log(line);
    console.log(`- Chromium ${browser.version()} (Debian), headless, flags ${CHROMIUM_ARGS.join(' ')}; one node (roles all, PostgreSQL, no NATS)`);
    console.log(`- simulator: ttft ${PLAN.sim.ttftMs} ms, ${PLAN.sim.tokensPerSecond} tokens/s, ${PLAN.sim.replyTokens}-token answers, ${PLAN.sim.parallel} slots`);
    const ownTotal = printLoad("First page load, the browser's own Accept-Encoding", ownEncoding);
    const gzipTotal = printLoad('First page load, `Accept-Encoding: gzip` only', gzipOnly);
    console.log(`\nAim: under ${PLAN.aims.firstLoadKiB} KB gzip. Measured: ${kib(gzipTotal)} KiB with gzip, ${kib(ownTotal)} KiB as the browser asks.`);

    const a = stats(idle.durations);
    const b = stats(loaded.durations);
    const minConcurrency = Math.min(...loaded.concurrency);
    console.log('\n### First token to screen (`tars:first-token`: chunk read → frame with the token rendered), ms\n');
    console.log('| while | questions | p50 | p95 | max |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    console.log(`| nothing else runs | ${a.n} | ${ms(a.p50)} | ${ms(a.p95)} | ${ms(a.max)} |`);
    console.log(`| ${PLAN.streams} other SSE streams run | ${b.n} | ${ms(b.p50)} | ${ms(b.p95)} | ${ms(b.max)} |`);
    console.log(
      `\nBackground: ${completedDuring} streams completed in the ${loadedSeconds.toFixed(0)} s of the loaded run, ${backgroundStats.errors} failed` +
        `${backgroundStats.lastError ? ` (last: ${backgroundStats.lastError})` : ''}; at least ${minConcurrency} of them in flight whenever a page question was sent.`,
    );
    console.log(`Aim: p95 under ${PLAN.aims.firstTokenP95Ms} ms while ${PLAN.streams} other streams run. Measured: ${ms(b.p95)} ms.`);
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
