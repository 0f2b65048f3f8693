import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { REPO_ROOT } from '../support/paths.js';
import { freePort, TarsProcess } from '../support/tars-process.js';

/**
 * The node speaks systemd's notify protocol (Type=notify units) without systemd as PID 1: a small
 * Python listener plays the notification socket, and the node runs the real `systemd-notify`.
 */
describe('systemd notifications', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tars-notify-'));
  let listener: ChildProcess | undefined;
  let node: TarsProcess | undefined;
  let database: TestDatabase | undefined;
  afterAll(async () => {
    await node?.kill();
    listener?.kill();
    await database?.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends READY=1, pings the watchdog while healthy, stops pinging when the database is gone, and sends STOPPING=1', async () => {
    const socket = join(dir, 'notify.sock');
    const messages: string[] = [];
    listener = spawn('python3', [join(REPO_ROOT, 'test/support/scripts/notify-listener.py'), socket, '120'], { stdio: ['ignore', 'pipe', 'inherit'] });
    listener.stdout!.on('data', (d: Buffer) => messages.push(...d.toString().trim().split('\n')));
    await new Promise((r) => setTimeout(r, 500)); // the socket is bound

    database = await createTestDatabase('systemd');
    node = new TarsProcess('notify-node', await freePort(), {
      DATABASE_URL: database.url,
      TARS_DATA_DIR: join(dir, 'data'),
      TARS_DATABASE_HEALTH_TIMEOUT_MS: '500',
      NOTIFY_SOCKET: socket,
      WATCHDOG_USEC: '1000000', // a ping every 0.5 s
    });
    await node.start();

    await expect.poll(() => messages.some((m) => m.includes('READY=1')), { timeout: 10_000 }).toBe(true);
    expect(messages.find((m) => m.includes('READY=1'))).toMatch(new RegExp(`MAINPID=${node.pid}\\b.*READY=1 STATUS=node notify-node`));
    await expect.poll(() => messages.filter((m) => m.includes('WATCHDOG=1')).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

    await database.drop();
    database = undefined;
    await expect.poll(() => messages.some((m) => m.includes('STATUS=unhealthy: database:')), { timeout: 10_000 }).toBe(true);
    const pingsWhenUnhealthy = messages.filter((m) => m.includes('WATCHDOG=1')).length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(messages.filter((m) => m.includes('WATCHDOG=1')).length).toBe(pingsWhenUnhealthy);

    await node.stop();
    await expect.poll(() => messages.some((m) => m.includes('STOPPING=1')), { timeout: 10_000 }).toBe(true);
  });
});
