import { STATUS_CODES } from 'node:http';

/** The JSON body of every error answer. */
export interface ErrorResponse {
  statusCode: number;
  /** The HTTP reason phrase, e.g. "Not Found". */
  error: string;
  /** What went wrong, for a person. */
  message: string;
  /** Stable machine-readable code, e.g. `module_unavailable`. */
  code: string;
  /** Validation failures, one message per field problem. */
  fields?: string[];
  details?: Record<string, unknown>;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  500: 'internal',
  503: 'unavailable',
};

export function errorResponse(
  statusCode: number,
  message: string,
  extra: Partial<Pick<ErrorResponse, 'code' | 'fields' | 'details'>> = {},
): ErrorResponse {
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    code: extra.code ?? CODE_BY_STATUS[statusCode] ?? 'error',
    ...(extra.fields ? { fields: extra.fields } : {}),
    ...(extra.details ? { details: extra.details } : {}),
  };
}
