import { execFile } from 'node:child_process';
import type { SystemdEnv } from '../../config/systemd-env.js';

/** Runs `systemd-notify` with arguments; resolves when it exits (errors are reported, not thrown). */
export type NotifyRunner = (args: string[]) => Promise<void>;

const runSystemdNotify: NotifyRunner = (args) =>
  new Promise((resolve, reject) => {
    execFile('systemd-notify', args, { timeout: 5000 }, (err) => (err ? reject(err) : resolve()));
  });

/**
 * Tells systemd how the node is doing (Type=notify units): READY=1 once it serves, WATCHDOG=1 every
 * half watchdog period while it is healthy, STOPPING=1 on shutdown. Node has no datagram sockets in
 * core, so it runs `systemd-notify --pid=<this process>` (the unit sets NotifyAccess=all) instead of
 * a native addon. Outside systemd (no NOTIFY_SOCKET) it does nothing.
 */
export class SystemdNotifier {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly env: SystemdEnv,
    private readonly onError: (message: string) => void,
    private readonly run: NotifyRunner = runSystemdNotify,
    private readonly pid = process.pid,
  ) {}

  get enabled(): boolean {
    return this.env.notifySocket !== undefined;
  }

  /** Half of WatchdogSec, in ms: how often a healthy node pings; undefined when the watchdog is off. */
  get watchdogIntervalMs(): number | undefined {
    return this.env.watchdogUsec ? Math.max(500, Math.floor(this.env.watchdogUsec / 2000)) : undefined;
  }

  ready(status: string): Promise<void> {
    return this.send(['READY=1', `STATUS=${status}`]);
  }

  stopping(): Promise<void> {
    clearInterval(this.timer);
    return this.send(['STOPPING=1']);
  }

  /**
   * Pings the watchdog every half period, but only after `healthy()` says so: a node whose event
   * loop is stuck, or whose database or NATS is gone, stops pinging and systemd restarts it.
   */
  startWatchdog(healthy: () => Promise<string | undefined>): void {
    const interval = this.watchdogIntervalMs;
    if (!this.enabled || interval === undefined || this.timer) return;
    this.timer = setInterval(() => void this.tick(healthy), interval);
    this.timer.unref();
  }

  /** One watchdog round: ping when healthy; otherwise say why in STATUS (and do not ping). */
  async tick(healthy: () => Promise<string | undefined>): Promise<void> {
    const problem = await healthy().catch((err: unknown) => `health check failed: ${(err as Error).message}`);
    await this.send(problem === undefined ? ['WATCHDOG=1'] : [`STATUS=unhealthy: ${problem}`]);
  }

  private async send(assignments: string[]): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.run([`--pid=${this.pid}`, ...assignments]);
    } catch (err) {
      this.onError(`systemd-notify ${assignments.join(' ')} failed: ${(err as Error).message}`);
    }
  }
}
