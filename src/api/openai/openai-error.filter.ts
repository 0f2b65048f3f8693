import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { TarsError } from '../../contracts/errors.js';
import { toOpenAiError } from './openai-error.js';

/**
 * Errors of the /v1 routes in OpenAI's shape (`{ error: { message, type, param, code } }`), with
 * the statuses the rest of the API uses. Bound to the /v1 controllers only (guard failures included).
 */
@Catch()
export class OpenAiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('openai');

  catch(err: unknown, host: ArgumentsHost): void {
    const { status, body } = toOpenAiError(err);
    if (status >= 500 && !(err instanceof TarsError)) this.logger.error((err as Error)?.stack ?? String(err));
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent) return;
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
