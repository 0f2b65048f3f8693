import { describe, expect, it } from 'vitest';
import type { JobRunDto } from '../contracts/monitoring/job.dto.js';
import { followRun, renderRuns, renderSummary } from './jobs.command.js';

const run = (state: JobRunDto['state'], summary: Record<string, unknown> = {}, extra: Partial<JobRunDto> = {}): JobRunDto => ({
  id: '0d6a4a52-1c53-4f4e-9d0e-2f1f8e0c6b11',
  job: 'synthesis',
  trigger: 'manual',
  state,
  node: 'pc2',
  startedAt: '2026-03-01T03:00:00.000Z',
  summary,
  ...extra,
});

const noSleep = async () => undefined;

describe('followRun', () => {
  it('prints the progress each time it changes and resolves with the finished run', async () => {
    const answers = [run('running'), run('running', { summarised: 1 }), run('running', { summarised: 1 }), run('running', { summarised: 2 }), run('succeeded', { summarised: 3 })];
    const printed: string[] = [];
    const final = await followRun(async () => answers.shift()!, { pollMs: 1, print: (line) => printed.push(line), sleep: noSleep });
    expect(final).toMatchObject({ state: 'succeeded', summary: { summarised: 3 } });
    expect(printed).toEqual(['  … {"summarised":1}', '  … {"summarised":2}']);
  });

  it('rides out a few failed polls, but not five in a row', async () => {
    let calls = 0;
    const flaky = async () => {
      calls++;
      if (calls <= 2) throw new Error('connection refused');
      return run('failed', {}, { error: 'node pc2 stopped' });
    };
    expect(await followRun(flaky, { pollMs: 1, print: () => undefined, sleep: noSleep })).toMatchObject({ state: 'failed' });
    await expect(followRun(async () => Promise.reject(new Error('gone')), { pollMs: 1, print: () => undefined, sleep: noSleep })).rejects.toThrow('gone');
  });
});

describe('rendering', () => {
  it('shows runs as a table and a summary as key: value lines', () => {
    const table = renderRuns([run('failed', {}, { durationMs: 1234, error: 'node pc2 stopped' })]).split('\n');
    expect(table[0]).toMatch(/^ID +JOB +TRIGGER +STATE +NODE +STARTED +DURATION +ERROR$/);
    expect(table[1]).toMatch(/^0d6a4a52-\S+ +synthesis +manual +failed +pc2 +2026-03-01 03:00:00 +1\.2 s +node pc2 stopped$/);
    expect(renderSummary({ summarised: 2, conversations: [{ id: 'a', method: 'llm' }] })).toBe(
      '  summarised: 2\n  conversations: [{"id":"a","method":"llm"}]',
    );
  });
});
