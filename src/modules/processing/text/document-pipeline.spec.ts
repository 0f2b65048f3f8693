import { describe, expect, it } from 'vitest';
import { chunkText } from './chunk-text.js';
import { cleanText } from './clean-text.js';
import { detectDocumentType } from './detect-document-type.js';
import { extractText } from './extract-text.js';
import { DEFAULT_LIMITS, fixture } from './testing/fixtures.js';
import { approximateTokenCounter } from './token-counter.js';

// The building blocks in the order the ingestion job calls them, on every readable fixture.
describe('detect → extract → clean → chunk', { timeout: 30_000 }, () => {
  it.each([
    ['notes.txt', 'text', undefined, 'brass key kept in the kitchen drawer'],
    ['garden.md', 'markdown', 'Garden journal', 'Planted tomatoes in the greenhouse.'],
    ['manual.html', 'html', 'Boiler manual – Home maintenance', 'Bleed the radiators every autumn'],
    ['report.pdf', 'pdf', 'Boiler Maintenance Report', 'Efficiency improved by twelve percent after the service.'],
  ])('%s: type %s, title, cleaned text and chunks that cite it', async (name, type, title, sentence) => {
    const bytes = fixture(name);
    const detected = detectDocumentType(bytes, { filename: name });
    const extracted = await extractText(bytes, detected, DEFAULT_LIMITS);
    const cleaned = cleanText(extracted.text, extracted.pages);
    const options = { chunkTokens: 32, overlapTokens: 6, counter: approximateTokenCounter, pages: cleaned.pages };
    const chunks = chunkText(cleaned.text, options);

    expect(detected).toBe(type);
    expect(extracted.title).toBe(title);
    expect(cleaned.text).toContain(sentence);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => cleaned.text.slice(c.start, c.end) === c.text && c.tokenCount <= 32)).toBe(true);
    expect(chunks[chunks.length - 1]!.end).toBe(cleaned.text.length);
  });

  it('cites the right PDF page for each chunk, with headers, footers and page numbers gone', async () => {
    const extracted = await extractText(fixture('report.pdf'), 'pdf', DEFAULT_LIMITS);
    const cleaned = cleanText(extracted.text, extracted.pages);
    const chunks = chunkText(cleaned.text, { chunkTokens: 32, overlapTokens: 0, counter: approximateTokenCounter, pages: cleaned.pages });
    expect(cleaned.text).not.toMatch(/ACME Research|Page \d of 3/);
    const pageOf = (words: string) => chunks.find((c) => c.text.includes(words));
    expect(pageOf('Dupont Heating')).toMatchObject({ pageStart: 1, pageEnd: 1 });
    expect(pageOf('thermostats recalibrated')).toMatchObject({ pageStart: 2, pageEnd: 2 });
    expect(pageOf('stored in the basement')).toMatchObject({ pageStart: 3, pageEnd: 3 });
  });
});
