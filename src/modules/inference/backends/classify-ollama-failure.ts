import {
  LlmBadRequestError,
  LlmFailedError,
  LlmOverloadedError,
  LlmQuotaExceededError,
  LlmTimeoutError,
  LlmUnavailableError,
  ModelNotFoundError,
  type TarsError,
} from '../../../contracts/errors.js';
import { networkCode, UNREACHABLE_CODES } from '../../../platform/net/network-error.js';

/** Network errors that mean nobody is serving at the host (as opposed to a server that failed while answering). */
const UNREACHABLE = new Set([...UNREACHABLE_CODES, 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Ollama Cloud says "reached your weekly usage limit"; OpenRouter-style servers speak of credits. */
const QUOTA_TEXT = /usage limit|quota|credit|billing|insufficient (funds|balance)/i;

/** Where the failure happened: before the reply started (status line, connection) or inside the NDJSON stream. */
export type OllamaPhase = 'request' | 'stream';

export interface OllamaFailureContext {
  backend: string;
  model: string;
  host: string;
}

/**
 * An error of the `ollama` client as a classified TARS error. The client throws `ResponseError`
 * (with `status_code`) for a non-2xx answer, a plain Error for an `{"error"}` line inside a stream
 * or a stream that ends without `done`, and fetch's `TypeError: fetch failed` (system error as
 * cause) when the connection fails.
 */
export function classifyOllamaFailure(err: unknown, phase: OllamaPhase, context: OllamaFailureContext): TarsError {
  const details: Record<string, unknown> = { backend: context.backend, model: context.model };
  const status = (err as { status_code?: unknown }).status_code;
  const message = errorText(err);
  if (typeof status === 'number') {
    const withStatus = { ...details, status };
    switch (status) {
      case 503:
        return new LlmOverloadedError(`Ollama (${context.backend}) is busy: ${message}`, withStatus);
      case 429:
        return QUOTA_TEXT.test(message)
          ? new LlmQuotaExceededError(`Ollama (${context.backend}) quota exceeded: ${message}`, withStatus)
          : new LlmOverloadedError(`Ollama (${context.backend}) is rate limiting: ${message}`, withStatus);
      case 402:
        return new LlmQuotaExceededError(`Ollama (${context.backend}) needs credits: ${message}`, withStatus);
      case 404:
        return new ModelNotFoundError(`Ollama (${context.backend}): ${message}`, withStatus);
      case 400:
        return new LlmBadRequestError(`Ollama (${context.backend}) refused the request: ${message}`, withStatus);
      default:
        return new LlmFailedError(`Ollama (${context.backend}) answered ${status}: ${message}`, withStatus);
    }
  }
  const name = (err as { name?: unknown }).name;
  if (name === 'TimeoutError') return new LlmTimeoutError(`Ollama (${context.backend}) at ${context.host} did not answer in time`, details);
  const code = networkCode(err);
  if (phase === 'request' && code && UNREACHABLE.has(code)) {
    return new LlmUnavailableError(`Ollama (${context.backend}) is not reachable at ${context.host} (${code})`, { ...details, code });
  }
  const where = phase === 'stream' ? 'the reply stream broke' : 'the request failed';
  return new LlmFailedError(`Ollama (${context.backend}): ${where}: ${message}`, code ? { ...details, code } : details);
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    // undici hides the interesting part ("other side closed", "connect ECONNREFUSED") in the cause.
    return cause instanceof Error && cause.message ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
