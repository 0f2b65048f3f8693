import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Dialog, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyOfWebUi, launchChromium, screenshot, VIEWPORTS, type ViewportName } from '../support/browser.js';
import { CHAT_MODEL } from '../support/chat-config.js';
import { tempDataDir } from '../support/config.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { call } from '../support/http.js';
import { hashingModel } from '../support/embedding-config.js';
import { OllamaSimulator, type SimulatorRequest } from '../support/ollama-simulator.mjs';
import { TarsProcess } from '../support/tars-process.js';

/**
 * The web UI as a user meets it: Debian's Chromium (headless, through playwright-core) against a
 * real `tars serve` node (shared PostgreSQL, no NATS) whose LLM is the Ollama simulator, slowed
 * down so that streaming can be watched. Screenshots of every page at both widths go to
 * test-artifacts/screenshots/.
 */

const NODE_NAME = 'browser-node';
/** Tokens per second of the simulator: slow enough that an answer takes a few frames per word. */
const TOKENS_PER_SECOND = 15;
const STREAMED_WORDS = Array.from({ length: 30 }, (_, i) => `zqword${i}`);
const UNIQUE_WORD = 'zqxylophonist';

let trapHits: string[] = [];
let trapUrl = '';

/** The answer the simulator gives, chosen by a keyword of the question (the last "Question:" of the prompt). */
function scriptedReply(request: SimulatorRequest): string | undefined {
  const messages = (request.body as { messages?: { role: string; content: string }[] }).messages ?? [];
  const last = messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  const question = (last.split('Question:').at(-1) ?? last).trim();
  if (question.includes('zqstream')) return `Streaming answer: ${STREAMED_WORDS.join(' ')}.`;
  if (question.includes('zqlong')) return Array.from({ length: 400 }, (_, i) => `long${i}`).join(' ');
  if (question.includes('zqunsafe')) {
    return [
      'Unsafe zqunsafe answer.',
      '',
      `<script>window.__tarsXss = 1; fetch('${trapUrl}/script')</script>`,
      '',
      `<img src="${trapUrl}/raw-image.png" onerror="window.__tarsXss = 2">`,
      '',
      `![a picture](${trapUrl}/markdown-image.png)`,
      '',
      `[javascript link](javascript:window.__tarsXss=3)`,
      '',
      `[plain link](${trapUrl}/link)`,
      '',
      'End of zqunsafe.',
    ].join('\n');
  }
  return undefined;
}

