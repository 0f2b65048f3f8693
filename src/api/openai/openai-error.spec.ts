import { ForbiddenException, HttpException, HttpStatus, UnauthorizedException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import {
  LlmOverloadedError,
  LlmQuotaExceededError,
  ModelNotFoundError,
  ModuleUnavailableError,
  NotFoundError,
  ValidationFailedError,
} from '../../contracts/errors.js';
import { toOpenAiError } from './openai-error.js';

describe('toOpenAiError', () => {
  it('a bad key is 401 invalid_api_key, as the official clients expect', () => {
    expect(toOpenAiError(new UnauthorizedException('the API key is unknown, revoked or expired'))).toEqual({
      status: 401,
      body: { error: { message: 'the API key is unknown, revoked or expired', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    });
  });

  it('an unknown model is 404 model_not_found on param model', () => {
    expect(toOpenAiError(new ModelNotFoundError("model 'gpt-9' not found"))).toEqual({
      status: 404,
      body: { error: { message: "model 'gpt-9' not found", type: 'invalid_request_error', param: 'model', code: 'model_not_found' } },
    });
  });

  it('a validation failure is 400 and names the field that failed', () => {
    const err = new ValidationFailedError('messages.0.role must be one of system; x', { fields: ['messages.0.role must be one of system', 'x'] });
    expect(toOpenAiError(err)).toEqual({
      status: 400,
      body: { error: { message: 'messages.0.role must be one of system; x', type: 'invalid_request_error', param: 'messages.0.role', code: 'validation_failed' } },
    });
  });

  it.each([
    [new ForbiddenException("this API key lacks the 'write' scope"), 403, 'permission_error', 'forbidden'],
    [new HttpException('slow down', HttpStatus.TOO_MANY_REQUESTS), 429, 'rate_limit_error', 'rate_limit_exceeded'],
    [new LlmQuotaExceededError('used up'), 429, 'rate_limit_error', 'insufficient_quota'],
    [new LlmOverloadedError('busy'), 503, 'server_error', 'llm_overloaded'],
    [new ModuleUnavailableError('no orchestrator'), 503, 'server_error', 'module_unavailable'],
    [new NotFoundError('no such conversation'), 404, 'invalid_request_error', 'not_found'],
    [new Error('boom'), 500, 'server_error', 'internal'],
  ])('%s → %i %s %s', (err, status, type, code) => {
    const { status: actual, body } = toOpenAiError(err);
    expect(actual).toBe(status);
    expect(body.error).toMatchObject({ type, code, param: null });
  });

  it('never shows the internals of an unexpected error', () => {
    expect(toOpenAiError(new Error('password=hunter2')).body.error.message).toBe('internal server error');
  });
});
