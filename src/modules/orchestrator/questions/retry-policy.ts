import type { TarsConfigValues } from '../../../config/config.schema.js';
import {
  LlmOverloadedError,
  LlmQuotaExceededError,
  LlmTimeoutError,
  LlmUnavailableError,
  ModuleUnavailableError,
} from '../../../contracts/errors.js';
import type { ErrorType } from '../../../contracts/questions/question.dto.js';

export type RetrySettings = TarsConfigValues['questions']['retry'];

/**
 * How a failed generation counts: overload (the LLM said busy or rate-limited, or cannot be reached
 * for now — an LLM server restarting, an inference node down), quota (credits or usage limit
 * spent), timeout (retried as overload), or permanent (anything else: a bad request, a model that
 * does not exist, the LLM failing while answering).
 */
export function classifyFailure(err: unknown): ErrorType {
  if (err instanceof LlmQuotaExceededError) return 'quota';
  if (err instanceof LlmTimeoutError) return 'timeout';
  if (err instanceof LlmOverloadedError || err instanceof LlmUnavailableError || err instanceof ModuleUnavailableError) return 'overload';
  return 'permanent';
}

/**
 * When to try again after a failure, given the failures of this generation so far (this one
 * included): overload and timeouts share an exponential backoff (base · factor^(n-1), at most
 * maxRetries retries); quota waits a fixed delay (at most its maxRetries); permanent never.
 */
export function nextRetry(type: ErrorType, failuresSoFar: Partial<Record<ErrorType, number>>, settings: RetrySettings): { delayMs: number } | undefined {
  if (type === 'permanent') return undefined;
  if (type === 'quota') {
    const n = failuresSoFar.quota ?? 0;
    return n <= settings.quota.maxRetries ? { delayMs: settings.quota.delayMs } : undefined;
  }
  const n = (failuresSoFar.overload ?? 0) + (failuresSoFar.timeout ?? 0);
  if (n > settings.overload.maxRetries) return undefined;
  return { delayMs: Math.round(settings.overload.baseMs * settings.overload.factor ** (n - 1)) };
}
