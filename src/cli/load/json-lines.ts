import { readFileSync } from 'node:fs';

/** A line of a JSON-lines file that cannot be used, and why. */
export interface LineProblem {
  line: number;
  message: string;
}

/** The usable items of a file, each with its line number, and the problems of the others. */
export interface ParsedLines<T> {
  items: { line: number; value: T }[];
  problems: LineProblem[];
}

/** Problems shown in an error message; the rest are counted. */
const PROBLEMS_SHOWN = 20;

/** A file with bad lines: the message lists them (the first 20) with their line numbers. */
export class InvalidFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: LineProblem[],
    summary = `${problems.length} bad line${problems.length === 1 ? '' : 's'}`,
  ) {
    const shown = problems.slice(0, PROBLEMS_SHOWN).map((p) => `\n  line ${p.line}: ${p.message}`);
    const more = problems.length > PROBLEMS_SHOWN ? `\n  … and ${problems.length - PROBLEMS_SHOWN} more` : '';
    super(`${file}: ${summary}${shown.join('')}${more}`);
    this.name = 'InvalidFileError';
  }
}

/**
 * One JSON object per line; blank lines and lines starting with `#` are skipped. `check` turns an
 * object into an item, or throws saying what is wrong with it.
 */
export function parseJsonLines<T>(text: string, check: (value: object) => T): ParsedLines<T> {
  const parsed: ParsedLines<T> = { items: [], problems: [] };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#')) return;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (err) {
      parsed.problems.push({ line, message: `not JSON (${(err as Error).message})` });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      parsed.problems.push({ line, message: 'must be a JSON object, e.g. {"question": "…"}' });
      return;
    }
    try {
      parsed.items.push({ line, value: check(value) });
    } catch (err) {
      parsed.problems.push({ line, message: (err as Error).message });
    }
  });
  return parsed;
}

/** Throws "question is missing" (etc.) when a required field is absent, clearer than "must be a string". */
export function requireFields(value: object, fields: readonly string[]): void {
  const missing = fields.filter((field) => !(field in value));
  if (missing.length > 0) throw new Error(missing.map((field) => `${field} is missing`).join('; '));
}

/** The text of a file, with a message that names it when it cannot be read. */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${path}: no such file`, { cause: err });
    if (code === 'EISDIR') throw new Error(`${path}: is a folder, not a file`, { cause: err });
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
}
