// CPU time spent by groups of processes during a measurement, read from /proc (Linux only):
// it tells where the cores went when a setup is CPU-bound. Reading /proc signals nothing.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function processTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0; // exited meanwhile
  }
}

function pidsNamed(name) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** Busy ticks of the whole machine, and the part spent in interrupts (loopback traffic is processed in softirq). */
function machineTicks() {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = values;
  return { busy: user + nice + system + irq + softirq + steal, interrupts: irq + softirq };
}

/**
 * Starts counting CPU time of the given processes (`{ name: pid }`), of PostgreSQL, nats-server,
 * this process (the load generator), interrupt handling and the whole machine; the returned
 * function stops and gives milliseconds of CPU per name. Interrupt time is not charged to any
 * process. PostgreSQL and the machine include whatever else runs meanwhile.
 */
export function cpuMeter(namedPids) {
  const groups = () => ({
    ...Object.fromEntries(Object.entries(namedPids).map(([name, pid]) => [name, [pid]])),
    postgres: pidsNamed('postgres'),
    'nats-server': pidsNamed('nats-server'),
  });
  const sample = () => {
    const result = {};
    for (const [name, pids] of Object.entries(groups())) {
      result[name] = new Map(pids.map((pid) => [pid, processTicks(pid)]));
    }
    return result;
  };
  const before = sample();
  const machineBefore = machineTicks();
  const selfBefore = process.cpuUsage();
  return () => {
    const after = sample();
    const ms = {};
    for (const [name, pids] of Object.entries(after)) {
      let ticks = 0;
      for (const [pid, t] of pids) ticks += t - (before[name].get(pid) ?? 0);
      ms[name] = ticks * TICK_MS;
    }
    const self = process.cpuUsage(selfBefore);
    ms['load generator'] = (self.user + self.system) / 1000;
    const machine = machineTicks();
    ms['irq+softirq'] = (machine.interrupts - machineBefore.interrupts) * TICK_MS;
    ms.machine = (machine.busy - machineBefore.busy) * TICK_MS;
    return ms;
  };
}
