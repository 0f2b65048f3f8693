import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Observable, Subscription } from 'rxjs';
import { CancelledError, LlmFailedError } from '../../contracts/errors.js';
import { AskCommand, ChatAnswerDto, type ChatEvent } from '../../contracts/orchestrator/chat.dto.js';
import { RequireScope } from '../../platform/auth/auth.decorators.js';
import { toErrorResponse } from '../../platform/http/error-response.filter.js';
import type { AuthenticatedRequest } from '../api-access.guard.js';
import { ChatAnswers } from './chat-answers.js';
import { SseResponse } from './sse-response.js';
import { StreamSlots } from './stream-slots.js';

/** What each stream event carries on the wire (the type is the SSE event name). */
function eventData(event: ChatEvent): unknown {
  switch (event.type) {
    case 'start':
      return { conversationId: event.conversationId, route: event.route, degraded: event.degraded ?? null };
    case 'token':
      return { text: event.text };
    case 'done':
      return event.answer;
  }
}

@ApiTags('chat')
@RequireScope('write')
@ApiBadRequestResponse({ description: 'Empty or oversized question, or another invalid field' })
@ApiNotFoundResponse({ description: 'Unknown conversationId or model' })
@ApiServiceUnavailableResponse({
  description: 'Neither the orchestrator nor the model can be reached (or memory, for a stored conversation), or the database is down',
})
@Controller('chat')
export class ChatController {
  constructor(
    private readonly answers: ChatAnswers,
    private readonly slots: StreamSlots,
  ) {}

  @Post('query')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Ask a question and get the whole answer',
    description:
      'The answer with its route (and why), sources, per-stage timings and conversation id. Pass `conversationId` to continue a ' +
      'conversation. With no LLM reachable, `generated` is false and the answer lists the passages retrieved from memory. ' +
      'With no orchestrator reachable, the model answers alone from the conversation: `degraded.code` is orchestrator_unavailable. ' +
      'Closing the connection cancels the generation.',
  })
  @ApiOkResponse({ type: ChatAnswerDto })
  async askQuestion(@Body() command: AskCommand, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ChatAnswerDto> {
    const release = this.slots.acquire(req.principal?.keyId ?? 'anonymous');
    try {
      return await collectAnswer(this.answers.stream(command), reply);
    } finally {
      release();
    }
  }

  @Post('stream')
  @ApiOperation({
    summary: 'Ask a question and receive the answer as Server-Sent Events',
    description:
      'Events: `start` {conversationId, route, degraded}; `token` {text}, many; then `done` with the same body as POST /chat/query. ' +
      'A failure after the start ends the stream with `error` {statusCode, code, message}; before it, the answer is an ordinary ' +
      'JSON error. Lines starting with ":" are keep-alives. Closing the connection cancels the generation upstream.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  async streamAnswer(@Body() command: AskCommand, @Req() req: AuthenticatedRequest, @Res() reply: FastifyReply): Promise<void> {
    const release = this.slots.acquire(req.principal?.keyId ?? 'anonymous');
    let sse: SseResponse | undefined;
    let subscription: Subscription | undefined;
    const finish = () => {
      subscription?.unsubscribe();
      sse?.end();
      release();
    };
    // The client went away before the end: unsubscribing cancels the generation upstream.
    reply.raw.on('close', finish);
    await new Promise<void>((resolve, reject) => {
      subscription = this.answers.stream(command).subscribe({
        next: (event) => {
          if (!sse) {
            void reply.hijack();
            sse = new SseResponse(reply.raw);
            resolve();
          }
          sse.send(event.type, eventData(event));
        },
        error: (err: unknown) => {
          if (!sse) {
            release();
            reject(err);
            return;
          }
          const body = toErrorResponse(err);
          sse.send('error', { statusCode: body.statusCode, code: body.code, message: body.message });
          finish();
        },
        complete: () => {
          finish();
          resolve();
        },
      });
    });
  }
}

/**
 * The `done` answer of a stream. A client that disconnects first cancels the generation, and the
 * promise settles (CancelledError) so that the caller frees the key's stream slot.
 */
function collectAnswer(events: Observable<ChatEvent>, reply: FastifyReply): Promise<ChatAnswerDto> {
  return new Promise<ChatAnswerDto>((resolve, reject) => {
    let answer: ChatAnswerDto | undefined;
    const onClose = () => {
      subscription.unsubscribe();
      reject(new CancelledError('the client closed the connection before the answer was complete'));
    };
    const subscription = events.subscribe({
      next: (event) => {
        if (event.type === 'done') answer = event.answer;
      },
      error: (err: unknown) => {
        reply.raw.off('close', onClose);
        reject(err);
      },
      complete: () => {
        reply.raw.off('close', onClose);
        if (answer) resolve(answer);
        else reject(new LlmFailedError('the answer stream ended without an answer'));
      },
    });
    if (!subscription.closed) reply.raw.on('close', onClose);
  });
}
