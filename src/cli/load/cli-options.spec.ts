import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { duration, positiveInteger, positiveNumber } from './cli-options.js';

describe('option parsers', () => {
  it('reads durations with a unit, and plain numbers as seconds', () => {
    expect(['500ms', '90s', '30m', '2min', '1h', '45', '1.5s'].map(duration)).toEqual([500, 90_000, 1_800_000, 120_000, 3_600_000, 45_000, 1500]);
  });

  it('refuses what is not a positive amount', () => {
    for (const bad of ['0', '-5s', '5 days', 'soon', '']) expect(() => duration(bad), bad).toThrow(InvalidArgumentError);
    for (const bad of ['0', '1.5', 'x', '-2']) expect(() => positiveInteger(bad), bad).toThrow(InvalidArgumentError);
    expect(positiveNumber('0.5')).toBe(0.5);
    expect(() => positiveNumber('0')).toThrow(InvalidArgumentError);
  });
});
