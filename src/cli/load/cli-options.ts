import { InvalidArgumentError } from 'commander';

/** Option parsers of `tars load` and `tars import`: light, because they load with every `tars` command. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number above 0');
  return n;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** A duration in ms from `500ms`, `90s`, `30m`, `1h` or a plain number of seconds. */
export function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * UNITS[match[2] ?? 's'] : NaN;
  if (!Number.isFinite(ms) || ms <= 0) throw new InvalidArgumentError('must be a duration such as 90s, 30m or 1h');
  return Math.round(ms);
}
