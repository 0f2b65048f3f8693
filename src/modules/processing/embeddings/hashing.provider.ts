import type { EmbeddingModelConfig } from '../../../config/config.schema.js';
import { withPrefix } from './embedding-model.registry.js';
import type { EmbeddingProvider, EmbeddingUse, TextTokenVectors } from './embedding.types.js';

// Feature weights: whole words carry most of the meaning, word pairs add phrase order, and
// character trigrams make inflections and typos land near each other.
const WORD_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.5;
const TRIGRAM_WEIGHT = 0.25;

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

/**
 * The offline fallback: a deterministic feature-hashing embedder with no model files. Word
 * unigrams and bigrams and character trigrams are hashed (with a hashed sign, so collisions
 * cancel out on average) into `dimensions` buckets. The hash works on UTF-16 code units with
 * 32-bit integer arithmetic only, so the same text gives the same vector on every machine.
 */
export class HashingEmbeddingProvider implements EmbeddingProvider {
  constructor(readonly model: EmbeddingModelConfig) {}

  async embed(texts: readonly string[], use: EmbeddingUse): Promise<Float32Array[]> {
    return texts.map((text) => hashingVector(withPrefix(this.model, use, text), this.model));
  }

  async embedTokens(texts: readonly string[]): Promise<TextTokenVectors[]> {
    return texts.map((text) => hashingTokenVectors(text, this.model));
  }

  async close(): Promise<void> {}
}

/** The hashing embedding of one text (at most `maxTokens` words are read). */
export function hashingVector(
  text: string,
  options: Pick<EmbeddingModelConfig, 'dimensions' | 'maxTokens' | 'normalize'>,
): Float32Array {
  const sums = new Float64Array(options.dimensions);
  const words = wordsOf(text).slice(0, options.maxTokens);
  words.forEach((word, i) => {
    addWord(sums, word);
    if (i > 0) add(sums, bigram(words[i - 1], word), BIGRAM_WEIGHT);
  });
  return toVector(sums, options.normalize);
}

/**
 * One unit vector per word of a text (its tokens: at most `maxTokens` words are read), for
 * token-level comparisons. A word's vector holds the word, its character trigrams and the word
 * pairs it forms with its neighbours, so that the same word in another sentence lands close to,
 * but not on, its other occurrences, as a contextual model's token vectors do.
 */
export function hashingTokenVectors(text: string, options: Pick<EmbeddingModelConfig, 'dimensions' | 'maxTokens'>): TextTokenVectors {
  const all = wordsOf(text);
  const words = all.length > options.maxTokens ? all.slice(0, options.maxTokens) : all;
  const vectors = words.map((word, i) => {
    const sums = new Float64Array(options.dimensions);
    addWord(sums, word);
    if (i > 0) add(sums, bigram(words[i - 1], word), BIGRAM_WEIGHT);
    if (i + 1 < words.length) add(sums, bigram(word, words[i + 1]), BIGRAM_WEIGHT);
    return toVector(sums, true);
  });
  return { vectors, truncated: all.length > words.length };
}

function wordsOf(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
}

function bigram(first: string, second: string): string {
  return `b:${first} ${second}`;
}

/** The word itself and its character trigrams (with word boundaries). */
function addWord(sums: Float64Array, word: string): void {
  add(sums, `w:${word}`, WORD_WEIGHT);
  const padded = `<${word}>`;
  for (let j = 0; j + 3 <= padded.length; j++) add(sums, `c:${padded.slice(j, j + 3)}`, TRIGRAM_WEIGHT);
}

function toVector(sums: Float64Array, normalize: boolean): Float32Array {
  let norm = 1;
  if (normalize) {
    let squares = 0;
    for (const value of sums) squares += value * value;
    norm = squares > 0 ? Math.sqrt(squares) : 1;
  }
  const vector = new Float32Array(sums.length);
  for (let i = 0; i < sums.length; i++) vector[i] = sums[i] / norm;
  return vector;
}

function add(sums: Float64Array, feature: string, weight: number): void {
  const hash = fnv1a(feature);
  const bucket = hash % sums.length;
  const sign = fmix32(hash ^ 0x9e3779b9) & 1 ? -1 : 1;
  sums[bucket] += sign * weight;
}

/** FNV-1a over UTF-16 code units, finished with murmur3's mixer for well-spread low bits. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return fmix32(hash);
}

function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
