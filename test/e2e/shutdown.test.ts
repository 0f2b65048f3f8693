import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir, uniqueSubjectPrefix } from '../support/config.js';
import { freePort, TarsProcess } from '../support/tars-process.js';

/**
 * A node stops when asked even if NATS never answered since it started (every node opens a NATS
 * connection for its heartbeats, and a first connection attempt retries forever): systemd must
 * not have to kill it at the end of TimeoutStopSec.
 */
describe('shutdown', () => {
  let node: TarsProcess | undefined;
  afterEach(async () => node?.kill());

  it('a node whose NATS server never answered exits promptly on SIGTERM', async () => {
    const deadPort = await freePort();
    node = new TarsProcess('no-nats', await freePort(), {
      NATS_URL: `nats://127.0.0.1:${deadPort}`,
      TARS_NATS_SUBJECT_PREFIX: uniqueSubjectPrefix(),
      TARS_ROLES: 'api,memory',
      TARS_DATA_DIR: tempDataDir('no-nats'),
    });
    // Not ready (NATS is down), but serving: wait for liveness instead of readiness.
    await expect(node.start(1)).rejects.toThrow(/not ready/);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const live = await fetch(`${node.url}/health/live`).then((r) => r.ok).catch(() => false);
      if (live) break;
      if (Date.now() > deadline) throw new Error(`never live:\n${node.output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const ready = await fetch(`${node.url}/health/ready`);
    expect(ready.status).toBe(503);

    const started = Date.now();
    // A SIGKILL after 20 s would also end it: the assertion is on how it ended.
    const child = (node as unknown as { child: import('node:child_process').ChildProcess }).child;
    const exit = once(child, 'exit');
    await node.stop('SIGTERM', 20_000);
    const [code, signal] = (await exit) as [number | null, NodeJS.Signals | null];
    expect(signal === 'SIGTERM' || code === 0, `ended by ${signal ?? code} after ${Date.now() - started} ms\n${node.output.slice(-2000)}`).toBe(true);
  });
});
