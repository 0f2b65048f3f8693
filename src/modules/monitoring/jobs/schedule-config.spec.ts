import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/config.loader.js';

/** The jobs settings are checked when the configuration loads: a bad schedule stops the node at start, with its key. */
const load = (env: Record<string, string>) => () => loadConfig({ env: { TARS_DATA_DIR: '/tmp/tars-schedule-spec', ...env } });

describe('jobs schedule settings', () => {
  it('accept 5-field and 6-field (seconds) cron expressions and IANA time zones', () => {
    const config = load({
      TARS_JOBS_SYNTHESIS_CRON: '15 2 * * 1-5',
      TARS_JOBS_CLEANUP_CRON: '*/10 * * * * *',
      TARS_JOBS_TIMEZONE: 'Europe/Berlin',
    })();
    expect(config.jobs).toMatchObject({ timezone: 'Europe/Berlin', synthesis: { cron: '15 2 * * 1-5' }, cleanup: { cron: '*/10 * * * * *' } });
  });

  it('accept an empty time zone (the machine’s)', () => {
    expect(load({ TARS_JOBS_TIMEZONE: '' })().jobs.timezone).toBe('');
  });

  it.each([
    ['a value out of range', '61 3 * * *', /jobs\.synthesis\.cron \(from TARS_JOBS_SYNTHESIS_CRON\): not a valid cron expression \('61 3 \* \* \*'\): Field value \(61\) is out of range/],
    ['too few fields', '0 3 * *', /jobs\.synthesis\.cron .*Too few fields/],
    ['words', 'every night', /jobs\.synthesis\.cron .*not a valid cron expression/],
  ])('refuse a cron expression with %s, naming the key', (_, cron, message) => {
    const attempt = load({ TARS_JOBS_SYNTHESIS_CRON: cron });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it('refuse an unknown time zone, naming the key', () => {
    const attempt = load({ TARS_JOBS_TIMEZONE: 'Mars/Olympus_Mons' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/jobs\.timezone \(from TARS_JOBS_TIMEZONE\): not a known IANA time zone/);
  });
});
