import { createHash } from 'node:crypto';

/**
 * The form under which two questions count as the same for the answer cache: Unicode NFKC, lower
 * case, runs of white space as one space, no surrounding punctuation or spaces.
 */
export function normalizeQuestion(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
}

/** SHA-256 (hex) of the normalised question: the cache key stored with questions and answers. */
export function questionHash(text: string): string {
  return createHash('sha256').update(normalizeQuestion(text)).digest('hex');
}
