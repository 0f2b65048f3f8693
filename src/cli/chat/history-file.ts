import { appendFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Lines kept in the history file; older ones are dropped when it grows past this. */
export const HISTORY_MAX_LINES = 1000;

/**
 * The chat history on disk: one entry per line, oldest first, readable by its owner only.
 * Entries are appended as they are made, so that a crash loses nothing and two sessions at once
 * both keep theirs; past `maxLines` the file is rewritten with the newest ones.
 */
export class HistoryFile {
  private lines = 0;
  private last: string | undefined;
  private secured = false;

  constructor(
    readonly path: string,
    private readonly maxLines = HISTORY_MAX_LINES,
  ) {}

  /** The stored entries, newest first (the order readline's `history` option wants). */
  load(): string[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries = text.split('\n').filter((line) => line.trim() !== '');
    this.lines = entries.length;
    this.last = entries.at(-1);
    return entries.slice(-this.maxLines).reverse();
  }

  /** Adds an entry unless it is blank or repeats the previous one (as readline's own history does). */
  append(entry: string): void {
    // A pasted line break would split the entry into two on reload.
    const line = entry.replace(/[\r\n]+/g, ' ');
    if (line.trim() === '' || line === this.last) return;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    appendFileSync(this.path, `${line}\n`, { mode: 0o600 });
    if (!this.secured) {
      // `mode` applies only when the file is created; an older file may have been readable by others.
      chmodSync(this.path, 0o600);
      this.secured = true;
    }
    this.last = line;
    if (++this.lines > this.maxLines) this.compact();
  }

  private compact(): void {
    const kept = readFileSync(this.path, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-this.maxLines);
    writeFileSync(this.path, kept.map((l) => `${l}\n`).join(''), { mode: 0o600 });
    this.lines = kept.length;
  }
}
