import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from './paths.js';

/** Debian's Chromium (package `chromium`, installed by scripts/system-deps.sh); `npx playwright install` cannot download browsers here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless, and nothing that talks to the network or to Google on its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The two widths every page is checked and photographed at. */
export const VIEWPORTS = {
  phone: { width: 375, height: 812 },
  desktop: { width: 1280, height: 800 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

/** Where the browser tests leave their screenshots (a test artifact, not in git). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-artifacts', 'screenshots');

const WEB_SOURCES = join(REPO_ROOT, 'web');
const WEB_BUILD = join(REPO_ROOT, 'dist', 'web');

/** Headless Chromium through playwright-core; fails with what to do when Chromium is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM_PATH}, which is missing. Install it with \`bash scripts/system-deps.sh\` ` +
        '(Debian package chromium; npm test runs it), or `sudo apt-get install -y chromium`.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The hashed files index.html loads, all present: a build that another process is rewriting right now is not. */
function completeBuild(dir: string): boolean {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return false;
  const assets = [...readFileSync(index, 'utf8').matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1] as string);
  return assets.length > 0 && assets.every((asset) => existsSync(join(dir, asset)));
}

/** `npm run build:web` when dist/web is missing, incomplete or older than web/ (npm test builds it before the tests). */
export function ensureWebBuilt(): void {
  const index = join(WEB_BUILD, 'index.html');
  if (completeBuild(WEB_BUILD) && statSync(index).mtimeMs >= newestMtime(WEB_SOURCES)) return;
  execFileSync('npm', ['run', 'build:web', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

/**
 * A copy of the built UI in a folder of the caller's own, served through `http.uiDir`: a rebuild of
 * dist/web by someone else during the tests cannot take files away from the node under test.
 */
export function copyOfWebUi(): string {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (!completeBuild(WEB_BUILD)) ensureWebBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'tars-web-ui-'));
    cpSync(WEB_BUILD, dir, { recursive: true });
    if (completeBuild(dir)) return dir;
  }
  throw new Error(`${WEB_BUILD} stays incomplete: run npm run build:web`);
}

/** A full-page screenshot in SCREENSHOT_DIR as `<name>-<width>x<height>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const size = page.viewportSize();
  const path = join(SCREENSHOT_DIR, `${name}-${size?.width ?? 0}x${size?.height ?? 0}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}
