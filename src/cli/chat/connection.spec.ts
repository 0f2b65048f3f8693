import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliConfigPath, defaultHistoryPath, readCliConfig, resolveConnection } from './connection.js';

describe('resolveConnection', () => {
  let dir: string;
  let env: Record<string, string>;
  let nodeConfig: string;
  let dataDir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tars-connection-'));
    dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'admin.key'), 'key-from-admin-file\n');
    nodeConfig = join(dir, 'node.yaml');
    writeFileSync(nodeConfig, `dataDir: ${dataDir}\nhttp:\n  host: 0.0.0.0\n  port: 4321\n`);
    env = { HOME: join(dir, 'home'), XDG_CONFIG_HOME: join(dir, 'config') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function writeCliYaml(text: string): void {
    mkdirSync(join(dir, 'config', 'tars'), { recursive: true });
    writeFileSync(join(dir, 'config', 'tars', 'cli.yaml'), text);
  }

  it('flags win over the environment, cli.yaml and the node config', () => {
    writeCliYaml('url: http://from-file:1\napiKey: file-key\n');
    const connection = resolveConnection(
      { url: 'http://from-flag:1', apiKey: 'flag-key', config: nodeConfig },
      { ...env, TARS_URL: 'http://from-env:1', TARS_API_KEY: 'env-key' },
    );
    expect(connection).toMatchObject({ url: 'http://from-flag:1', apiKey: 'flag-key', urlFrom: '--url', apiKeyFrom: '--api-key' });
  });

  it('the environment wins over cli.yaml and the node config', () => {
    writeCliYaml('url: http://from-file:1\napiKey: file-key\n');
    const connection = resolveConnection({ config: nodeConfig }, { ...env, TARS_URL: 'http://from-env:1', TARS_API_KEY: 'env-key' });
    expect(connection).toMatchObject({ url: 'http://from-env:1', apiKey: 'env-key', urlFrom: 'TARS_URL', apiKeyFrom: 'TARS_API_KEY' });
  });

  it('cli.yaml wins over the node config, found under XDG_CONFIG_HOME', () => {
    writeCliYaml('url: http://from-file:1\napiKey: file-key\n');
    const connection = resolveConnection({ config: nodeConfig }, env);
    expect(connection).toMatchObject({ url: 'http://from-file:1', apiKey: 'file-key' });
    expect(connection.urlFrom).toBe(join(dir, 'config', 'tars', 'cli.yaml'));
  });

  it('without anything else, uses the node config: its HTTP address (a wildcard becomes loopback) and admin.key', () => {
    const connection = resolveConnection({ config: nodeConfig }, env);
    expect(connection).toMatchObject({ url: 'http://127.0.0.1:4321', apiKey: 'key-from-admin-file', urlFrom: nodeConfig });
    expect(connection.apiKeyFrom).toBe(join(dataDir, 'admin.key'));
  });

  it('takes each value from the first place that has it, independently', () => {
    writeCliYaml('apiKey: file-key\n');
    const connection = resolveConnection({ config: nodeConfig }, { ...env, TARS_URL: 'http://from-env:1' });
    expect(connection).toMatchObject({ url: 'http://from-env:1', apiKey: 'file-key' });
    rmSync(join(dir, 'config'), { recursive: true });
    const urlOnly = resolveConnection({ url: 'http://flag:2', config: nodeConfig }, env);
    expect(urlOnly).toMatchObject({ url: 'http://flag:2', apiKey: 'key-from-admin-file' });
  });

  it('reads the node config named by TARS_CONFIG, with its environment overrides', () => {
    const connection = resolveConnection({}, { ...env, TARS_CONFIG: nodeConfig, TARS_HTTP_PORT: '5555' });
    expect(connection.url).toBe('http://127.0.0.1:5555');
  });

  it('leaves the key out when no place has one', () => {
    rmSync(join(dataDir, 'admin.key'));
    const connection = resolveConnection({ config: nodeConfig }, env);
    expect(connection.apiKey).toBeUndefined();
  });

  it('ignores blank values', () => {
    const connection = resolveConnection({ config: nodeConfig }, { ...env, TARS_URL: '  ', TARS_API_KEY: '' });
    expect(connection).toMatchObject({ url: 'http://127.0.0.1:4321', apiKey: 'key-from-admin-file' });
  });
});

describe('readCliConfig', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tars-cli-yaml-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is empty when the file does not exist', () => {
    expect(readCliConfig(join(dir, 'missing.yaml'))).toEqual({});
  });

  it('refuses unknown keys and values that are not strings, naming the file', () => {
    const file = join(dir, 'cli.yaml');
    writeFileSync(file, 'uri: http://x\n');
    expect(() => readCliConfig(file)).toThrow(`${file}: unknown key 'uri'`);
    writeFileSync(file, 'url: 42\n');
    expect(() => readCliConfig(file)).toThrow(/url must be a string/);
  });
});

describe('XDG paths', () => {
  it('honour XDG_CONFIG_HOME and XDG_STATE_HOME when absolute, else fall back under HOME', () => {
    expect(cliConfigPath({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/tars/cli.yaml');
    expect(cliConfigPath({ HOME: '/home/u' })).toBe('/home/u/.config/tars/cli.yaml');
    expect(cliConfigPath({ HOME: '/home/u', XDG_CONFIG_HOME: 'relative' })).toBe('/home/u/.config/tars/cli.yaml');
    expect(defaultHistoryPath({ HOME: '/home/u', XDG_STATE_HOME: '/state' })).toBe('/state/tars/chat_history');
    expect(defaultHistoryPath({ HOME: '/home/u' })).toBe('/home/u/.local/state/tars/chat_history');
  });
});
