import { describe, expect, it } from 'vitest';
import { cleanText } from './clean-text.js';
import type { PageRange } from './extracted-text.js';

const clean = (text: string): string => cleanText(text).text;

/** Joins page texts the way the PDF extractor does and returns them with their ranges. */
function paged(pages: string[]): { text: string; pages: PageRange[] } {
  const ranges: PageRange[] = [];
  let position = 0;
  pages.forEach((page, i) => {
    if (i > 0) position += 2;
    ranges.push({ page: i + 1, start: position, end: position + page.length });
    position += page.length;
  });
  return { text: pages.join('\n\n'), pages: ranges };
}

describe('cleanText, rule by rule', () => {
  it('applies Unicode NFKC: ligatures, full-width letters and no-break spaces become plain', () => {
    expect(clean('ﬁle ＡＢＣ１２３ a\u00a0b x\u2009y')).toBe('file ABC123 a b x y');
  });

  it('removes control characters but keeps tabs and line feeds', () => {
    expect(clean('a\u0000b\u0007c\u001bd\u0085e\tf\ng')).toBe('abcde\tf\ng');
  });

  it('removes invisible format characters but keeps the joiners emoji and some scripts need', () => {
    expect(clean('zero\u200bwidth \u202eevil\u202c bom\ufeff 👩\u200d💻 می\u200cخواهم')).toBe('zerowidth evil bom 👩\u200d💻 می\u200cخواهم');
  });

  it('replaces lone surrogates, which would break any later encoding', () => {
    expect(clean('bad \ud800 half')).toBe('bad \ufffd half');
  });

  it('unifies line breaks: CRLF, CR and Unicode separators become LF', () => {
    expect(clean('a\r\nb\rc\u2028d')).toBe('a\nb\nc\nd');
  });

  it('collapses whitespace runs and trims lines, keeping a run of tabs as one tab', () => {
    expect(clean('  lots   of \t space  \ncol1\t\tcol2  ')).toBe('lots of space\ncol1\tcol2');
  });

  it('leaves at most one blank line between paragraphs', () => {
    expect(clean('\n\none\n\n\n\n\ntwo\n \n\t\nthree\n\n')).toBe('one\n\ntwo\n\nthree');
  });

  it('rejoins words hyphenated across a line break, soft hyphens too, but not a hyphen before a capital', () => {
    expect(clean('infor-\nmation and twelve per\u00ad\ncent, Jean-\nPaul, e-\n mail')).toBe('information and twelve percent, Jean-\nPaul, email');
  });

  it('removes "Page 3 of 10" lines and the like, but not sentences that mention pages', () => {
    expect(clean('Intro\nPage 3 of 10\n- 4 -\n5/10\np. 6\nSee page 3 of the manual.')).toBe('Intro\nSee page 3 of the manual.');
  });

  it('removes running headers and footers repeated at the edges of many pages', () => {
    const input = paged(
      [1, 2, 3, 4].map((n) => `ACME Corp — Confidential\n\nSection ${n} body text.\nMore of section ${n}.\n\nReport 2024 · ${n}`),
    );
    const { text } = cleanText(input.text, input.pages);
    expect(text).not.toMatch(/ACME|Report 2024/);
    expect(text).toContain('Section 1 body text.\nMore of section 1.');
    expect(text).toContain('More of section 4.');
  });

  it('keeps the body of short pages (slides) even when its lines look alike', () => {
    const input = paged([1, 2, 3].map((n) => `Slide ${n}\nTopic ${n}`));
    expect(cleanText(input.text, input.pages).text).toBe('Slide 1\nTopic 1\n\nSlide 2\nTopic 2\n\nSlide 3\nTopic 3');
  });

  it('keeps a line repeated on few pages, or repeated in the middle of pages', () => {
    const pages = Array.from({ length: 10 }, (_, n) =>
      [`Chapter ${n + 1}`, 'a', 'b', 'c', 'Repeated body line', 'd', 'e', 'f', n < 2 ? 'Only twice at the bottom' : `end ${n + 1}`].join('\n'),
    );
    const input = paged(pages);
    const { text } = cleanText(input.text, input.pages);
    expect(text.match(/Repeated body line/g)).toHaveLength(10);
    expect(text.match(/Only twice at the bottom/g)).toHaveLength(2);
  });

  it('removes bare page numbers at page edges when most pages have one', () => {
    const input = paged(['Alpha text\nmore alpha\n1', 'Beta text\nmore beta\n2', 'Gamma text\nmore gamma\n3']);
    expect(cleanText(input.text, input.pages).text).toBe('Alpha text\nmore alpha\n\nBeta text\nmore beta\n\nGamma text\nmore gamma');
  });

  it('uses form feeds as page breaks when there are no page ranges', () => {
    const text = ['Header X\nalpha\nend', 'Header X\nbeta\nend', 'Header X\ngamma\nend'].join('\f');
    expect(cleanText(text)).toEqual({ text: 'alpha\n\nbeta\n\ngamma' });
  });
});

describe('cleanText page ranges', () => {
  it('returns ranges of the cleaned text that hold each page’s cleaned content', () => {
    const input = paged(['Head\n\n  First   page\u00a0text \n\nPage 1 of 3', 'Head\n\n\n\nSecond\u0000 page\n\nPage 2 of 3', 'Head\n\nThird ﬁnal\n\nPage 3 of 3']);
    const { text, pages } = cleanText(input.text, input.pages);
    expect(pages!.map((p) => text.slice(p.start, p.end))).toEqual(['First page text', 'Second page', 'Third final']);
    expect(pages!.map((p) => p.page)).toEqual([1, 2, 3]);
  });

  it('keeps a page that cleans to nothing as an empty range, so page numbers stay right', () => {
    const input = paged(['one', '\u0000 \n ', 'three']);
    const { text, pages } = cleanText(input.text, input.pages);
    expect(text).toBe('one\n\nthree');
    expect(pages).toEqual([
      { page: 1, start: 0, end: 3 },
      { page: 2, start: 3, end: 3 },
      { page: 3, start: 5, end: 10 },
    ]);
  });

  it('cleans several megabytes of text', () => {
    const input = 'A line of text with   spaces,\u00a0a ligature ﬁ and a hyphen-\nated word.\r\n'.repeat(60_000);
    const { text } = cleanText(input);
    expect(text.split('\n')).toHaveLength(60_000);
    expect(text.startsWith('A line of text with spaces, a ligature fi and a hyphenated word.\nA line')).toBe(true);
  });
});
