// What a benchmark ran on: cores, CPU, RAM, Node, the commit, and the load before and after.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Markdown lines naming the machine, the Node version and the TARS commit. */
export function machineLines(repoRoot) {
  const git = (...args) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
  let commit = 'unknown';
  try {
    commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' (src/ has uncommitted changes)' : ''}`;
  } catch {
    // not a git checkout
  }
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model;
  const memTotal = readFileSync('/proc/meminfo', 'utf8').match(/^MemTotal:\s*(\d+) kB/m)?.[1];
  return [
    `- date: ${new Date().toUTCString()}`,
    `- machine: nproc ${os.availableParallelism()}, CPU "${cpu}", ${(Number(memTotal) / 2 ** 20).toFixed(1)} GiB RAM (MemTotal ${memTotal} kB), ${os.type()} ${os.release()}`,
    `- Node ${process.version}; TARS commit ${commit}`,
  ];
}
