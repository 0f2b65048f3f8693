import { readFileSync } from 'node:fs';

/** test/fixtures/documents/, seen from this file (src/modules/processing/text/testing/). */
const FIXTURE_DIR = new URL('../../../../../test/fixtures/documents/', import.meta.url);

/** The bytes of a fixture document (see test/fixtures/documents/README.md). */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURE_DIR)));
}

/** The limits of config/default.yaml, for tests that do not test the limits themselves. */
export const DEFAULT_LIMITS = { maxDocumentChars: 5_000_000, pdf: { timeoutMs: 60_000, maxPages: 2000, memoryLimitMb: 512 } };
