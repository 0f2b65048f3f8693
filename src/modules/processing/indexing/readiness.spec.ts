import { describe, expect, it } from 'vitest';
import { Readiness } from './readiness.js';

describe('Readiness', () => {
  it('lets waiters through once ready, and makes later ones wait again after a reset', async () => {
    const readiness = new Readiness();
    const early = readiness.wait();
    readiness.resolve();
    await expect(early).resolves.toBeUndefined();
    readiness.reset();
    let passed = false;
    const late = readiness.wait().then(() => (passed = true));
    await Promise.resolve();
    expect(passed).toBe(false);
    readiness.resolve();
    await late;
    expect(passed).toBe(true);
  });

  it('gives the failure to whoever waits, until it is ready again', async () => {
    const readiness = new Readiness();
    readiness.fail(new Error('no database'));
    await expect(readiness.wait()).rejects.toThrow('no database');
    readiness.resolve();
    await expect(readiness.wait()).resolves.toBeUndefined();
  });
});
