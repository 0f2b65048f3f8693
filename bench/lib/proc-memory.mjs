// Resident memory of a process from /proc (Linux only): the current RSS, the kernel's own peak
// (VmHWM) and a sampler that records the highest RSS seen over a phase. Worker threads share their
// process's memory, so a TARS node's figure includes its embedding and index workers.
import { readFileSync } from 'node:fs';

const MIB = 1024;

/** `{ rssMiB, hwmMiB }` of a process, or undefined when it has exited. */
export function memoryOf(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field) => Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / MIB, hwmMiB: kib('VmHWM') / MIB };
}

/**
 * Samples a process's RSS every `intervalMs` until stopped; `stop()` gives the highest RSS sampled
 * and the last one (MiB). The timer is unref'd: it never keeps the benchmark alive.
 */
export function rssSampler(pid, intervalMs = 250) {
  let peak = 0;
  let last = 0;
  const sample = () => {
    const m = memoryOf(pid);
    if (!m) return;
    last = m.rssMiB;
    peak = Math.max(peak, m.rssMiB);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    sample();
    return { peakMiB: peak, lastMiB: last };
  };
}

/** The 1-, 5- and 15-minute load averages of the machine. */
export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}
