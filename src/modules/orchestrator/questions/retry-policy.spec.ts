import { describe, expect, it } from 'vitest';
import {
  LlmBadRequestError,
  LlmFailedError,
  LlmOverloadedError,
  LlmQuotaExceededError,
  LlmTimeoutError,
  LlmUnavailableError,
  ModelNotFoundError,
} from '../../../contracts/errors.js';
import { classifyFailure, nextRetry } from './retry-policy.js';

const settings = { overload: { baseMs: 1000, factor: 2, maxRetries: 3 }, quota: { delayMs: 60_000, maxRetries: 5 } };

describe('classifyFailure', () => {
  it('sorts LLM failures into overload, quota, timeout and permanent', () => {
    expect(classifyFailure(new LlmOverloadedError('busy'))).toBe('overload');
    expect(classifyFailure(new LlmUnavailableError('refused'))).toBe('overload');
    expect(classifyFailure(new LlmQuotaExceededError('spent'))).toBe('quota');
    expect(classifyFailure(new LlmTimeoutError('slow'))).toBe('timeout');
    for (const err of [new LlmBadRequestError('bad'), new ModelNotFoundError('no'), new LlmFailedError('500'), new Error('bug')]) {
      expect(classifyFailure(err)).toBe('permanent');
    }
  });
});

describe('nextRetry', () => {
  it('backs off 1 s, 2 s, 4 s for overload, then gives up', () => {
    expect([1, 2, 3, 4].map((n) => nextRetry('overload', { overload: n }, settings)?.delayMs)).toEqual([1000, 2000, 4000, undefined]);
  });

  it('retries time-outs as overload, sharing the same budget', () => {
    expect(nextRetry('timeout', { overload: 1, timeout: 1 }, settings)).toEqual({ delayMs: 2000 });
    expect(nextRetry('timeout', { overload: 2, timeout: 2 }, settings)).toBeUndefined();
  });

  it('waits the fixed quota delay, at most 5 times', () => {
    expect([1, 5, 6].map((n) => nextRetry('quota', { quota: n }, settings)?.delayMs)).toEqual([60_000, 60_000, undefined]);
  });

  it('never retries a permanent failure', () => {
    expect(nextRetry('permanent', { permanent: 1 }, settings)).toBeUndefined();
  });
});
