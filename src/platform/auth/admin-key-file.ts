import { readFileSync } from 'node:fs';
import { dataPath } from '../../config/config.loader.js';
import type { TarsConfigValues } from '../../config/config.schema.js';

/** The file in the data folder where the first start saves the admin key (mode 0600). */
export const ADMIN_KEY_FILE = 'admin.key';

/** Path of a node's admin key file. */
export function adminKeyPath(config: Pick<TarsConfigValues, 'dataDir'>): string {
  return dataPath(config, ADMIN_KEY_FILE);
}

/** The admin key saved by a node's first start, if the file exists and is readable. */
export function readAdminKey(config: Pick<TarsConfigValues, 'dataDir'>): string | undefined {
  try {
    return readFileSync(adminKeyPath(config), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
