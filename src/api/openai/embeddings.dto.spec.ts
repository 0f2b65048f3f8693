import { describe, expect, it } from 'vitest';
import { EMBED_LIMITS } from '../../contracts/processing/embed-texts.dto.js';
import { validatePayload } from '../../platform/bus/validate-payload.js';
import { EmbeddingsRequestDto } from './embeddings.dto.js';

const validate = (body: Record<string, unknown>) => validatePayload(EmbeddingsRequestDto, { model: 'minilm', ...body });

describe('EmbeddingsRequestDto', () => {
  it('takes one text or a list of texts', () => {
    expect(validate({ input: 'one' }).input).toEqual(['one']);
    expect(validate({ input: ['one', 'two'], encoding_format: 'base64', dimensions: 384 }).input).toEqual(['one', 'two']);
  });

  it.each([
    [{ input: [] }, /input must not be empty/],
    [{ input: '' }, /must not contain empty strings/],
    [{ input: [[1, 2, 3]] }, /token arrays are not supported/],
    [{ input: Array.from({ length: EMBED_LIMITS.texts + 1 }, () => 'x') }, new RegExp(`input must contain no more than ${EMBED_LIMITS.texts}`)],
    [{ input: 'x', encoding_format: 'int8' }, /encoding_format must be one of/],
  ])('refuses %#', (body, message) => {
    expect(() => validate(body)).toThrow(message);
  });
});
