import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { FastifyReply } from 'fastify';
import { type Observable, throwError } from 'rxjs';
import { TarsError, toWireError, ValidationFailedError } from '../../contracts/errors.js';
import { typedFailure } from '../database/database-unavailable.js';
import { errorResponse, type ErrorResponse } from './error-response.js';
import { httpStatusOf } from './http-status.js';

/** Fastify's own errors (body parsing, size limits) carry a statusCode and an FST_ code. */
interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message: string;
}

/** Turns any error into an HTTP answer: the one place where errors meet status codes. */
export function toErrorResponse(raw: unknown): ErrorResponse {
  // A lost database connection is not a bug: 503 database_unavailable, like any service that is away.
  const err = typedFailure(raw);
  if (err instanceof TarsError) {
    const fields = err instanceof ValidationFailedError ? (err.details?.fields as string[] | undefined) : undefined;
    const details = err.details && !fields ? err.details : undefined;
    return errorResponse(httpStatusOf(err), err.message, { code: err.code, fields, details });
  }
  if (err instanceof HttpException) {
    const body = err.getResponse();
    const raw = typeof body === 'string' ? body : (body as { message?: unknown }).message;
    const message = Array.isArray(raw) ? raw.join('; ') : String(raw ?? err.message);
    return errorResponse(err.getStatus(), message);
  }
  const fastifyError = err as FastifyLikeError;
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return errorResponse(fastifyError.statusCode, describeFastifyError(fastifyError));
  }
  return errorResponse(500, 'internal server error');
}

function describeFastifyError(err: FastifyLikeError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body is larger than the configured limit (http.bodyLimitBytes)';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported content type; send application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the JSON body is empty';
    default:
      return err.message.startsWith('Body is not valid JSON') || err.message.includes('JSON')
        ? `malformed JSON body: ${err.message}`
        : err.message;
  }
}

@Catch()
export class ErrorResponseFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(raw: unknown, host: ArgumentsHost): void | Observable<never> {
    // NATS handlers answer with the wire form of the error (see contract-binding.ts).
    if (host.getType() === 'rpc') {
      return throwError(() => (raw instanceof RpcException ? raw.getError() : toWireError(typedFailure(raw))));
    }
    const err = typedFailure(raw);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = toErrorResponse(err);
    if (body.statusCode >= 500 && !(err instanceof TarsError)) {
      this.logger.error((err as Error)?.stack ?? String(err));
    }
    if (reply.sent) return;
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
