import { HttpStatus } from '@nestjs/common';
import {
  CancelledError,
  ConflictError,
  DatabaseUnavailableError,
  LlmBadRequestError,
  LlmFailedError,
  LlmOverloadedError,
  LlmQuotaExceededError,
  LlmTimeoutError,
  LlmUnavailableError,
  ModelNotFoundError,
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
  if (err instanceof DatabaseUnavailableError) return HttpStatus.SERVICE_UNAVAILABLE;
  if (err instanceof UnsupportedMediaTypeError) return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
  if (err instanceof EmptyDocumentError) return HttpStatus.BAD_REQUEST;
  if (err instanceof DocumentUnreadableError) return HttpStatus.UNPROCESSABLE_ENTITY;
  if (err instanceof ModelNotFoundError) return HttpStatus.NOT_FOUND;
  if (err instanceof LlmBadRequestError) return HttpStatus.BAD_REQUEST;
  if (err instanceof LlmOverloadedError) return HttpStatus.SERVICE_UNAVAILABLE;
  if (err instanceof LlmUnavailableError) return HttpStatus.SERVICE_UNAVAILABLE;
  if (err instanceof LlmQuotaExceededError) return HttpStatus.TOO_MANY_REQUESTS;
  if (err instanceof LlmTimeoutError) return HttpStatus.GATEWAY_TIMEOUT;
  if (err instanceof LlmFailedError) return HttpStatus.BAD_GATEWAY;
  // 499 as nginx and Ollama use it: the client closed the request.
  if (err instanceof CancelledError) return 499;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}
