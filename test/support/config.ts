import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/config.loader.js';
import type { TarsConfigValues } from '../../src/config/config.schema.js';

/** A fresh data folder under the system's temp folder. */
export function tempDataDir(label = 'tars'): string {
  return mkdtempSync(join(tmpdir(), `${label}-`));
}

/** A subject prefix of its own, so that tests never answer each other's (or a running TARS's) NATS calls. */
export function uniqueSubjectPrefix(): string {
  return `tarstest${randomBytes(4).toString('hex')}`;
}

/**
 * A validated node configuration for tests: the real loader with the defaults, the given
 * environment-style overrides, an ephemeral port and quiet logs.
 */
export function testConfig(env: Record<string, string> = {}): TarsConfigValues {
  return loadConfig({
    env: {
      TARS_DATA_DIR: tempDataDir(),
      TARS_HTTP_PORT: '0',
      TARS_LOG_LEVEL: 'warn',
      TARS_LOG_FORMAT: 'json',
      TARS_NODE_NAME: 'test-node',
      ...env,
    },
  });
}
