import type { JobRunDto } from '../../src/contracts/monitoring/job.dto.js';

/** Polls a job run until it is no longer running (or the time is up) and returns it. */
export async function runToEnd(get: () => Promise<JobRunDto>, timeoutMs = 60_000): Promise<JobRunDto> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await get();
    if (run.state !== 'running') return run;
    if (Date.now() > deadline) throw new Error(`run ${run.id} of ${run.job} still running after ${timeoutMs} ms: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until `check` holds (polling), or fails with `what`. */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
