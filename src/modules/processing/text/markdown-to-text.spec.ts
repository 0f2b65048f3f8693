import { describe, expect, it } from 'vitest';
import { markdownToText } from './markdown-to-text.js';

const lines = (markdown: string): string[] => markdownToText(markdown).text.split('\n').filter((line) => line !== '');

describe('markdownToText', () => {
  it('keeps heading text on its own line, without markers, and takes the first # heading as title', () => {
    const result = markdownToText('## Intro ##\ntext\n# Main title\nmore');
    expect(result.title).toBe('Main title');
    expect(lines('## Intro ##\ntext')).toEqual(['Intro', 'text']);
  });

  it('reads setext headings and drops their underline', () => {
    const result = markdownToText('Big title\n=========\n\nSmall title\n-----------\nbody');
    expect(result.title).toBe('Big title');
    expect(result.text.split('\n').filter(Boolean)).toEqual(['Big title', 'Small title', 'body']);
  });

  it('removes front matter and takes its quoted title', () => {
    const result = markdownToText('---\ntitle: "Trip notes"\ndate: 2024-05-01\n---\n# Day one\nWe left early.');
    expect(result.title).toBe('Trip notes');
    expect(result.text).not.toContain('date:');
    expect(result.text).toContain('We left early.');
  });

  it('keeps fenced code without its fences, and does not read # inside code as a heading', () => {
    expect(lines('```bash\n# install\nnpm ci\n```\nafter')).toEqual(['# install', 'npm ci', 'after']);
  });

  it('reduces links and images to their text and removes reference definitions', () => {
    expect(lines('See [the docs](https://x.example/a "A") and ![a cat](cat.png) or [ref][1].\n\n[1]: https://y.example')).toEqual([
      'See the docs and a cat or ref.',
    ]);
  });

  it('removes emphasis, code spans and escapes, but leaves snake_case words and arithmetic alone', () => {
    expect(lines('**Bold**, *it*, _em_, ~~old~~, `code`, \\*literal\\*, snake_case_name, 2 * 3 = 6')).toEqual([
      'Bold, it, em, old, code, *literal*, snake_case_name, 2 * 3 = 6',
    ]);
  });

  it('normalises list bullets, keeps numbers, drops task boxes and quote markers', () => {
    expect(lines('* one\n+ two\n- [x] done\n3. three\n> quoted\n> > nested')).toEqual(['- one', '- two', '- done', '3. three', 'quoted', 'nested']);
  });

  it('keeps table cells without the delimiter row or outer pipes', () => {
    expect(lines('| a | b |\n|---|:-:|\n| 1 | 2 |')).toEqual(['a | b', '1 | 2']);
  });

  it('removes HTML comments, even across lines, and inline tags', () => {
    expect(lines('before <!-- a --> after\nx <!-- open\nhidden\nclose --> y\n<span class="k">kept</span><br/>')).toEqual([
      'before  after',
      'x ',
      ' y',
      'kept',
    ]);
  });

  it('stays linear on a pathological line of unclosed brackets, backticks and comment openers', () => {
    const line = '[!['.repeat(200_000) + '`'.repeat(100_000) + '<!--<a '.repeat(100_000);
    const { text } = markdownToText(line);
    expect(text.startsWith('[!['.repeat(10))).toBe(true);
    expect(text).not.toContain('`');
  });
});
