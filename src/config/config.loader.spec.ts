import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envNameFor, loadConfig } from './config.loader.js';

function fileWith(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tars-config-')), 'tars.yaml');
  writeFileSync(file, yaml);
  return file;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives a single-PC node on embedded defaults when nothing is configured', () => {
    const config = loadConfig({ env: {} });
    expect(config.roles).toHaveLength(6);
    expect(config.database.url).toBe('');
    expect(config.nats.url).toBe('');
    expect(config.dataDir).toBe(join(homedir(), '.local/share/tars'));
    expect(config.nodeName).not.toBe('');
  });

  it('derives environment names from key paths', () => {
    expect(envNameFor('http.port')).toBe('TARS_HTTP_PORT');
    expect(envNameFor('nats.requestTimeoutMs')).toBe('TARS_NATS_REQUEST_TIMEOUT_MS');
    expect(envNameFor('auth.rateLimit.enabled')).toBe('TARS_AUTH_RATE_LIMIT_ENABLED');
  });

  it('layers file over defaults, environment over file, flags over environment', () => {
    const file = fileWith('http:\n  port: 4000\n  host: 0.0.0.0\nlog:\n  level: debug\n');
    const config = loadConfig({
      file,
      env: { TARS_HTTP_PORT: '5000', TARS_AUTH_RATE_LIMIT_ENABLED: 'false' },
      overrides: { 'http.port': 6000 },
    });
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.log.level).toBe('debug');
    expect(config.http.port).toBe(6000);
    expect(config.auth.rateLimit.enabled).toBe(false);
  });

  it('reads the common aliases DATABASE_URL, NATS_URL and OLLAMA_HOST', () => {
    const config = loadConfig({
      env: {
        DATABASE_URL: 'postgres://u@db:5432/tars',
        NATS_URL: 'nats://pc1:4222',
        OLLAMA_HOST: 'http://pc1:11434',
        TARS_ROLES: 'memory',
      },
    });
    expect(config.database.url).toBe('postgres://u@db:5432/tars');
    expect(config.nats.url).toBe('nats://pc1:4222');
    expect(config.ollama.host).toBe('http://pc1:11434');
    expect(config.roles).toEqual(['memory']);
  });

  it('reports a bad value with its key, where it came from and why', () => {
    const problems = problemsOf(() => loadConfig({ env: { TARS_HTTP_PORT: '70000', NATS_URL: 'http://x' } }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^http\.port \(from TARS_HTTP_PORT\): .*65535/);
    expect(problems[1]).toMatch(/^nats\.url \(from NATS_URL\): must be empty or a URL with scheme nats:\/\//);
  });

  it('reports a number that is not a number', () => {
    expect(problemsOf(() => loadConfig({ env: { TARS_HTTP_PORT: 'eighty' } }))[0]).toMatch(/^http\.port \(from TARS_HTTP_PORT\)/);
  });

  it('rejects unknown keys in a config file, naming them', () => {
    const file = fileWith('http:\n  prot: 80\n');
    expect(problemsOf(() => loadConfig({ file, env: {} })).join()).toMatch(/http.*prot/);
  });

  it('names an unknown role and lists what exists', () => {
    const problems = problemsOf(() => loadConfig({ env: { TARS_ROLES: 'memory,brain', NATS_URL: 'nats://x:4222' } }));
    expect(problems[0]).toMatch(/^roles \(from TARS_ROLES\): unknown role or module 'brain'.*presets: all, cognitive, processing/);
  });

  it('requires NATS for a node that leaves modules to other nodes', () => {
    const problems = problemsOf(() => loadConfig({ env: { TARS_ROLES: 'memory' } }));
    expect(problems[0]).toMatch(/^nats\.url: roles 'memory' leave modules to other nodes/);
  });

  it('reports an unreadable or malformed config file', () => {
    expect(problemsOf(() => loadConfig({ file: '/nonexistent/tars.yaml', env: {} }))[0]).toMatch(/\/nonexistent\/tars\.yaml/);
    expect(problemsOf(() => loadConfig({ file: fileWith('http: [unclosed'), env: {} }))[0]).toMatch(/config file/);
  });

  it('reads lists from the environment as JSON or comma separated', () => {
    expect(loadConfig({ env: { TARS_EMBEDDINGS_FALLBACK: 'hashing, minilm' } }).embeddings.fallback).toEqual(['hashing', 'minilm']);
    const models = [{ id: 'h', provider: 'hashing', dimensions: 64 }];
    const config = loadConfig({
      env: {
        TARS_EMBEDDINGS_MODELS: JSON.stringify(models),
        TARS_EMBEDDINGS_DEFAULTS_DOCUMENTS: 'h',
        TARS_EMBEDDINGS_DEFAULTS_QUERIES: 'h',
        TARS_EMBEDDINGS_DEFAULTS_CONVERSATIONS: 'h',
        TARS_EMBEDDINGS_FALLBACK: '[]',
      },
    });
    expect(config.embeddings.models).toEqual([expect.objectContaining({ id: 'h', dimensions: 64, normalize: true })]);
  });

  it('checks that the embedding defaults and fallbacks name configured models', () => {
    const problems = problemsOf(() => loadConfig({ env: { TARS_EMBEDDINGS_DEFAULTS_QUERIES: 'nope', TARS_EMBEDDINGS_FALLBACK: 'ghost' } }));
    expect(problems).toEqual([
      "embeddings.defaults.queries (from TARS_EMBEDDINGS_DEFAULTS_QUERIES): no model with id 'nope' in embeddings.models",
      "embeddings.fallback.0: no model with id 'ghost' in embeddings.models",
    ]);
  });

  it('expands ~ in the data folder', () => {
    expect(loadConfig({ env: { TARS_DATA_DIR: '~/tars-data' } }).dataDir).toBe(join(homedir(), 'tars-data'));
  });
});
