import { UnsupportedMediaTypeError } from '../../../contracts/errors.js';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** Bytes turned into a string, with how it was done. */
export interface DecodedText {
  text: string;
  encoding: TextEncodingName;
  /** The bytes went on past `maxChars`: `text` holds at least the first `maxChars` characters. */
  cut: boolean;
  warnings: string[];
}

/** Above this share of control characters, content is binary data rather than text. */
const MAX_CONTROL_RATIO = 0.01;

/**
 * Decodes a text document: UTF-8 (with or without BOM), UTF-16 with a BOM, and, when the bytes
 * are not UTF-8 at all, Windows-1252 (the usual legacy 8-bit encoding). Throws
 * UnsupportedMediaTypeError for binary data (NUL bytes, many control characters) and for
 * encodings it cannot read. With `maxChars`, only the bytes needed for that many characters
 * are decoded, so a huge file costs no more than its kept part.
 */
export function decodeText(bytes: Uint8Array, maxChars = Number.POSITIVE_INFINITY): DecodedText {
  if (startsWith(bytes, [0xff, 0xfe, 0x00, 0x00]) || startsWith(bytes, [0x00, 0x00, 0xfe, 0xff])) {
    throw new UnsupportedMediaTypeError('UTF-32 text is not supported; save the file as UTF-8', { detected: 'utf-32' });
  }
  if (startsWith(bytes, [0xff, 0xfe])) return decodeUtf16(bytes.subarray(2), 'utf-16le', maxChars);
  if (startsWith(bytes, [0xfe, 0xff])) return decodeUtf16(bytes.subarray(2), 'utf-16be', maxChars);
  const body = startsWith(bytes, [0xef, 0xbb, 0xbf]) ? bytes.subarray(3) : bytes;
  // A UTF-16 code unit never needs more than 3 bytes of UTF-8 (or 1 of Windows-1252).
  const cut = body.length > maxChars * 3;
  const kept = cut ? body.subarray(0, maxChars * 3) : body;
  const stats = scanBytes(kept, cut);
  assertNotBinary(stats.nul, stats.control, kept.length, looksLikeUtf16WithoutBom(kept));
  if (stats.invalid === 0) return { text: decodeWith('utf-8', kept, cut), encoding: 'utf-8', cut, warnings: [] };
  if (stats.multibyte >= 4 * stats.invalid) {
    const warning = `${stats.invalid} invalid UTF-8 byte sequence(s) were replaced by U+FFFD`;
    return { text: decodeWith('utf-8', kept, cut), encoding: 'utf-8', cut, warnings: [warning] };
  }
  const warning = 'the text is not UTF-8; it was read as Windows-1252 (Western European)';
  return { text: decodeWith('windows-1252', kept, cut), encoding: 'windows-1252', cut, warnings: [warning] };
}

function decodeUtf16(body: Uint8Array, encoding: 'utf-16le' | 'utf-16be', maxChars: number): DecodedText {
  const cut = body.length > maxChars * 2;
  const text = decodeWith(encoding, cut ? body.subarray(0, maxChars * 2) : body, cut);
  let nul = 0;
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) nul++;
    else if (isControlCode(c)) control++;
  }
  assertNotBinary(nul, control, text.length, false);
  return { text, encoding, cut, warnings: [] };
}

function decodeWith(encoding: TextEncodingName, bytes: Uint8Array, cut: boolean): string {
  // `stream: true` holds back a multi-byte sequence split by the cut instead of replacing it.
  return new TextDecoder(encoding, { fatal: false, ignoreBOM: true }).decode(bytes, { stream: cut });
}

function assertNotBinary(nul: number, control: number, length: number, utf16Pattern: boolean): void {
  if (utf16Pattern) {
    throw new UnsupportedMediaTypeError('the text looks like UTF-16 without a byte-order mark; save it as UTF-8', {
      detected: 'utf-16-without-bom',
    });
  }
  if (nul > 0 || control > Math.max(1, length * MAX_CONTROL_RATIO)) {
    throw new UnsupportedMediaTypeError('the content is binary data, not text', { detected: 'binary' });
  }
}

/** Tab, line feed, form feed, carriage return and escape (coloured logs) are normal in text. */
function isControlCode(c: number): boolean {
  return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d && c !== 0x1b) || c === 0x7f;
}

interface ByteStats {
  nul: number;
  control: number;
  /** Well-formed UTF-8 sequences of two bytes or more. */
  multibyte: number;
  /** Bytes that start no well-formed UTF-8 sequence. */
  invalid: number;
}

/** One pass over the bytes; `partial` forgives a sequence cut short by the end of the buffer. */
function scanBytes(bytes: Uint8Array, partial: boolean): ByteStats {
  const stats: ByteStats = { nul: 0, control: 0, multibyte: 0, invalid: 0 };
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      if (b === 0) stats.nul++;
      else if (isControlCode(b)) stats.control++;
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let j = 1;
    while (length > 0 && j < length && i + j < bytes.length && (bytes[i + j]! & 0xc0) === 0x80) j++;
    if (length > 0 && j === length) {
      stats.multibyte++;
      i += length;
    } else if (length > 0 && partial && i + j === bytes.length) {
      break;
    } else {
      stats.invalid++;
      i++;
    }
  }
  return stats;
}

/** UTF-16 without BOM: in ASCII-heavy text every other byte is NUL. */
function looksLikeUtf16WithoutBom(bytes: Uint8Array): boolean {
  const sample = Math.min(bytes.length, 4096) & ~1;
  if (sample < 8) return false;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < sample; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = sample / 2;
  return (evenNul > pairs * 0.4 && oddNul < pairs * 0.05) || (oddNul > pairs * 0.4 && evenNul < pairs * 0.05);
}

function startsWith(bytes: Uint8Array, prefix: ReadonlyArray<number>): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}
