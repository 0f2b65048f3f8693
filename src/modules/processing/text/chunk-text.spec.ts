import { describe, expect, it } from 'vitest';
import { chunkText, type ChunkOptions, type TextChunk } from './chunk-text.js';
import type { PageRange } from './extracted-text.js';
import { approximateTokenCounter, type TokenCounter } from './token-counter.js';

const WORDS = ['boiler', 'radiator', 'valve', 'pressure', 'the', 'a', 'service', 'autumn', 'technician', 'of', 'and', 'key', 'water'];

/** Deterministic prose: `paragraphs` paragraphs of `sentences` sentences of `words` words. */
function prose(paragraphs: number, sentences: number, words: number, seed = 1): string {
  let state = seed;
  const next = (): string => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return WORDS[state % WORDS.length]!;
  };
  const sentence = (): string => Array.from({ length: words }, next).join(' ') + '.';
  return Array.from({ length: paragraphs }, () => Array.from({ length: sentences }, sentence).join(' ')).join('\n\n');
}

/** A counter that records how much text it was asked to count. */
function metered(inner: TokenCounter = approximateTokenCounter): TokenCounter & { chars: number; calls: number } {
  return {
    chars: 0,
    calls: 0,
    countTokens(text: string): number {
      this.chars += text.length;
      this.calls++;
      return inner.countTokens(text);
    },
  };
}

/** Every invariant a chunking must keep, as a list of violations (empty when all hold). */
function violations(text: string, chunks: TextChunk[], options: Pick<ChunkOptions, 'chunkTokens' | 'counter'>): string[] {
  const found: string[] = [];
  if (chunks.length === 0) return ['no chunks'];
  if (chunks[0]!.start !== 0) found.push('first chunk does not start at 0');
  if (chunks[chunks.length - 1]!.end !== text.length) found.push('last chunk does not end at the end of the text');
  chunks.forEach((chunk, i) => {
    if (chunk.index !== i) found.push(`chunk ${i}: index ${chunk.index}`);
    if (text.slice(chunk.start, chunk.end) !== chunk.text) found.push(`chunk ${i}: text is not text.slice(start, end)`);
    if (chunk.tokenCount !== options.counter.countTokens(chunk.text)) found.push(`chunk ${i}: tokenCount is not the counter's count`);
    if (chunk.tokenCount > options.chunkTokens) found.push(`chunk ${i}: ${chunk.tokenCount} tokens > ${options.chunkTokens}`);
    const previous = chunks[i - 1];
    if (previous && chunk.start > previous.end) found.push(`chunk ${i}: gap after chunk ${i - 1} (coverage)`);
    if (previous && (chunk.start <= previous.start || chunk.end <= previous.end)) found.push(`chunk ${i}: does not advance`);
  });
  return found;
}

