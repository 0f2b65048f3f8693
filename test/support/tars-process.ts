import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { CLI_ENTRY, REPO_ROOT } from './paths.js';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs `tars <args>` to completion and returns its exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, TARS_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * A `tars serve` node in its own OS process, on a free loopback port. Output is kept for
 * diagnostics; `stop` sends SIGTERM (graceful), `kill` SIGKILL, `pause`/`resume` SIGSTOP/SIGCONT.
 */
export class TarsProcess {
  private child?: ChildProcess;
  output = '';
  readonly url: string;
  /** Wait until the LLM check passes too; by default a node whose only failing check is `llm` counts as ready. */
  requireLlm = false;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly env: Record<string, string>,
    /** Extra arguments after `serve`, e.g. ['--roles', 'cognitive']. */
    private readonly args: string[] = [],
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(name: string, env: Record<string, string>, readyTimeoutMs = 60_000, args: string[] = []): Promise<TarsProcess> {
    const node = new TarsProcess(name, await freePort(), env, args);
    await node.start(readyTimeoutMs);
    return node;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(readyTimeoutMs = 60_000): Promise<void> {
    const child = spawn(process.execPath, [CLI_ENTRY, 'serve', ...this.args], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        TARS_NODE_NAME: this.name,
        TARS_HTTP_HOST: '127.0.0.1',
        TARS_HTTP_PORT: String(this.port),
        TARS_LOG_FORMAT: 'json',
        TARS_LOG_LEVEL: 'info',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    await this.waitUntilReady(readyTimeoutMs);
  }

  /** Waits until the node reports ready (its database and NATS checks pass). */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited while starting:\n${this.output}`);
      try {
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
        if (response.ok) return;
        // A node without an LLM (tests, benchmarks of other parts) is ready for everything else.
        if (!this.requireLlm && response.status === 503) {
          const body = (await response.json()) as { error?: Record<string, unknown> };
          if (Object.keys(body.error ?? {}).every((check) => check === 'llm')) return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.output}`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  kill(): Promise<void> {
    return this.stop('SIGKILL');
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }
}
