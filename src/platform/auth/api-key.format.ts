import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_PREFIX = 'tars_';
const BODY_LENGTH = 32; // 32 base62 characters ≈ 190 bits from the CSPRNG
const CHECKSUM_LENGTH = 6;
/** Characters of a key kept in the clear to recognise it in lists (`tars_` + 7). */
export const PUBLIC_PREFIX_LENGTH = 12;

function base62(bytes: Buffer, length: number): string {
  let out = '';
  // Rejection sampling keeps every character uniform (248 = 4 * 62).
  for (let i = 0; out.length < length; i++) {
    if (i >= bytes.length) {
      bytes = randomBytes(length * 2);
      i = 0;
    }
    if (bytes[i] < 248) out += ALPHABET[bytes[i] % 62];
  }
  return out;
}

function checksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** A new key: `tars_` + 32 random base62 characters + a 6-character CRC32 checksum (so leaked keys can be recognised). */
export function generateApiKey(): string {
  const body = base62(randomBytes(BODY_LENGTH * 2), BODY_LENGTH);
  return `${KEY_PREFIX}${body}${checksum(body)}`;
}

/** True when the text has the shape and checksum of a TARS key (says nothing about whether it is valid). */
export function looksLikeApiKey(text: string): boolean {
  if (!text.startsWith(KEY_PREFIX) || text.length !== KEY_PREFIX.length + BODY_LENGTH + CHECKSUM_LENGTH) return false;
  const body = text.slice(KEY_PREFIX.length, KEY_PREFIX.length + BODY_LENGTH);
  return /^[0-9A-Za-z]+$/.test(body) && checksum(body) === text.slice(KEY_PREFIX.length + BODY_LENGTH);
}

/** What is stored in place of the key. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function publicPrefix(key: string): string {
  return key.slice(0, PUBLIC_PREFIX_LENGTH);
}
