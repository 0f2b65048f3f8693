import { ConfigError } from '../config/config.loader.js';
import type { TarsConfigValues } from '../config/config.schema.js';

/** The name loadConfig gives its warnings (an unknown TARS_ variable, for instance). */
const CONFIG_WARNING = 'TarsConfigWarning';

/**
 * Loads the configuration as `tars serve` would and turns its warnings into problems: when checking
 * (`tars serve --check-config`, the systemd verifier), a misspelt variable is an error, not a shrug.
 */
export async function checkConfig(load: () => TarsConfigValues): Promise<TarsConfigValues> {
  const warnings: string[] = [];
  const collect = (warning: Error) => {
    if (warning.name === CONFIG_WARNING) warnings.push(warning.message);
  };
  process.on('warning', collect);
  try {
    const config = load();
    // process.emitWarning delivers on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    if (warnings.length > 0) throw new ConfigError(warnings);
    return config;
  } finally {
    process.off('warning', collect);
  }
}

/** A URL without its user name and password, for printing. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable URL)';
  }
}

/** What a node with this configuration would be, in a few lines (no secrets). */
export function describeConfig(config: TarsConfigValues): string {
  const urls = (list: string) => list.split(',').map((u) => withoutCredentials(u.trim())).join(', ');
  const database = config.database.url ? urls(config.database.url) : `embedded PGlite in ${config.dataDir}/pglite`;
  const nats = config.nats.url ? urls(config.nats.url) : 'none (one process, local bindings)';
  return [
    'configuration ok',
    `  node      ${config.nodeName}`,
    `  roles     ${config.roles.join(', ')}`,
    `  data      ${config.dataDir}`,
    `  http      ${config.http.host}:${config.http.port}`,
    `  database  ${database}`,
    `  nats      ${nats}`,
    `  ollama    ${config.ollama.host}`,
  ].join('\n');
}
