// The Ollama simulator (test/support/ollama-simulator-cli.mjs) as a child process, so that a
// benchmark's own clients never share its event loop. Every wait is bounded in time.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './tars-node.mjs';

const CLI = fileURLToPath(new URL('../../test/support/ollama-simulator-cli.mjs', import.meta.url));

export class SimulatorProcess {
  /** `options`: ttftMs, tokensPerSecond, parallel, maxQueue, replyTokens, model. */
  static async start(options, { timeoutMs = 10_000 } = {}) {
    const sim = new SimulatorProcess();
    const port = await freePort();
    const args = [
      CLI, '--port', String(port), '--ttft-ms', String(options.ttftMs), '--tokens-per-second', String(options.tokensPerSecond),
      '--parallel', String(options.parallel), '--max-queue', String(options.maxQueue), '--reply-tokens', String(options.replyTokens),
      '--model', options.model,
    ];
    sim.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    sim.stderr = '';
    sim.child.stderr.on('data', (d) => (sim.stderr = (sim.stderr + d.toString()).slice(-10_000)));
    sim.url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the simulator printed no URL within ${timeoutMs} ms: ${out}${sim.stderr}`)), timeoutMs);
      sim.child.stdout.on('data', (d) => {
        out += d.toString();
        const url = out.match(/^(http:\/\/\S+)$/m)?.[1];
        if (url) {
          clearTimeout(timer);
          resolve(url);
        }
      });
      sim.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the simulator exited (${code}) while starting: ${sim.stderr}`));
      });
    });
    return sim;
  }

  get pid() {
    return this.child.pid;
  }

  /**
   * SIGTERM (the CLI prints a JSON summary on stderr: requests, aborted, maxActiveSeen…), SIGKILL
   * after `timeoutMs`. Resolves with the summary, or undefined.
   */
  async stop(timeoutMs = 5000) {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return undefined;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
    const line = this.stderr.trim().split('\n').at(-1);
    try {
      return JSON.parse(line);
    } catch {
      return undefined;
    }
  }
}
