import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { adminKeyPath } from '../../platform/auth/admin-key-file.js';
import { loadConfig } from '../../config/config.loader.js';
import type { TarsConfigValues } from '../../config/config.schema.js';

/** Where the CLI finds its node: flags, then environment, then the CLI config file, then a node config. */
export interface ConnectionOptions {
  url?: string;
  apiKey?: string;
  /** A TARS node config file (--config); TARS_CONFIG when absent. */
  config?: string;
}

export interface Connection {
  url: string;
  apiKey?: string;
  /** Where each value came from, for messages: `--url`, `TARS_URL`, a file path... */
  urlFrom: string;
  apiKeyFrom?: string;
}

/** The keys of ~/.config/tars/cli.yaml. */
export interface CliFileConfig {
  url?: string;
  apiKey?: string;
}

type Env = Record<string, string | undefined>;

/** An XDG base folder: the variable when it holds an absolute path (the spec ignores others), else the default under home. */
export function xdgDir(env: Env, variable: 'XDG_CONFIG_HOME' | 'XDG_STATE_HOME', fallback: string): string {
  const value = env[variable];
  return value && isAbsolute(value) ? value : join(env.HOME || homedir(), fallback);
}

export function cliConfigPath(env: Env): string {
  return join(xdgDir(env, 'XDG_CONFIG_HOME', '.config'), 'tars', 'cli.yaml');
}

export function defaultHistoryPath(env: Env): string {
  return join(xdgDir(env, 'XDG_STATE_HOME', join('.local', 'state')), 'tars', 'chat_history');
}

/** The CLI config file, or nothing when it does not exist. */
export function readCliConfig(path: string): CliFileConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text) ?? {};
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${path}: the top level must be a mapping`);
  const config: CliFileConfig = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key !== 'url' && key !== 'apiKey') throw new Error(`${path}: unknown key '${key}' (known: url, apiKey)`);
    if (typeof value !== 'string') throw new Error(`${path}: ${key} must be a string`);
    config[key] = value.trim();
  }
  return config;
}

/** The node's own address: a wildcard listen address is reached on loopback. */
function nodeUrl(config: TarsConfigValues): string {
  const host = config.http.host;
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${config.http.port}`;
}

function readKeyFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * URL and key by precedence: --url/--api-key, TARS_URL/TARS_API_KEY, cli.yaml, then the node
 * config (--config or TARS_CONFIG, with its environment): its HTTP address and `<dataDir>/admin.key`.
 * The node config is read only when something is still missing.
 */
export function resolveConnection(options: ConnectionOptions, env: Env): Connection {
  const cliFile = cliConfigPath(env);
  const fromFile = readCliConfig(cliFile);
  const url = pick([options.url, '--url'], [env.TARS_URL, 'TARS_URL'], [fromFile.url, cliFile]);
  const apiKey = pick([options.apiKey, '--api-key'], [env.TARS_API_KEY, 'TARS_API_KEY'], [fromFile.apiKey, cliFile]);
  if (url && apiKey) return { url: url.value, urlFrom: url.from, apiKey: apiKey.value, apiKeyFrom: apiKey.from };

  const node = loadConfig({ file: options.config, env });
  const nodeFrom = options.config ?? env.TARS_CONFIG ?? 'the node config';
  const keyFile = adminKeyPath(node);
  const key = apiKey ?? pick([readKeyFile(keyFile), keyFile]);
  return { url: url?.value ?? nodeUrl(node), urlFrom: url?.from ?? nodeFrom, apiKey: key?.value, apiKeyFrom: key?.from };
}

function pick(...candidates: [string | undefined, string][]): { value: string; from: string } | undefined {
  const found = candidates.find(([value]) => value !== undefined && value.trim() !== '');
  return found ? { value: found[0]!.trim(), from: found[1] } : undefined;
}
