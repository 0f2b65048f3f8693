import { describe, expect, it } from 'vitest';
import { systemdEnv } from '../../config/systemd-env.js';
import { SystemdNotifier } from './systemd-notifier.js';

function recorder() {
  const calls: string[][] = [];
  return { calls, run: async (args: string[]) => void calls.push(args) };
}

describe('systemdEnv', () => {
  it('reads the notify socket and the watchdog period meant for this process', () => {
    expect(systemdEnv({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '42' }, 42)).toEqual({
      notifySocket: '/run/systemd/notify',
      watchdogUsec: 60_000_000,
    });
    expect(systemdEnv({ NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '7' }, 42)).toEqual({ notifySocket: '/x' });
    expect(systemdEnv({}, 42)).toEqual({});
  });
});

describe('SystemdNotifier', () => {
  it('does nothing outside systemd', async () => {
    const { calls, run } = recorder();
    const notifier = new SystemdNotifier({}, () => undefined, run, 42);
    await notifier.ready('up');
    notifier.startWatchdog(async () => undefined);
    expect(calls).toEqual([]);
    expect(notifier.watchdogIntervalMs).toBeUndefined();
  });

  it('sends READY=1 and STOPPING=1 for this process, and pings every half watchdog period', async () => {
    const { calls, run } = recorder();
    const notifier = new SystemdNotifier({ notifySocket: '/run/x', watchdogUsec: 30_000_000 }, () => undefined, run, 42);
    await notifier.ready('serving');
    expect(calls).toEqual([['--pid=42', 'READY=1', 'STATUS=serving']]);
    expect(notifier.watchdogIntervalMs).toBe(15_000);
    await notifier.stopping();
    expect(calls.at(-1)).toEqual(['--pid=42', 'STOPPING=1']);
  });

  it('pings the watchdog only while healthy, and says why not otherwise', async () => {
    const { calls, run } = recorder();
    const notifier = new SystemdNotifier({ notifySocket: '/run/x', watchdogUsec: 2_000_000 }, () => undefined, run, 42);
    await notifier.tick(async () => undefined);
    await notifier.tick(async () => 'the database does not answer');
    await notifier.tick(async () => {
      throw new Error('boom');
    });
    expect(calls).toEqual([
      ['--pid=42', 'WATCHDOG=1'],
      ['--pid=42', 'STATUS=unhealthy: the database does not answer'],
      ['--pid=42', 'STATUS=unhealthy: health check failed: boom'],
    ]);
  });

  it('reports a failing systemd-notify instead of throwing', async () => {
    const errors: string[] = [];
    const notifier = new SystemdNotifier({ notifySocket: '/run/x' }, (m) => errors.push(m), async () => {
      throw new Error('not found');
    });
    await notifier.ready('x');
    expect(errors).toEqual([expect.stringMatching(/READY=1.*not found/)]);
  });
});
