// Starts and stops `tars serve` nodes as OS processes for benchmarks, and creates throwaway
// PostgreSQL databases. Every wait is bounded in time.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI_ENTRY = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The environment without any TARS setting of the caller's shell, so that only ours apply. */
function cleanEnv() {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('TARS_') || name === 'DATABASE_URL' || name === 'NATS_URL') delete env[name];
  }
  return env;
}

/** A `tars serve` process on a free loopback port. */
export class TarsNode {
  constructor(name, env) {
    this.name = name;
    this.env = env;
    this.output = '';
    /** Wait until the LLM check passes too; by default a node whose only failing check is `llm` counts as ready. */
    this.requireLlm = false;
  }

  /**
   * `nodeArgs` go to node itself, e.g. ['--cpu-prof'] to see where a node spends its time.
   * `onSpawn(node)` is called as soon as the process exists, before it is ready (to time its start).
   */
  static async start(name, env, { nodeArgs = [], readyTimeoutMs = 60_000, onSpawn } = {}) {
    const node = new TarsNode(name, env);
    node.port = await freePort();
    node.url = `http://127.0.0.1:${node.port}`;
    node.child = spawn(process.execPath, [...nodeArgs, CLI_ENTRY, 'serve'], {
      cwd: REPO_ROOT,
      env: {
        ...cleanEnv(),
        TARS_NODE_NAME: name,
        TARS_HTTP_HOST: '127.0.0.1',
        TARS_HTTP_PORT: String(node.port),
        TARS_LOG_FORMAT: 'json',
        TARS_LOG_LEVEL: 'warn',
        TARS_AUTH_RATE_LIMIT_ENABLED: 'false',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d) => (node.output = (node.output + d.toString()).slice(-20_000));
    node.child.stdout.on('data', keep);
    node.child.stderr.on('data', keep);
    onSpawn?.(node);
    await node.waitUntilReady(readyTimeoutMs);
    return node;
  }

  get pid() {
    return this.child?.pid;
  }

  get running() {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitUntilReady(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited while starting:\n${this.output}`);
      try {
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
        if (response.ok) return;
        // A node without an LLM (tests, benchmarks of other parts) is ready for everything else.
        if (!this.requireLlm && response.status === 503) {
          const body = await response.json();
          if (Object.keys(body.error ?? {}).every((check) => check === 'llm')) return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.output}`);
  }

  /** SIGTERM (graceful shutdown), then SIGKILL if it has not exited within the time limit. */
  async stop(timeoutMs = 15_000) {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

async function asAdmin(adminUrl, work) {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A database of its own on the machine's PostgreSQL; `drop()` removes it. */
export async function createDatabase(adminUrl, label) {
  const name = `tars_bench_${label}_${randomBytes(4).toString('hex')}`;
  await asAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => asAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}
