import type { EmbedTextsResultDto } from '../../contracts/processing/embed-texts.dto.js';
import type { EmbeddingListDto, EncodingFormat } from './embeddings.dto.js';

/** A vector as OpenAI's base64 encoding: its float32 values, little-endian, in base64. */
export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => bytes.writeFloatLE(value, i * 4));
  return bytes.toString('base64');
}

export function embeddingList(result: EmbedTextsResultDto, format: EncodingFormat): EmbeddingListDto {
  return {
    object: 'list',
    data: result.vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: format === 'base64' ? float32Base64(vector) : vector,
    })),
    model: result.model,
    usage: { prompt_tokens: result.tokens, total_tokens: result.tokens },
  };
}
