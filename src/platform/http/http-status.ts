import { HttpStatus } from '@nestjs/common';
import {
  ConflictError,
  DocumentUnreadableError,
  EmptyDocumentError,
  ModuleUnavailableError,
  NotFoundError,
  type TarsError,
  UnsupportedMediaTypeError,
  ValidationFailedError,
} from '../../contracts/errors.js';

/** The one mapping of typed errors to HTTP statuses. */
export function httpStatusOf(err: TarsError): number {
  if (err instanceof ValidationFailedError) return HttpStatus.BAD_REQUEST;
  if (err instanceof NotFoundError) return HttpStatus.NOT_FOUND;
  if (err instanceof ConflictError) return HttpStatus.CONFLICT;
  if (err instanceof ModuleUnavailableError) return HttpStatus.SERVICE_UNAVAILABLE;
  if (err instanceof UnsupportedMediaTypeError) return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
  if (err instanceof EmptyDocumentError) return HttpStatus.BAD_REQUEST;
  if (err instanceof DocumentUnreadableError) return HttpStatus.UNPROCESSABLE_ENTITY;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}
