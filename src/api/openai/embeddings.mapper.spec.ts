import { describe, expect, it } from 'vitest';
import { embeddingList, float32Base64 } from './embeddings.mapper.js';

describe('float32Base64', () => {
  it('encodes little-endian float32 values, as OpenAI clients decode them', () => {
    const encoded = float32Base64([1, -0.5, 0.1]);
    const bytes = Buffer.from(encoded, 'base64');
    expect(bytes).toHaveLength(12);
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4), bytes.readFloatLE(8)]).toEqual([1, -0.5, Math.fround(0.1)]);
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x00, 0x00, 0x80, 0x3f]));
  });
});

describe('embeddingList', () => {
  const result = { model: 'hashing', dimensions: 2, vectors: [[0.6, 0.8], [1, 0]], tokens: 7 };

  it('lists one embedding per input in order, with usage', () => {
    expect(embeddingList(result, 'float')).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.6, 0.8] },
        { object: 'embedding', index: 1, embedding: [1, 0] },
      ],
      model: 'hashing',
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
  });

  it('gives base64 strings when asked', () => {
    expect(embeddingList(result, 'base64').data.map((d) => d.embedding)).toEqual([float32Base64([0.6, 0.8]), float32Base64([1, 0])]);
  });
});
