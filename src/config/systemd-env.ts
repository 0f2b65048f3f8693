/** What systemd tells a service through its environment (see sd_notify(3), sd_watchdog_enabled(3)). */
export interface SystemdEnv {
  /** Set when the unit is Type=notify: where READY=1 and WATCHDOG=1 go. */
  notifySocket?: string;
  /** WatchdogSec in microseconds, when the watchdog is on for this process. */
  watchdogUsec?: number;
}

export function systemdEnv(env: NodeJS.ProcessEnv = process.env, pid = process.pid): SystemdEnv {
  const usec = Number(env.WATCHDOG_USEC);
  // WATCHDOG_PID, when set, names the process the watchdog is for.
  const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === pid;
  return {
    ...(env.NOTIFY_SOCKET ? { notifySocket: env.NOTIFY_SOCKET } : {}),
    ...(Number.isFinite(usec) && usec > 0 && forUs ? { watchdogUsec: usec } : {}),
  };
}
