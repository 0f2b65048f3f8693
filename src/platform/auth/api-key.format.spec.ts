import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, looksLikeApiKey, publicPrefix } from './api-key.format.js';

describe('API key format', () => {
  it('makes prefixed keys of a fixed length with a valid checksum', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^tars_[0-9A-Za-z]{38}$/);
    expect(looksLikeApiKey(key)).toBe(true);
  });

  it('never repeats a key', () => {
    const keys = new Set(Array.from({ length: 2000 }, generateApiKey));
    expect(keys.size).toBe(2000);
  });

  it('spreads characters over the whole alphabet', () => {
    const chars = new Set(Array.from({ length: 200 }, generateApiKey).join('').slice(0));
    expect(chars.size).toBeGreaterThan(60);
  });

  it('detects a mistyped key through the checksum', () => {
    const key = generateApiKey();
    const body = key.slice(5, 37);
    const changed = body[0] === 'a' ? `b${body.slice(1)}` : `a${body.slice(1)}`;
    expect(looksLikeApiKey(`tars_${changed}${key.slice(37)}`)).toBe(false);
    expect(looksLikeApiKey(key.slice(0, -1))).toBe(false);
    expect(looksLikeApiKey(`sk_${key.slice(5)}`)).toBe(false);
  });

  it('stores a SHA-256 digest, and shows only a short prefix', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toContain(key.slice(5));
    expect(publicPrefix(key)).toBe(key.slice(0, 12));
  });
});