/** A server that records every request: nothing in the page may ever reach it. */
async function startTrap(): Promise<Server> {
  const server = createServer((req, res) => {
    trapHits.push(req.url ?? '');
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  trapUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return server;
}

interface Growth {
  at: number;
  length: number;
  status: string | null;
}

// Code that runs in the page is given as text (this project's type-check has no DOM library) and only
// through page.evaluate: the UI's CSP forbids eval, which page.waitForFunction needs, so waits poll from here.
/** Records, in the page, the length of the last answer's text and its exchange's status at each DOM change (window.__growth). */
const WATCH_LAST_ANSWER = `(() => {
  window.__growthObserver?.disconnect();
  window.__growth = [];
  const observer = new MutationObserver(() => {
    const articles = document.querySelectorAll('article.exchange');
    const article = articles[articles.length - 1];
    if (!article) return;
    const text = article.querySelector('[data-testid="answer-text"]')?.textContent ?? '';
    window.__growth.push({ at: performance.now(), length: text.length, status: article.getAttribute('data-status') });
  });
  observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-status'] });
  window.__growthObserver = observer;
})()`;

const TWO_FRAMES = 'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))';
const PAGE_WIDTHS = '[document.documentElement.scrollWidth, window.innerWidth]';

/** Opens a new conversation. */
async function newConversation(page: Page): Promise<void> {
  await page.goto(`${node.url}/ui/chat`);
  await page.locator('#question').waitFor();
}

/** Types a question and sends it; answers the locator of its exchange. */
async function ask(page: Page, question: string) {
  await page.locator('#question').fill(question);
  await page.getByRole('button', { name: 'Send' }).click();
  return page.locator('article.exchange').last();
}

/** Waits until no part of the page says it is loading. */
async function settled(page: Page): Promise<void> {
  await page.locator('#page-title').waitFor();
  const loading = page.getByRole('status').filter({ hasText: /Loading|Searching|Checking/ });
  await expect.poll(() => loading.count(), { timeout: 30_000, interval: 100 }).toBe(0);
}

let sim: OllamaSimulator;
let database: TestDatabase;
let node: TarsProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let trap: Server;
let dataDir: string;
let uiDir: string;
let adminKey: string;
/** Every URL the signed-in page requested, in order. */
const requests: string[] = [];
let streamedConversation = '';

beforeAll(async () => {
  // First: without Chromium nothing else is worth starting.
  browser = await launchChromium();
  trap = await startTrap();
  sim = await OllamaSimulator.start({ reply: scriptedReply, tokensPerSecond: TOKENS_PER_SECOND });
  database = await createTestDatabase('browser');
  dataDir = tempDataDir('tars-browser');
  uiDir = copyOfWebUi();
  node = await TarsProcess.start(NODE_NAME, {
    DATABASE_URL: database.url,
    NATS_URL: '',
    TARS_DATA_DIR: dataDir,
    TARS_HTTP_UI_DIR: uiDir,
    TARS_INFERENCE_BACKENDS: JSON.stringify([{ id: 'ollama', kind: 'ollama', host: sim.url, model: CHAT_MODEL, maxConcurrent: 4 }]),
    TARS_ORCHESTRATOR_REWRITE_MODE: 'concat',
    TARS_EMBEDDINGS_MODELS: JSON.stringify([hashingModel()]),
    TARS_EMBEDDINGS_DEFAULTS_DOCUMENTS: 'hashing',
    TARS_EMBEDDINGS_DEFAULTS_QUERIES: 'hashing',
    TARS_EMBEDDINGS_DEFAULTS_CONVERSATIONS: 'hashing',
    TARS_EMBEDDINGS_FALLBACK: '[]',
    TARS_EMBEDDINGS_CACHE_SHARED: 'false',
    TARS_MONITORING_HEARTBEAT_INTERVAL_MS: '1000',
  });
  adminKey = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
  context = await browser.newContext({ viewport: VIEWPORTS.desktop });
  page = await context.newPage();
  page.on('request', (request) => requests.push(request.url()));
});

afterAll(async () => {
  await browser?.close();
  await node?.kill();
  await sim?.close();
  await database?.drop();
  await new Promise((resolve) => trap?.close(resolve));
  for (const dir of [dataDir, uiDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the web UI in Chromium against a real node', () => {
  it('refuses a wrong key with a clear message, then signs in with the right one', async () => {
    await page.goto(`${node.url}/`);
    await page.waitForURL(`${node.url}/ui/chat`);
    await page.getByLabel('API key').fill('tars_this_key_does_not_exist_0000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'TARS refused this key' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);

    await page.getByLabel('API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.locator('#question').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('shows the answer growing token by token before it is complete', async () => {
    await newConversation(page);
    await page.evaluate(WATCH_LAST_ANSWER);
    const exchange = await ask(page, 'Tell me something zqstream');
    await exchange.and(page.locator('[data-status="done"]')).waitFor({ timeout: 30_000 });
    const records = (await page.evaluate('window.__growth')) as Growth[];
    const beforeDone = records.filter((r) => r.status !== 'done' && r.length > 0).map((r) => r.length);
    const distinct = [...new Set(beforeDone)];
    expect(distinct.length, `lengths seen while streaming: ${distinct.join(', ')}`).toBeGreaterThanOrEqual(3);
    // Tokens only add text: every length seen while streaming is at least the one before.
    expect(beforeDone).toEqual([...beforeDone].sort((a, b) => a - b));
    const text = await exchange.getByTestId('answer-text').textContent();
    expect(text).toContain(STREAMED_WORDS.join(' '));
    expect(distinct.at(-1)).toBeLessThanOrEqual(text?.length ?? 0);
    streamedConversation = page.url().split('/').at(-1) ?? '';
    expect(streamedConversation).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('stops a generation with Stop: the LLM request is aborted and the answer shows as stopped, without a spinner', async () => {
    const abortsBefore = sim.abortedRequests.length;
    await newConversation(page);
    const exchange = await ask(page, 'Write a very long essay zqlong');
    const answerText = exchange.getByTestId('answer-text');
    await expect.poll(async () => ((await answerText.textContent()) ?? '').length, { timeout: 30_000, interval: 50 }).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'Stop' }).click();
    const aborted = await sim.waitForAbort({ count: abortsBefore + 1, timeoutMs: 15_000 });
    expect(aborted.path).toBe('/api/chat');
    expect(aborted.tokensSent).toBeLessThan(400);
    await exchange.and(page.locator('[data-status="stopped"]')).waitFor();
    await exchange.getByText('You stopped this answer').waitFor();
    expect(await exchange.getByText('Thinking…').count()).toBe(0);
    expect(await answerText.getAttribute('aria-busy')).toBe('false');
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Send' }).waitFor();
  });

  it('renders a script, raw and Markdown images and a javascript: link in an answer inert: nothing runs, no request leaves the origin', async () => {
    trapHits = [];
    const from = requests.length;
    const dialogs: string[] = [];
    const onDialog = (dialog: Dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    };
    page.on('dialog', onDialog);
    try {
      await newConversation(page);
      const exchange = await ask(page, 'Show me the zqunsafe text');
      await exchange.and(page.locator('[data-status="done"]')).waitFor({ timeout: 30_000 });
      const answer = exchange.getByTestId('answer-text');
      await answer.getByText('End of zqunsafe.').waitFor();
      expect(await answer.locator('script, img, iframe, object, embed').count()).toBe(0);
      expect(await answer.locator('[href], [src], [onerror]').count()).toBe(0);
      // Raw HTML is shown as text; the image as its address.
      expect(await answer.textContent()).toContain('<script>');
      await answer.getByText(`${trapUrl}/markdown-image.png`).waitFor();
      // The javascript: link is plain text; the http link asks before opening (dismissed here).
      await answer.getByText('javascript link').click();
      await answer.getByText('plain link').click();
      await expect.poll(() => dialogs.length, { timeout: 10_000 }).toBe(1);
      expect(dialogs[0]).toContain(`${trapUrl}/link`);
      expect(await page.evaluate('window.__tarsXss')).toBeUndefined();
      // Give a stray image or script every chance to load, then check that none did.
      await page.evaluate(TWO_FRAMES);
      const origin = new URL(node.url).origin;
      expect(requests.slice(from).filter((url) => new URL(url).origin !== origin)).toEqual([]);
      expect(trapHits).toEqual([]);
      expect(context.pages()).toHaveLength(1);
    } finally {
      page.off('dialog', onDialog);
    }
  });

  it('uploads a document through the file picker, shows it indexed, and finds it in memory search with the word highlighted', async () => {
    await page.goto(`${node.url}/ui/documents`);
    await settled(page);
    const text = `The boiler manual.\n\nThe ${UNIQUE_WORD} tuned the boiler pipes every spring so that they sing in tune.\n`;
    await page.locator('input[type="file"]').setInputFiles({ name: 'boiler-manual.txt', mimeType: 'text/plain', buffer: Buffer.from(text) });
    const upload = page.locator('li.upload').filter({ hasText: 'boiler-manual.txt' });
    await upload.and(page.locator('[data-state="indexed"]')).waitFor({ timeout: 60_000 });
    await upload.getByText(/\d+ chunks indexed/).waitFor();
    await page.getByRole('table').getByText('boiler-manual.txt').first().waitFor();

    await page.getByRole('link', { name: 'Memory' }).click();
    await page.getByLabel('Search memory').fill(UNIQUE_WORD);
    await page.getByRole('button', { name: 'Search' }).click();
    const hit = page.locator('li.hit').filter({ has: page.locator('mark', { hasText: UNIQUE_WORD }) });
    await hit.first().waitFor();
    expect((await hit.first().locator('mark').first().textContent())?.toLowerCase()).toBe(UNIQUE_WORD);
    await hit.first().getByRole('link', { name: /boiler/i }).waitFor();
  });

  it('shows this node up on the cluster page with its readiness checks, and charts its traffic', async () => {
    await page.getByRole('link', { name: 'Cluster' }).click();
    await page.locator(`tr[data-node="${NODE_NAME}"][data-state="up"]`).waitFor({ timeout: 20_000 });
    const readiness = page.locator(`[data-testid="node-readiness"][data-node="${NODE_NAME}"]`);
    await readiness.getByText('ready', { exact: true }).waitFor();
    await readiness.locator('li[data-check="database"][data-status="up"]').waitFor();
    await readiness.locator('li[data-check="llm"][data-status="up"]').waitFor();
    // The request rate appears once two polls span two heartbeats (the page itself makes requests).
    const rate = page.locator('figure', { hasText: 'Request rate' }).locator('.legend-item strong');
    await expect.poll(() => rate.textContent(), { timeout: 30_000 }).toMatch(/^\d[\d.,]*\/s$/);
  });

  it('lists questions submitted anywhere, newest first, follows them to a final state, filters by state and opens one', async () => {
    // Submitted through the API, not through this page: the list comes from the server.
    expect((await call(node.url, 'POST', '/questions', { key: adminKey, body: { questions: [{ question: 'What is zqlistelsewhere?' }] } })).status).toBe(202);
    await page.goto(`${node.url}/ui/questions`);
    await settled(page);
    const rows = page.locator('section[aria-labelledby="questions-heading"] tbody tr');
    await rows.filter({ hasText: 'zqlistelsewhere' }).waitFor();

    await page.getByLabel('Questions, one per line').fill('What is zqlistfirst?\nWhat is zqlistsecond?');
    await page.getByRole('button', { name: 'Submit 2 questions' }).click();
    await page.getByRole('status').filter({ hasText: '2 submitted' }).waitFor();
    await expect.poll(async () => (await rows.locator('th').allTextContents()).slice(0, 3)).toEqual([
      'What is zqlistsecond?',
      'What is zqlistfirst?',
      'What is zqlistelsewhere?',
    ]);
    // Without a reload: the page polls while a listed question is not final.
    const finalRows = rows.and(page.locator('[data-state="validated"], [data-state="low_quality"], [data-state="failed"]'));
    await expect.poll(() => finalRows.count(), { timeout: 90_000, interval: 250 }).toBe(3);

    const state = (await rows.filter({ hasText: 'zqlistfirst' }).getAttribute('data-state')) as string;
    await page.locator('section[aria-labelledby="questions-heading"] select').selectOption(state);
    await rows.filter({ hasText: 'zqlistfirst' }).waitFor();
    const others = rows.and(page.locator(`:not([data-state="${state}"])`));
    await expect.poll(() => others.count()).toBe(0);

    await page.getByRole('link', { name: 'What is zqlistfirst?' }).click();
    await page.locator('.question-text', { hasText: 'What is zqlistfirst?' }).waitFor();
    await page.locator('.timeline li').first().waitFor();
  });

  it('lays out every page within the width of a phone and of a desktop, and saves screenshots of both', async () => {
    const pages = ['chat', 'documents', 'memory', 'projects', 'questions', 'stats', 'cluster'];
    const overflow: string[] = [];
    for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
      const signedOut = await browser.newPage({ viewport: VIEWPORTS[viewport] });
      await signedOut.goto(`${node.url}/ui/chat`);
      await signedOut.getByLabel('API key').waitFor();
      await screenshot(signedOut, 'sign-in');
      await signedOut.close();

      await page.setViewportSize(VIEWPORTS[viewport]);
      for (const name of pages) {
        await page.goto(`${node.url}/ui/${name === 'chat' ? `chat/${streamedConversation}` : name}`);
        await settled(page);
        if (name === 'chat') await page.getByText(STREAMED_WORDS.at(-1) as string).first().waitFor();
        if (name === 'memory') {
          await page.getByLabel('Search memory').fill(UNIQUE_WORD);
          await page.getByRole('button', { name: 'Search' }).click();
          await page.locator('li.hit mark').first().waitFor();
        }
        if (name === 'cluster') await page.locator(`tr[data-node="${NODE_NAME}"]`).waitFor();
        const [scrollWidth, innerWidth] = (await page.evaluate(PAGE_WIDTHS)) as [number, number];
        if (scrollWidth > innerWidth) overflow.push(`${name} at ${viewport}: ${scrollWidth} > ${innerWidth}`);
        await screenshot(page, name);
      }
    }
    expect(overflow).toEqual([]);
  });
});
