import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, type TarsConfigValues } from './config.schema.js';

type Plain = Record<string, unknown>;

/** Environment variables that are not derived from a key path (common names other tools use too). */
const ENV_ALIASES: Readonly<Record<string, string>> = {
  DATABASE_URL: 'database.url',
  NATS_URL: 'nats.url',
  OLLAMA_HOST: 'ollama.host',
};

/** Variables with a TARS_ prefix that are not settings (read by the CLI, not by a node). */
const NON_SETTING_ENV = new Set(['TARS_CONFIG', 'TARS_API_KEY', 'TARS_URL']);

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_CONFIG_FILE = join(PACKAGE_ROOT, 'config', 'default.yaml');

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface LoadConfigOptions {
  /** A config file layered over the defaults (the --config flag or TARS_CONFIG). */
  file?: string;
  /** Environment to read overrides from. */
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, by key path (e.g. { roles: 'memory' }); they win over everything. */
  overrides?: Record<string, unknown>;
}

/** `http.port` -> `TARS_HTTP_PORT`, `nats.requestTimeoutMs` -> `TARS_NATS_REQUEST_TIMEOUT_MS`. */
export function envNameFor(path: string): string {
  return 'TARS_' + path.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value as Plain).flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

function getPath(obj: Plain, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Plain | undefined)?.[key], obj);
}

function setPath(obj: Plain, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Plain;
  }
  node[keys[keys.length - 1]] = value;
}

function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? deepMerge(current as Plain, value as Plain)
        : value;
  }
  return out;
}

function readYaml(file: string): Plain {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`config file ${file}: ${(err as Error).message}`]);
  }
  try {
    const parsed: unknown = parseYaml(text) ?? {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be a mapping');
    return parsed as Plain;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([`config file ${file}: ${(err as Error).message}`]);
  }
}

/** An environment value keeps the type of the default it replaces: "3000" is a number for http.port. */
function coerceEnv(raw: string, like: unknown): unknown {
  if (Array.isArray(like)) {
    // Lists come as JSON (["a","b"]) or, for lists of words, comma separated.
    try {
      return JSON.parse(raw);
    } catch {
      return raw.split(',').map((item) => item.trim()).filter(Boolean);
    }
  }
  if (typeof like === 'number') return raw.trim() === '' ? Number.NaN : Number(raw);
  if (typeof like === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
    return raw;
  }
  return raw;
}

function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

/**
 * Reads defaults, then the config file, then the environment, then flags; validates the result
 * and reports every bad value with its key, where it came from and why.
 */
export function loadConfig(options: LoadConfigOptions = {}): TarsConfigValues {
  const env = options.env ?? process.env;
  const defaults = readYaml(DEFAULT_CONFIG_FILE);
  const sources = new Map<string, string>();
  let merged = defaults;

  const file = options.file ?? env.TARS_CONFIG;
  if (file) {
    const fromFile = readYaml(file);
    leafPaths(fromFile).forEach((path) => sources.set(path, `in ${file}`));
    merged = deepMerge(merged, fromFile);
  }

  const knownPaths = leafPaths(defaults);
  const byEnvName = new Map(knownPaths.map((path) => [envNameFor(path), path]));
  const warnings: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined) continue;
    const path = ENV_ALIASES[name] ?? byEnvName.get(name);
    if (path) {
      setPath(merged, path, coerceEnv(raw, getPath(defaults, path)));
      sources.set(path, `from ${name}`);
    } else if (name.startsWith('TARS_') && !NON_SETTING_ENV.has(name)) {
      warnings.push(`${name} is not a TARS setting and is ignored`);
    }
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    setPath(merged, path, value);
    sources.set(path, 'from the command line');
  }

  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(describeIssues(result.error, sources));

  const config = result.data;
  config.dataDir = resolve(expandHome(config.dataDir));
  if (config.nodeName === '') config.nodeName = hostname();
  for (const warning of warnings) process.emitWarning(warning, 'TarsConfigWarning');
  return config;
}

function describeIssues(error: z.ZodError, sources: Map<string, string>): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.join('.');
    if (!path) return issue.message;
    const source = sources.get(path);
    return `${path}${source ? ` (${source})` : ''}: ${issue.message}`;
  });
}

/** Absolute path inside the data folder. */
export function dataPath(config: Pick<TarsConfigValues, 'dataDir'>, ...parts: string[]): string {
  const joined = join(...parts);
  return isAbsolute(joined) ? joined : join(config.dataDir, joined);
}
