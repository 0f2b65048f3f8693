import { ModuleUnavailableError, NotFoundError, TarsError } from '../../../contracts/errors.js';

// The "unavailable" errors keep ModuleUnavailableError's code (503, a known class across NATS);
// `details.reason` tells them apart.

/** The index of this model cannot answer now (being rebuilt after a failure, or its worker cannot start). */
export class VectorIndexUnavailableError extends ModuleUnavailableError {
  constructor(message: string, details: { model?: string } & Record<string, unknown> = {}) {
    super(message, { reason: 'index_unavailable', ...details });
  }
}

/** The index worker thread died while it owed this answer; the manager restarts it and reloads the indexes. */
export class IndexWorkerCrashedError extends VectorIndexUnavailableError {
  constructor(
    message: string,
    /** False for the request the worker was running when it died: it may be what killed it, so it is not sent again. */
    readonly retryable = true,
  ) {
    super(message, { retryable });
  }
}

/** No index is configured for this embedding model. */
export class UnknownIndexModelError extends NotFoundError {}

/** The index worker reported an error for one operation (the worker itself is fine). */
export class IndexWorkerTaskError extends TarsError {
  static readonly code: string = 'index_failed';

  constructor(
    message: string,
    /** The error's class name inside the worker, e.g. CorruptIndexFileError. */
    readonly workerErrorName: string,
  ) {
    super(message, { workerError: workerErrorName });
  }
}
