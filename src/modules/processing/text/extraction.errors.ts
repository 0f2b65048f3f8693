import { DocumentUnreadableError, EmptyDocumentError, UnsupportedMediaTypeError } from '../../../contracts/errors.js';

export { DocumentUnreadableError, EmptyDocumentError, UnsupportedMediaTypeError };

/**
 * True for the errors that say the content itself cannot be ingested (unsupported, empty,
 * unreadable): retrying the same bytes gives the same answer, so the document is failed at once.
 */
export function isExtractionError(err: unknown): err is UnsupportedMediaTypeError | EmptyDocumentError | DocumentUnreadableError {
  return err instanceof UnsupportedMediaTypeError || err instanceof EmptyDocumentError || err instanceof DocumentUnreadableError;
}