describe('chunkText invariants', () => {
  const options = { chunkTokens: 64, overlapTokens: 8, counter: approximateTokenCounter };

  it('returns no chunk for empty or blank text', () => {
    expect(chunkText('', options)).toEqual([]);
    expect(chunkText(' \n\n\t', options)).toEqual([]);
  });

  it('returns a short text as one chunk', () => {
    expect(chunkText('Just a few words.', options)).toEqual([{ index: 0, text: 'Just a few words.', start: 0, end: 17, tokenCount: 6 }]);
  });

  it('covers the text with chunks whose offsets point at their text and whose sizes fit', () => {
    const text = prose(40, 5, 12);
    const chunks = chunkText(text, options);
    expect(chunks.length).toBeGreaterThan(40);
    expect(violations(text, chunks, options)).toEqual([]);
  });

  it('repeats about overlapTokens tokens of each chunk at the start of the next, starting on a word', () => {
    const text = prose(20, 6, 10);
    const chunks = chunkText(text, options);
    const overlaps = chunks.slice(1).map((chunk, i) => approximateTokenCounter.countTokens(text.slice(chunk.start, chunks[i]!.end)));
    expect(overlaps.every((tokens) => tokens >= 1 && tokens <= options.overlapTokens)).toBe(true);
    expect(overlaps.reduce((a, b) => a + b, 0) / overlaps.length).toBeGreaterThanOrEqual(options.overlapTokens / 2);
    expect(chunks.slice(1).every((chunk) => /\s/.test(text[chunk.start - 1]!) && /\S/.test(text[chunk.start]!))).toBe(true);
  });

  it('tiles the text exactly without overlap when overlapTokens is 0', () => {
    const text = prose(10, 4, 10);
    const chunks = chunkText(text, { ...options, overlapTokens: 0 });
    expect(chunks.slice(1).every((chunk, i) => chunk.start === chunks[i]!.end)).toBe(true);
    expect(chunks.map((c) => c.text).join('')).toBe(text);
  });

  it('is deterministic', () => {
    const text = prose(15, 5, 9, 7);
    expect(chunkText(text, options)).toEqual(chunkText(text, options));
  });

  it('keeps every chunk within chunkTokens of a counter that adds special tokens', () => {
    const bertLike = { countTokens: (t: string) => approximateTokenCounter.countTokens(t) + 2 };
    const text = prose(20, 5, 11);
    const chunks = chunkText(text, { ...options, counter: bertLike });
    expect(violations(text, chunks, { chunkTokens: 64, counter: bertLike })).toEqual([]);
    expect(Math.max(...chunks.map((c) => c.tokenCount))).toBeGreaterThan(50);
  });

  it('keeps every chunk within chunkTokens of a counter that is not additive over words', () => {
    const byChars = { countTokens: (t: string) => Math.ceil(t.length / 3) };
    const text = prose(10, 5, 11);
    expect(violations(text, chunkText(text, { ...options, counter: byChars }), { chunkTokens: 64, counter: byChars })).toEqual([]);
  });

  it('rejects impossible options', () => {
    expect(() => chunkText('x', { ...options, overlapTokens: 64 })).toThrow(RangeError);
    expect(() => chunkText('x', { ...options, chunkTokens: 0 })).toThrow(RangeError);
    expect(() => chunkText('x', { ...options, counter: { countTokens: (t) => t.length + 64 } })).toThrow(/special tokens/);
  });
});

describe('chunkText boundaries', () => {
  const noOverlap = { chunkTokens: 64, overlapTokens: 0, counter: approximateTokenCounter };

  it('ends chunks at paragraph breaks when paragraphs fit', () => {
    const text = prose(30, 2, 9);
    const chunks = chunkText(text, noOverlap);
    expect(chunks.slice(0, -1).every((c) => c.text.endsWith('.\n\n'))).toBe(true);
  });

  it('ends chunks at sentence ends inside a paragraph too long for one chunk', () => {
    const text = prose(1, 60, 9);
    const chunks = chunkText(text, noOverlap);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.slice(0, -1).every((c) => c.text.endsWith('. '))).toBe(true);
  });

  it('ends chunks between words when there are no sentences, never inside a word', () => {
    const text = prose(1, 1, 2000).replace('.', '');
    const chunks = chunkText(text, { ...noOverlap, overlapTokens: 8 });
    expect(violations(text, chunks, noOverlap)).toEqual([]);
    expect(chunks.slice(0, -1).every((c) => c.text.endsWith(' '))).toBe(true);
    expect(chunks.slice(1).every((c) => text[c.start - 1] === ' ')).toBe(true);
  });

  it('cuts Chinese text, which has no spaces, at its full stops', () => {
    const text = '今天天气很好我们去公园散步看到很多花。'.repeat(40);
    const byChar = { countTokens: (t: string) => [...t].length };
    const chunks = chunkText(text, { chunkTokens: 64, overlapTokens: 0, counter: byChar });
    expect(violations(text, chunks, { chunkTokens: 64, counter: byChar })).toEqual([]);
    expect(chunks.slice(0, -1).every((c) => c.text.endsWith('。'))).toBe(true);
  });
});

