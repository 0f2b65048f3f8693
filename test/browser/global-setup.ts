import { ensureWebBuilt } from '../support/browser.js';

/** The browser tests load the built UI: build it when it is missing or older than web/. */
export default function buildWebOnce(): void {
  ensureWebBuilt();
}
