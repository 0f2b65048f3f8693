import { ApiProperty } from '@nestjs/swagger';
import { LlmQuotaExceededError, ModelNotFoundError, ValidationFailedError } from '../../contracts/errors.js';
import { toErrorResponse } from '../../platform/http/error-response.filter.js';

export class OpenAiErrorDetailDto {
  @ApiProperty() message: string;
  @ApiProperty({ example: 'invalid_request_error' }) type: string;
  @ApiProperty({ nullable: true, type: String, description: 'The request field at fault, when known' }) param: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'model_not_found' }) code: string | null;
}

/** OpenAI's error body, which the official clients parse into their error classes. */
export class OpenAiErrorDto {
  @ApiProperty({ type: OpenAiErrorDetailDto }) error: OpenAiErrorDetailDto;
}

/** OpenAI's error `type` per status: clients branch on the status, people read the type. */
function typeOf(status: number): string {
  if (status === 401) return 'invalid_request_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** OpenAI's well-known codes where one fits; otherwise TARS's own stable code (e.g. `llm_overloaded`). */
function codeOf(err: unknown, status: number, tarsCode: string): string {
  if (status === 401) return 'invalid_api_key';
  if (err instanceof LlmQuotaExceededError) return 'insufficient_quota';
  if (status === 429) return 'rate_limit_exceeded';
  if (err instanceof ModelNotFoundError) return 'model_not_found';
  return tarsCode;
}

/** "messages.0.role must be …" names the field first: that path is OpenAI's `param`. */
function paramOf(err: unknown, message: string): string | null {
  if (err instanceof ModelNotFoundError) return 'model';
  if (!(err instanceof ValidationFailedError)) return null;
  const match = /^([A-Za-z_][\w.-]*) (must|should|is|has)\b/.exec(message);
  return match ? match[1] : null;
}

/** Any error as OpenAI would answer it: the HTTP status TARS assigns it and OpenAI's body. */
export function toOpenAiError(err: unknown): { status: number; body: OpenAiErrorDto } {
  const response = toErrorResponse(err);
  return {
    status: response.statusCode,
    body: {
      error: {
        message: response.message,
        type: typeOf(response.statusCode),
        param: paramOf(err, response.fields?.[0] ?? response.message),
        code: codeOf(err, response.statusCode, response.code),
      },
    },
  };
}
