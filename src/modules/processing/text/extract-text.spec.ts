import { describe, expect, it } from 'vitest';
import { EmptyDocumentError, UnsupportedMediaTypeError } from '../../../contracts/errors.js';
import { extractText } from './extract-text.js';
import { DEFAULT_LIMITS, fixture } from './testing/fixtures.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const withMaxChars = (maxDocumentChars: number) => ({ ...DEFAULT_LIMITS, maxDocumentChars });

describe('extractText for plain text', () => {
  it('keeps the text as it is, without pages or title', async () => {
    const extracted = await extractText(fixture('notes.txt'), 'text', DEFAULT_LIMITS);
    expect(extracted.text).toBe(Buffer.from(fixture('notes.txt')).toString('utf8'));
    expect(extracted).toMatchObject({ truncated: false, warnings: [] });
    expect(extracted.pages).toBeUndefined();
  });

  it('drops a UTF-8 byte-order mark and decodes UTF-16', async () => {
    const bom = await extractText(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('héllo')]), 'text', DEFAULT_LIMITS);
    const utf16 = await extractText(new Uint8Array([0xff, 0xfe, ...Buffer.from('héllo wörld', 'utf16le')]), 'text', DEFAULT_LIMITS);
    expect(bom.text).toBe('héllo');
    expect(utf16.text).toBe('héllo wörld');
  });

  it('reads non-UTF-8 bytes as Windows-1252 and says so', async () => {
    const extracted = await extractText(new Uint8Array([...utf8('Caf'), 0xe9, ...utf8(' cr'), 0xe8, ...utf8('me')]), 'text', DEFAULT_LIMITS);
    expect(extracted.text).toBe('Café crème');
    expect(extracted.warnings).toEqual([expect.stringMatching(/Windows-1252/)]);
  });

  it('replaces a few broken bytes in UTF-8 text instead of misreading it all', async () => {
    const extracted = await extractText(new Uint8Array([...utf8('déjà vu, ça va, où, è '), 0xff, ...utf8(' fin')]), 'text', DEFAULT_LIMITS);
    expect(extracted.text).toBe('déjà vu, ça va, où, è \uFFFD fin');
    expect(extracted.warnings).toEqual([expect.stringMatching(/1 invalid UTF-8/)]);
  });

  it('cuts at maxDocumentChars, says so, and never splits a surrogate pair', async () => {
    const extracted = await extractText(utf8(`${'a'.repeat(999)}😀${'b'.repeat(5000)}`), 'text', withMaxChars(1000));
    expect(extracted.text).toBe('a'.repeat(999));
    expect(extracted.truncated).toBe(true);
    expect(extracted.warnings).toEqual([expect.stringMatching(/cut at 1000 characters/)]);
  });

  it('keeps only the allowed part of a 50 MB line', async () => {
    const huge = new Uint8Array(50 * 1024 * 1024).fill(0x61);
    const extracted = await extractText(huge, 'text', withMaxChars(10_000));
    expect(extracted.text.length).toBe(10_000);
    expect(extracted.truncated).toBe(true);
  });

  it('refuses binary content even when called with type text', async () => {
    await expect(extractText(fixture('binary.bin'), 'text', DEFAULT_LIMITS)).rejects.toThrow(UnsupportedMediaTypeError);
  });
});

describe('extractText for Markdown', () => {
  it('gives readable text without syntax noise, and the title from the front matter', async () => {
    const { text, title, truncated } = await extractText(fixture('garden.md'), 'markdown', DEFAULT_LIMITS);
    expect(title).toBe('Garden journal');
    expect(truncated).toBe(false);
    expect(text).toContain('Notes from the vegetable garden, kept week by week.');
    expect(text).toContain('seed catalogue for varieties');
    expect(text).toMatch(/^Spring$/m);
    expect(text).toMatch(/^- Sowed carrots and radishes in the raised beds\.$/m);
    expect(text).toMatch(/^ {2}1\. Moneymaker$/m);
    expect(text).toContain('water: 2 l per plant');
    expect(text).toMatch(/^Crop +\| Sown\nCarrots +\| March$/m);
    expect(text).toContain('A photo of the beds');
    expect(text).not.toMatch(/tags:|https:|\*\*|```|#|\|---|private note|beds\.jpg/);
  });
});

describe('extractText for HTML', () => {
  it('keeps the article and drops page chrome, scripts, styles, forms and hidden elements', async () => {
    const { text, title } = await extractText(fixture('manual.html'), 'html', DEFAULT_LIMITS);
    expect(title).toBe('Boiler manual – Home maintenance');
    expect(text).toContain('Bleed the radiators every autumn with the brass key. Turn the key a quarter turn & wait for water.');
    expect(text).toContain('between 1 and 1.5 bar');
    for (const absent of ['Home', 'About', 'Products', 'tracking-code', 'alert', 'font-family', 'SECRET-10', 'upsell', 'premium', 'Search the site', 'Privacy', '©']) {
      expect(text).not.toContain(absent);
    }
  });

  it('puts headings, paragraphs, list items and table cells on lines of their own', async () => {
    const { text } = await extractText(fixture('manual.html'), 'html', DEFAULT_LIMITS);
    expect(text.split('\n')).toEqual(
      expect.arrayContaining(['Boiler manual', 'Pressure', '- Check the gauge monthly.', '- Top up through the filling loop.', 'Part', 'Interval', 'Pressure valve', '5 years']),
    );
    expect(text).toMatch(/Boiler manual\n\nBleed/);
  });

  it('reads a page in its declared legacy charset when it is not UTF-8', async () => {
    const cp1251 = [0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]; // "Привет"
    const page = new Uint8Array([...utf8('<html><head><meta charset="windows-1251"></head><body><p>'), ...cp1251, ...utf8('</p></body></html>')]);
    const extracted = await extractText(page, 'html', DEFAULT_LIMITS);
    expect(extracted.text).toBe('Привет');
    expect(extracted.warnings).toEqual([expect.stringMatching(/windows-1251/)]);
  });

  it('cuts the text at maxDocumentChars', async () => {
    const page = `<html><body>${'<p>Twenty characters.</p>'.repeat(500)}</body></html>`;
    const extracted = await extractText(utf8(page), 'html', withMaxChars(1000));
    expect(extracted.text.length).toBe(1000);
    expect(extracted.truncated).toBe(true);
  });

  it('fails as empty when nothing is left once the markup is gone', async () => {
    const page = utf8('<html><head><title>T</title><script>var a = 1;</script></head><body><nav>menu</nav></body></html>');
    await expect(extractText(page, 'html', DEFAULT_LIMITS)).rejects.toThrow(EmptyDocumentError);
  });
});
