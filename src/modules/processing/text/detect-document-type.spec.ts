import { describe, expect, it } from 'vitest';
import { EmptyDocumentError, UnsupportedMediaTypeError } from '../../../contracts/errors.js';
import { detectDocumentType } from './detect-document-type.js';
import { fixture } from './testing/fixtures.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const bytes = (...parts: Array<number[] | string>): Uint8Array =>
  new Uint8Array(parts.flatMap((part) => (typeof part === 'string' ? [...Buffer.from(part, 'latin1')] : part)));

function refusal(run: () => unknown): UnsupportedMediaTypeError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UnsupportedMediaTypeError);
    return err as UnsupportedMediaTypeError;
  }
  throw new Error('expected UnsupportedMediaTypeError, nothing was thrown');
}

describe('detectDocumentType on the fixtures', () => {
  it.each([
    ['notes.txt', 'text'],
    ['garden.md', 'markdown'],
    ['manual.html', 'html'],
    ['report.pdf', 'pdf'],
    ['truncated.pdf', 'pdf'],
    ['encrypted.pdf', 'pdf'],
  ] as const)('reads %s as %s, with or without its name', (name, type) => {
    expect(detectDocumentType(fixture(name), { filename: name })).toBe(type);
    expect(detectDocumentType(fixture(name))).toBe(type);
  });

  it('refuses binary data with 415 and says it is binary', () => {
    const err = refusal(() => detectDocumentType(fixture('binary.bin'), { filename: 'data.txt' }));
    expect(err.code).toBe('unsupported_media_type');
    expect(err.details).toEqual({ detected: 'binary' });
    expect(err.message).toMatch(/binary/);
  });

  it('refuses an image by its magic bytes, whatever its name says', () => {
    const err = refusal(() => detectDocumentType(fixture('image.png'), { filename: 'photo.txt', mimeType: 'text/plain' }));
    expect(err.details).toEqual({ detected: 'png' });
    expect(err.message).toMatch(/PNG image/);
  });
});

