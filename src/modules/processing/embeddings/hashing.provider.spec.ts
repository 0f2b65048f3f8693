import { describe, expect, it } from 'vitest';
import { embeddingTestConfig, hashingModel } from '../../../../test/support/embedding-config.js';
import { HashingEmbeddingProvider, hashingTokenVectors, hashingVector } from './hashing.provider.js';
import { cosine, dot } from './vector-math.js';

/** A hashing model as the config schema fills it in. */
const model = embeddingTestConfig({ models: [hashingModel()] }).embeddings.models[0];

describe('feature-hashing embedder', () => {
  it('gives the same vector for the same text, call after call and instance after instance', async () => {
    const text = 'The boiler was serviced on 3 March by Dupont.';
    const [a] = await new HashingEmbeddingProvider(model).embed([text], 'documents');
    const [b] = await new HashingEmbeddingProvider(model).embed([text], 'documents');
    expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(true);
  });

  it('gives the pinned numbers on every machine (the hash uses integer arithmetic only)', () => {
    const vector = hashingVector('The boiler was serviced on 3 March by Dupont.', { dimensions: 64, maxTokens: 512, normalize: true });
    expect(vector[3]).toBe(Math.fround(-0.06741998344659805));
    expect(vector[4]).toBe(Math.fround(-0.1348399668931961));
    expect(vector[8]).toBe(Math.fround(-0.2696799337863922));
    expect(vector.filter((x) => x !== 0)).toHaveLength(37);
  });

  it('returns unit vectors of the configured size, and a zero vector for a text without words', async () => {
    const vectors = await new HashingEmbeddingProvider(model).embed(['Rain tomorrow on the coast.', 'x', '', '  ...  '], 'documents');
    expect(vectors.map((v) => v.length)).toEqual([384, 384, 384, 384]);
    expect(dot(vectors[0], vectors[0])).toBeCloseTo(1, 6);
    expect(dot(vectors[1], vectors[1])).toBeCloseTo(1, 6);
    expect(vectors[2].every((x) => x === 0)).toBe(true);
    expect(vectors[3].every((x) => x === 0)).toBe(true);
  });

  it('leaves vectors unnormalised when the model says so', () => {
    const vector = hashingVector('one two three', { dimensions: 64, maxTokens: 512, normalize: false });
    expect(dot(vector, vector)).toBeGreaterThan(1.5);
  });

  it('puts texts that share words closer than unrelated texts', () => {
    const options = { dimensions: 384, maxTokens: 512, normalize: true };
    const query = hashingVector('when was the boiler serviced', options);
    const related = hashingVector('The boiler was serviced on 3 March by Dupont.', options);
    const unrelated = hashingVector('Quarterly revenue grew faster than analysts expected.', options);
    expect(cosine(query, related)).toBeGreaterThan(0.4);
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.3);
  });

  it('is case- and Unicode-form-insensitive, and inflections stay close through character trigrams', () => {
    const options = { dimensions: 384, maxTokens: 512, normalize: true };
    expect(cosine(hashingVector('Café au lait', options), hashingVector('CAFE\u0301 AU LAIT', options))).toBeCloseTo(1, 6);
    const inflected = cosine(hashingVector('servicing', options), hashingVector('serviced', options));
    const different = cosine(hashingVector('servicing', options), hashingVector('umbrella', options));
    expect(inflected).toBeGreaterThan(0.1);
    expect(inflected).toBeGreaterThan(different + 0.1);
  });

  it('applies the query prefix to queries only', async () => {
    const provider = new HashingEmbeddingProvider({ ...model, queryPrefix: 'search query: ' });
    const [asQuery] = await provider.embed(['boiler'], 'queries');
    const [asDocument] = await provider.embed(['boiler'], 'documents');
    const [byHand] = await provider.embed(['search query: boiler'], 'documents');
    expect([...asQuery]).toEqual([...byHand]);
    expect(cosine(asQuery, asDocument)).toBeLessThan(0.99);
  });

  it('reads at most maxTokens words, so a huge text costs no more than a long one', () => {
    const options = { dimensions: 64, maxTokens: 5, normalize: true };
    const base = hashingVector('a b c d e', options);
    expect([...hashingVector('a b c d e f g h', options)]).toEqual([...base]);
    expect([...hashingVector(`a b c d e ${'noise '.repeat(100_000)}`, options)]).toEqual([...base]);
  });
});

describe('feature-hashing token vectors', () => {
  const options = { dimensions: 384, maxTokens: 512 };

  it('gives one unit vector per word, in order, the same on every call', async () => {
    const text = "The boiler wasn't serviced on 3 March, said Dupont.";
    const first = hashingTokenVectors(text, options);
    expect(first.vectors).toHaveLength(9); // the boiler wasn't serviced on 3 march said dupont
    expect(first.truncated).toBe(false);
    for (const vector of first.vectors) {
      expect(vector).toHaveLength(384);
      expect(dot(vector, vector)).toBeCloseTo(1, 6);
    }
    const [again] = await new HashingEmbeddingProvider(model).embedTokens([text]);
    again.vectors.forEach((vector, i) => expect([...vector]).toEqual([...first.vectors[i]]));
  });

  it('stays unit length when the model leaves its pooled vectors unnormalised', async () => {
    const [tokens] = await new HashingEmbeddingProvider({ ...model, normalize: false }).embedTokens(['one two three']);
    for (const vector of tokens.vectors) expect(dot(vector, vector)).toBeCloseTo(1, 6);
  });

  it('puts the same word in two contexts close together but not on one point, and different words apart', () => {
    const [, inGarden] = hashingTokenVectors('the boiler room', options).vectors;
    const [, inCellar] = hashingTokenVectors('a boiler exploded', options).vectors;
    const [, other] = hashingTokenVectors('the garden room', options).vectors;
    expect(cosine(inGarden, inCellar)).toBeGreaterThan(0.6);
    expect(cosine(inGarden, inCellar)).toBeLessThan(0.99);
    expect(cosine(inGarden, other)).toBeLessThan(0.3);
  });

  it('ignores the model prefixes: token vectors are of the raw text', async () => {
    const [tokens] = await new HashingEmbeddingProvider({ ...model, queryPrefix: 'query: ', documentPrefix: 'passage: ' }).embedTokens(['boiler']);
    expect(tokens.vectors).toHaveLength(1);
    expect([...tokens.vectors[0]]).toEqual([...hashingTokenVectors('boiler', options).vectors[0]]);
  });

  it('reads at most maxTokens words and says when it cut the text', () => {
    const cut = hashingTokenVectors('a b c d e f g h', { dimensions: 64, maxTokens: 5 });
    expect(cut.vectors).toHaveLength(5);
    expect(cut.truncated).toBe(true);
    expect(hashingTokenVectors('a b c d e', { dimensions: 64, maxTokens: 5 }).truncated).toBe(false);
  });

  it('gives no vectors for a text without words', () => {
    expect(hashingTokenVectors('  ... ', options)).toEqual({ vectors: [], truncated: false });
  });
});
