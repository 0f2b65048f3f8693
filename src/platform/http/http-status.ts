import { HttpStatus } from '@nestjs/common';
import {
  ConflictError,
  ModuleUnavailableError,
  NotFoundError,
  type TarsError,
  ValidationFailedError,
} from '../../contracts/errors.js';

/** The one mapping of typed errors to HTTP statuses. */
export function httpStatusOf(err: TarsError): number {
  if (err instanceof ValidationFailedError) return HttpStatus.BAD_REQUEST;
  if (err instanceof NotFoundError) return HttpStatus.NOT_FOUND;
  if (err instanceof ConflictError) return HttpStatus.CONFLICT;
  if (err instanceof ModuleUnavailableError) return HttpStatus.SERVICE_UNAVAILABLE;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}
