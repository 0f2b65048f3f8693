import { CronTime } from 'cron';
import { describe, expect, it } from 'vitest';
import { alreadyRunningMessage, decideStart, effectiveTimeZone, type LockHolder, lostLeaseMessage, slotFor } from './job-lock.js';

const holder = (node: string, scheduledFor: Date | null = null): LockHolder => ({
  id: '6f1c2c1e-0000-4000-8000-000000000001',
  node,
  startedAt: new Date('2026-03-01T03:00:00Z'),
  scheduledFor,
});

describe('decideStart', () => {
  it('starts when its insert went in', () => {
    expect(decideStart({ inserted: true })).toEqual({ outcome: 'started' });
  });

  it('does nothing when another node already took the scheduled slot, even while that run is running', () => {
    const other = holder('pc2', new Date('2026-03-01T03:00:00Z'));
    expect(decideStart({ inserted: false, slotHolder: other, running: other })).toEqual({ outcome: 'slot-taken', holder: other });
  });

  it('is busy when another run of the job is running (a manual run is refused, a slot is skipped)', () => {
    const running = holder('pc1');
    expect(decideStart({ inserted: false, running })).toEqual({ outcome: 'busy', holder: running });
  });

  it('tries again when the run that blocked the insert has finished since', () => {
    expect(decideStart({ inserted: false })).toEqual({ outcome: 'retry' });
  });
});

describe('lock messages', () => {
  it('names the node whose lease ran out', () => {
    expect(lostLeaseMessage({ node: 'pc2', leaseUntil: new Date('2026-03-01T03:02:00Z') })).toBe(
      'node pc2 stopped renewing its lease (it ended at 2026-03-01T03:02:00.000Z): the node died or lost the database',
    );
  });

  it('names the node a conflicting run is on', () => {
    expect(alreadyRunningMessage('cleanup', holder('pc1'))).toMatch(/^job cleanup is already running on node pc1 \(run 6f1c2c1e-.*, started 2026-03-01T03:00:00.000Z\)$/);
  });
});

describe('slotFor', () => {
  const daily = new CronTime('0 3 * * *', 'Europe/Berlin');
  const expected = new Date('2026-03-01T02:00:00Z'); // 03:00 in Berlin (UTC+1)

  it('is the expected slot when the timer fires on time or a little late', () => {
    expect(slotFor(daily, 'Europe/Berlin', expected, new Date('2026-03-01T02:00:00.004Z'))).toEqual(expected);
    expect(slotFor(daily, 'Europe/Berlin', expected, new Date('2026-03-01T02:00:42Z'))).toEqual(expected);
  });

  it('is the expected slot when the timer fires a little early', () => {
    expect(slotFor(daily, 'Europe/Berlin', expected, new Date('2026-03-01T01:59:59.998Z'))).toEqual(expected);
  });

  it('is the latest occurrence when several were missed (a paused node)', () => {
    expect(slotFor(daily, 'Europe/Berlin', expected, new Date('2026-03-03T09:00:00Z'))).toEqual(new Date('2026-03-03T02:00:00Z'));
  });

  it('follows the time zone across a daylight saving change', () => {
    // Berlin moves to UTC+2 on 29 March 2026: 03:00 local is 01:00 UTC from then on.
    expect(slotFor(daily, 'Europe/Berlin', new Date('2026-03-28T02:00:00Z'), new Date('2026-03-30T01:00:01Z'))).toEqual(new Date('2026-03-30T01:00:00Z'));
  });

  it('gives every node the same slot for a seconds schedule', () => {
    const everyTwo = new CronTime('*/2 * * * * *', 'UTC');
    const start = new Date('2026-03-01T00:00:02Z');
    const a = slotFor(everyTwo, 'UTC', start, new Date('2026-03-01T00:00:02.030Z'));
    const b = slotFor(everyTwo, 'UTC', start, new Date('2026-03-01T00:00:03.900Z'));
    expect(a).toEqual(start);
    expect(b).toEqual(start);
  });
});

describe('effectiveTimeZone', () => {
  it('is the configured zone, or the machine’s when empty', () => {
    expect(effectiveTimeZone('America/New_York')).toBe('America/New_York');
    expect(effectiveTimeZone('')).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});
