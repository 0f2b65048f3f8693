import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The embedded database is used by another live process (PGlite supports one process only). */
export class DatabaseInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${pid} (a running TARS node?). ` +
        'Stop it, or talk to it through its API, or configure a PostgreSQL server with DATABASE_URL.',
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the PID that holds the lock, or undefined when no live process holds it. */
export function pgliteLockHolder(lockFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Lock files this process holds: a file naming our own PID that is not here was left by an earlier process with the same PID. */
const heldHere = new Set<string>();

/** Takes the lock for this process; a lock left by a dead process is taken over. Returns the release function. */
export function acquirePgliteLock(lockFile: string, dataDir: string): () => void {
  mkdirSync(dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldHere.add(lockFile);
      return () => {
        heldHere.delete(lockFile);
        rmSync(lockFile, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = pgliteLockHolder(lockFile);
      const stale = holder === undefined || (holder === process.pid && !heldHere.has(lockFile));
      if (!stale) throw new DatabaseInUseError(dataDir, holder);
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`could not take the embedded database lock ${lockFile}`);
}
