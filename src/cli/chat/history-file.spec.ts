import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryFile } from './history-file.js';

describe('HistoryFile', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tars-history-'));
    path = join(dir, 'state', 'tars', 'chat_history');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lines = () => readFileSync(path, 'utf8').split('\n').slice(0, -1);

  it('loads nothing when the file does not exist yet', () => {
    expect(new HistoryFile(path).load()).toEqual([]);
  });

  it('creates its folder and an owner-only file on the first entry', () => {
    new HistoryFile(path).append('first question');
    expect(lines()).toEqual(['first question']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('makes an existing file readable by its owner only', () => {
    const other = join(dir, 'open_history');
    writeFileSync(other, 'old\n', { mode: 0o644 });
    new HistoryFile(other).append('new');
    expect(statSync(other).mode & 0o777).toBe(0o600);
  });

  it('gives a later session the entries newest first', () => {
    const first = new HistoryFile(path);
    first.load();
    for (const entry of ['one', 'two', 'three']) first.append(entry);
    expect(new HistoryFile(path).load()).toEqual(['three', 'two', 'one']);
  });

  it('skips blank entries and an entry that repeats the previous one, also across sessions', () => {
    const first = new HistoryFile(path);
    first.append('same');
    first.append('same');
    first.append('   ');
    const second = new HistoryFile(path);
    second.load();
    second.append('same');
    second.append('other');
    second.append('same');
    expect(lines()).toEqual(['same', 'other', 'same']);
  });

  it('keeps a multi-line entry on one line', () => {
    new HistoryFile(path).append('line one\nline two\r\nthree');
    expect(new HistoryFile(path).load()).toEqual(['line one line two three']);
  });

  it('never holds more than its cap: the oldest entries go first', () => {
    const history = new HistoryFile(path, 5);
    history.load();
    for (let i = 1; i <= 12; i++) history.append(`q${i}`);
    expect(lines()).toEqual(['q8', 'q9', 'q10', 'q11', 'q12']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(new HistoryFile(path, 5).load()).toEqual(['q12', 'q11', 'q10', 'q9', 'q8']);
  });

  it('loads only the newest entries of a file that is longer than its cap', () => {
    writeFileSync(join(dir, 'long'), Array.from({ length: 8 }, (_, i) => `e${i}\n`).join(''));
    expect(new HistoryFile(join(dir, 'long'), 3).load()).toEqual(['e7', 'e6', 'e5']);
  });
});
