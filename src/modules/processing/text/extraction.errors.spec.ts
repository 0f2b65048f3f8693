import { describe, expect, it } from 'vitest';
import { fromWireError, NotFoundError, TarsError, toWireError } from '../../../contracts/errors.js';
import { httpStatusOf } from '../../../platform/http/http-status.js';
import { DocumentUnreadableError, EmptyDocumentError, isExtractionError, UnsupportedMediaTypeError } from './extraction.errors.js';

describe('document errors', () => {
  it.each([
    [new UnsupportedMediaTypeError('a PNG image', { detected: 'png' }), 'unsupported_media_type', 415],
    [new EmptyDocumentError('the document is empty (0 bytes)'), 'empty_document', 400],
    [new DocumentUnreadableError('the PDF is protected by a password', { reason: 'encrypted' }), 'document_unreadable', 422],
  ])('%s has code %s, maps to HTTP %i and survives a NATS hop as the same class', (error, code, status) => {
    expect(error.code).toBe(code);
    expect(httpStatusOf(error)).toBe(status);
    const rebuilt = fromWireError(JSON.parse(JSON.stringify(toWireError(error))));
    expect(rebuilt).toBeInstanceOf(error.constructor);
    expect(rebuilt.details).toEqual(error.details);
  });

  it('tells content errors, which retrying cannot fix, from the others', () => {
    expect(isExtractionError(new DocumentUnreadableError('x', { reason: 'timeout' }))).toBe(true);
    expect(isExtractionError(new EmptyDocumentError('x'))).toBe(true);
    expect(isExtractionError(new NotFoundError('x'))).toBe(false);
    expect(isExtractionError(new TarsError('x'))).toBe(false);
    expect(isExtractionError(new Error('ECONNRESET'))).toBe(false);
  });
});
