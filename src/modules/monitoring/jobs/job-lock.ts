import type { CronTime } from 'cron';

/** A job run as the lock sees it. */
export interface LockHolder {
  id: string;
  node: string;
  startedAt: Date;
  scheduledFor: Date | null;
}

/**
 * What a node does after trying to insert its run: `started` (its insert won), `slot-taken` (a
 * scheduled slot another node already took: do nothing), `busy` (another run of the job is running:
 * a manual run is refused, a scheduled slot is recorded as skipped), or `retry` (the run that blocked
 * the insert finished in between).
 */
export type StartDecision =
  | { outcome: 'started' }
  | { outcome: 'slot-taken'; holder: LockHolder }
  | { outcome: 'busy'; holder: LockHolder }
  | { outcome: 'retry' };

/**
 * Decides from what the database said. `inserted`: whether our row went in; `slotHolder`: the run
 * already recorded for our scheduled slot (scheduled runs only); `running`: the job's running run.
 */
export function decideStart(input: { inserted: boolean; slotHolder?: LockHolder; running?: LockHolder }): StartDecision {
  if (input.inserted) return { outcome: 'started' };
  // The slot check comes first: the winner of our own slot is also the running run, and that is no conflict.
  if (input.slotHolder) return { outcome: 'slot-taken', holder: input.slotHolder };
  if (input.running) return { outcome: 'busy', holder: input.running };
  return { outcome: 'retry' };
}

/** Why a running run whose lease ran out was marked failed. */
export function lostLeaseMessage(run: { node: string; leaseUntil: Date | null }): string {
  const until = run.leaseUntil ? ` at ${run.leaseUntil.toISOString()}` : '';
  return `node ${run.node} stopped renewing its lease (it ended${until}): the node died or lost the database`;
}

/** The message of a manual run refused because the job runs already. */
export function alreadyRunningMessage(job: string, holder: LockHolder): string {
  return `job ${job} is already running on node ${holder.node} (run ${holder.id}, started ${holder.startedAt.toISOString()})`;
}

/**
 * The scheduled slot a cron tick stands for: the latest occurrence at or before `now`, starting from
 * the one that was expected. Every node computes the same slot from the same expression and zone,
 * even when its timer fired a little late (or several occurrences late, after a long pause), so the
 * slot identifies the run across nodes. A timer that fired early still counts for the expected slot.
 */
export function slotFor(cron: Pick<CronTime, 'getNextDateFrom'>, timeZone: string, expected: Date, now: Date): Date {
  let slot = expected;
  for (let i = 0; i < 100_000; i++) {
    const next = cron.getNextDateFrom(slot, timeZone).toJSDate();
    if (next.getTime() > now.getTime()) return slot;
    slot = next;
  }
  return slot;
}

/** The zone cron expressions are read in: the configured IANA name, or the machine's. */
export function effectiveTimeZone(configured: string): string {
  return configured !== '' ? configured : Intl.DateTimeFormat().resolvedOptions().timeZone;
}
