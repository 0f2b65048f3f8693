/**
 * Typed errors shared by every module and both bindings of a contract. A remote failure is
 * sent over NATS as `{ code, message, details }` and rebuilt on the caller's side as the same
 * class, so callers handle local and remote errors alike. HTTP statuses are assigned once, in
 * the API's exception filter.
 */
export class TarsError extends Error {
  /** Stable machine-readable code; also the key that rebuilds the class after a NATS hop. */
  static readonly code: string = 'internal';
  readonly code: string;

  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
    this.code = (new.target as typeof TarsError).code;
  }
}

/** The input broke a rule of the contract (a field is missing, too long, of the wrong type...). */
export class ValidationFailedError extends TarsError {
  static readonly code = 'validation_failed';
}

/** The thing asked for does not exist. */
export class NotFoundError extends TarsError {
  static readonly code = 'not_found';
}

/** The request conflicts with what is stored. */
export class ConflictError extends TarsError {
  static readonly code = 'conflict';
}

/** No node serving the module answered: none is running, or it did not reply in time. */
export class ModuleUnavailableError extends TarsError {
  static readonly code = 'module_unavailable';
}

/** The database cannot be reached (refused, cut, timed out, shutting down): retry once it is back. */
export class DatabaseUnavailableError extends TarsError {
  static readonly code = 'database_unavailable';
}

/** A remote failure whose type this node does not know (a newer node, or a bug): kept, not hidden. */
export class RemoteError extends TarsError {
  static readonly code = 'remote_error';
}

/** The content is of a kind TARS cannot ingest (an image, an archive, an executable, binary data...). */
export class UnsupportedMediaTypeError extends TarsError {
  static readonly code = 'unsupported_media_type';
}

/** The document holds nothing to ingest: no bytes, only whitespace, or no extractable text. */
export class EmptyDocumentError extends TarsError {
  static readonly code = 'empty_document';
}

/** The document is of a supported type but cannot be read: malformed, encrypted, or over a parsing limit. */
export class DocumentUnreadableError extends TarsError {
  static readonly code = 'document_unreadable';
}

/**
 * Failures of a language model backend, classified so that callers can retry sensibly
 * (`details` carries at least `backend` and `model`, and the upstream `status` when there was one).
 */
/** The LLM server is overloaded (HTTP 503/429 busy, or TARS's own queue for it is full): retry with backoff. */
export class LlmOverloadedError extends TarsError {
  static readonly code = 'llm_overloaded';
}

/** The LLM provider's quota or credits are used up (402, or 429 with a usage-limit text): retry much later. */
export class LlmQuotaExceededError extends TarsError {
  static readonly code = 'llm_quota_exceeded';
}

/** The LLM did not start or continue answering in time: retry as overload. */
export class LlmTimeoutError extends TarsError {
  static readonly code = 'llm_timeout';
}

/** No configured backend serves the requested model. */
export class ModelNotFoundError extends TarsError {
  static readonly code = 'model_not_found';
}

/** The backend refused the request itself (bad parameters, a capability the model lacks): do not retry. */
export class LlmBadRequestError extends TarsError {
  static readonly code = 'llm_bad_request';
}

/** No LLM backend can be reached (nothing listening, or none configured). */
export class LlmUnavailableError extends TarsError {
  static readonly code = 'llm_unavailable';
}

/** The backend failed while answering: a 500, garbage instead of its protocol, or a stream cut short. */
export class LlmFailedError extends TarsError {
  static readonly code = 'llm_failed';
}

/** The caller went away or cancelled; nothing to answer. */
export class CancelledError extends TarsError {
  static readonly code = 'cancelled';
}

const ERROR_CLASSES: ReadonlyArray<typeof TarsError> = [
  TarsError,
  ValidationFailedError,
  NotFoundError,
  ConflictError,
  ModuleUnavailableError,
  DatabaseUnavailableError,
  RemoteError,
  UnsupportedMediaTypeError,
  EmptyDocumentError,
  DocumentUnreadableError,
  LlmOverloadedError,
  LlmQuotaExceededError,
  LlmTimeoutError,
  ModelNotFoundError,
  LlmBadRequestError,
  LlmUnavailableError,
  LlmFailedError,
  CancelledError,
];
const BY_CODE = new Map(ERROR_CLASSES.map((cls) => [cls.code, cls]));

/** The form in which an error crosses NATS. */
export interface WireError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export function isWireError(value: unknown): value is WireError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as WireError).code === 'string' &&
    typeof (value as WireError).message === 'string'
  );
}

/** Serialises an error for the wire; unknown errors lose their internals (they are logged where they happen). */
export function toWireError(err: unknown): WireError {
  if (err instanceof TarsError) return { code: err.code, message: err.message, details: err.details };
  return { code: TarsError.code, message: 'internal error in the remote module' };
}

/** Rebuilds the error class a wire error came from. */
export function fromWireError(wire: WireError): TarsError {
  const cls = BY_CODE.get(wire.code);
  if (!cls) return new RemoteError(wire.message, { ...wire.details, remoteCode: wire.code });
  return new cls(wire.message, wire.details);
}