describe('detectDocumentType trusts content over names', () => {
  it('finds a PDF named .txt, and a text named .pdf', () => {
    expect(detectDocumentType(fixture('report.pdf'), { filename: 'notes.txt', mimeType: 'text/plain' })).toBe('pdf');
    expect(detectDocumentType(fixture('notes.txt'), { filename: 'report.pdf', mimeType: 'application/pdf' })).toBe('text');
  });

  it('finds HTML named .txt and a PDF header after leading junk', () => {
    expect(detectDocumentType(fixture('manual.html'), { filename: 'manual.txt' })).toBe('html');
    expect(detectDocumentType(bytes('garbage line\n', '%PDF-1.7\n...'))).toBe('pdf');
  });

  it('reads an HTML fragment without doctype as HTML', () => {
    expect(detectDocumentType(utf8('<p>Hello <b>there</b></p>\n<p>Second paragraph</p>'))).toBe('html');
  });

  it('reads prose that mentions a tag as text', () => {
    expect(detectDocumentType(utf8('Use the <div> element to group content.\nThat is all.'))).toBe('text');
  });

  it('reads a README that opens with inline HTML as Markdown', () => {
    const readme = '<p align="center"><img src="logo.png"></p>\n\n# Project\n\nSee [the docs](https://example.org).\n\n- one\n- two\n';
    expect(detectDocumentType(utf8(readme))).toBe('markdown');
  });

  it.each([
    ['a zip archive', bytes([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0], 'notes/readme.txt'), 'zip'],
    ['a Word document', bytes([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0], 'word/document.xml'), 'docx'],
    ['a legacy Office file', bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), 'ole2'],
    ['an ELF executable', bytes([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), 'elf'],
    ['a gzip archive', bytes([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), 'gzip'],
    ['a JPEG image', bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF'), 'jpeg'],
    ['an SVG image', utf8('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><title>x</title></svg>'), 'svg'],
    ['UTF-32 text', bytes([0xff, 0xfe, 0, 0, 0x41, 0, 0, 0]), 'utf-32'],
  ])('refuses %s', (_, content, detected) => {
    expect(refusal(() => detectDocumentType(content, { filename: 'x.txt' })).details).toEqual({ detected });
  });

  it('refuses binary data that starts like text', () => {
    const noise = new Uint8Array(4096).map((_, i) => (i * 7919) % 256);
    expect(refusal(() => detectDocumentType(new Uint8Array([...utf8('Header line\n'), ...noise]))).details).toEqual({ detected: 'binary' });
  });

  it('does not mistake a text beginning with "RIFF" or "The ftyp" for media', () => {
    expect(detectDocumentType(utf8('RIFF is a container format. Convert WEBP images with care.'))).toBe('text');
    expect(detectDocumentType(utf8('The ftyp box opens an MP4 file.'))).toBe('text');
  });
});

describe('detectDocumentType tells Markdown from plain text', () => {
  const listOnly = '- milk\n- eggs\n- flour\n';
  const twoKinds = 'Shopping\n\n- milk\n- eggs\n\nSee [the shop](https://shop.example).\n';
  const manyKinds = '# Title\n\nSome **bold** text and `code`.\n\n- one\n- two\n\n[link](https://x.example)\n';

  it('calls a text with two kinds of Markdown syntax Markdown, one kind plain text', () => {
    expect(detectDocumentType(utf8(twoKinds))).toBe('markdown');
    expect(detectDocumentType(utf8(listOnly))).toBe('text');
  });

  it('lets the name break the tie: .md or text/markdown makes it Markdown, .txt needs clear syntax', () => {
    expect(detectDocumentType(utf8(listOnly), { filename: 'list.md' })).toBe('markdown');
    expect(detectDocumentType(utf8(listOnly), { mimeType: 'text/markdown; charset=utf-8' })).toBe('markdown');
    expect(detectDocumentType(utf8(twoKinds), { filename: 'list.txt' })).toBe('text');
    expect(detectDocumentType(utf8(manyKinds), { filename: 'notes.txt' })).toBe('markdown');
  });

  it('ignores a file extension that happens to be an Object property name', () => {
    expect(detectDocumentType(utf8('plain words'), { filename: 'x.constructor' })).toBe('text');
  });
});

describe('detectDocumentType with encodings', () => {
  it('reads past a UTF-8 byte-order mark', () => {
    expect(detectDocumentType(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('# Title\n\nSee [x](https://x.example) and **this**.')]))).toBe(
      'markdown',
    );
  });

  it('reads UTF-16 with a byte-order mark, little and big endian', () => {
    const le = new Uint8Array([0xff, 0xfe, ...Buffer.from('<!DOCTYPE html><html><body><p>Hi</p></body></html>', 'utf16le')]);
    const be = new Uint8Array([0xfe, 0xff, ...Buffer.from('Plain words here.', 'utf16le').swap16()]);
    expect(detectDocumentType(le)).toBe('html');
    expect(detectDocumentType(be)).toBe('text');
  });

  it('refuses UTF-16 without a byte-order mark, saying so', () => {
    const err = refusal(() => detectDocumentType(new Uint8Array(Buffer.from('Plain words in UTF-16 without a mark.', 'utf16le'))));
    expect(err.details).toEqual({ detected: 'utf-16-without-bom' });
    expect(err.message).toMatch(/UTF-16/);
  });

  it('accepts legacy 8-bit text (Latin-1 accents are not UTF-8)', () => {
    expect(detectDocumentType(bytes('Caf', [0xe9], ' cr', [0xe8], 'me br', [0xfb], 'l', [0xe9], 'e'))).toBe('text');
  });
});

describe('detectDocumentType on pathological content', () => {
  it('reads one 50 MB line as text', () => {
    expect(detectDocumentType(new Uint8Array(50 * 1024 * 1024).fill(0x61))).toBe('text');
  });

  it('refuses a megabyte of random noise', () => {
    let state = 7;
    const noise = new Uint8Array(1024 * 1024).map(() => (state = (state * 1103515245 + 12345) % 2 ** 31) >>> 23);
    expect(refusal(() => detectDocumentType(noise)).details).toEqual({ detected: 'binary' });
  });
});

describe('detectDocumentType on empty content', () => {
  it.each([
    ['no bytes', new Uint8Array(0)],
    ['only whitespace', utf8('  \n\t \r\n ')],
    ['only a byte-order mark', new Uint8Array([0xef, 0xbb, 0xbf])],
    ['a UTF-16 byte-order mark and spaces', new Uint8Array([0xff, 0xfe, 0x20, 0x00])],
  ])('throws EmptyDocumentError for %s', (_, content) => {
    expect(() => detectDocumentType(content)).toThrow(EmptyDocumentError);
  });
});