describe('chunkText on pathological input', () => {
  it('hard-splits one 50 MB line without spaces, with overlap, counting each character a few times only', () => {
    const text = 'abcdefghij'.repeat(5_000_000);
    const counter = metered();
    const chunks = chunkText(text, { chunkTokens: 256, overlapTokens: 32, counter });
    expect(violations(text, chunks, { chunkTokens: 256, counter: approximateTokenCounter })).toEqual([]);
    expect(chunks.length).toBeGreaterThan(text.length / 1024);
    expect(chunks.slice(1).every((chunk, i) => chunk.start < chunks[i]!.end)).toBe(true);
    expect(counter.chars).toBeLessThan(6 * text.length);
  });

  it('bounds chunks in characters too, so a megabyte of whitespace does not become one chunk', () => {
    const text = `alpha ${' '.repeat(1_000_000)}omega`;
    const chunks = chunkText(text, { chunkTokens: 64, overlapTokens: 8, counter: approximateTokenCounter });
    expect(violations(text, chunks, { chunkTokens: 64, counter: approximateTokenCounter })).toEqual([]);
    expect(Math.max(...chunks.map((c) => c.text.length))).toBeLessThanOrEqual(64 * 32 + 1024);
    expect(chunks.length).toBeLessThan(2000);
  });

  it('never splits a surrogate pair when cutting a line of emoji', () => {
    const text = '😀'.repeat(20_000);
    const perCodePoint = { countTokens: (t: string) => [...t].length };
    const chunks = chunkText(text, { chunkTokens: 100, overlapTokens: 10, counter: perCodePoint });
    expect(violations(text, chunks, { chunkTokens: 100, counter: perCodePoint })).toEqual([]);
    expect(chunks.some((c) => /\p{Cs}/u.test(c.text))).toBe(false);
  });

  it('stays linear on several megabytes: each character is counted a bounded number of times', () => {
    const text = prose(3500, 8, 25);
    expect(text.length).toBeGreaterThan(4_000_000);
    const counter = metered();
    const chunks = chunkText(text, { chunkTokens: 256, overlapTokens: 32, counter });
    expect(violations(text, chunks, { chunkTokens: 256, counter: approximateTokenCounter })).toEqual([]);
    expect(counter.chars).toBeLessThan(6 * text.length);
    expect(counter.calls).toBeLessThan(text.length / 50);
  });
});

describe('chunkText with pages', () => {
  it('gives each chunk the first and last page its text falls on', () => {
    const pageTexts = [prose(3, 3, 10, 1), prose(2, 4, 10, 2), prose(4, 2, 10, 3)];
    const pages: PageRange[] = [];
    let position = 0;
    pageTexts.forEach((page, i) => {
      if (i > 0) position += 2;
      pages.push({ page: i + 1, start: position, end: position + page.length });
      position += page.length;
    });
    const text = pageTexts.join('\n\n');
    const chunks = chunkText(text, { chunkTokens: 48, overlapTokens: 6, counter: approximateTokenCounter, pages });
    for (const chunk of chunks) {
      const touched = pages.filter((p) => p.start < chunk.end && p.end > chunk.start).map((p) => p.page);
      expect([chunk.pageStart, chunk.pageEnd]).toEqual([Math.min(...touched), Math.max(...touched)]);
    }
    expect(chunks.some((c) => c.pageStart! < c.pageEnd!)).toBe(true);
    expect(new Set(chunks.map((c) => c.pageStart))).toEqual(new Set([1, 2, 3]));
  });

  it('leaves pages out when none are given', () => {
    expect(chunkText('Some words here.', { chunkTokens: 16, overlapTokens: 2, counter: approximateTokenCounter })[0]).not.toHaveProperty('pageStart');
  });
});
