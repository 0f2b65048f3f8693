import { Body, Controller, Headers, HttpCode, Inject, Logger, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { map, mergeMap, type Observable, tap } from 'rxjs';
import { INFERENCE_CONTRACT, type InferenceContract } from '../../contracts/inference/inference.contract.js';
import { ChatAnswers } from '../chat/chat-answers.js';
import { RequireScope } from '../../platform/auth/auth.decorators.js';
import type { AuthenticatedRequest } from '../api-access.guard.js';
import { StreamSlots } from '../chat/stream-slots.js';
import { ChatCompletionChunkDto, ChatCompletionDto } from './chat-completion-response.dto.js';
import { ChatCompletionRequestDto } from './chat-completion.dto.js';
import {
  type CompletionEvent,
  type CompletionIdentity,
  CompletionChunks,
  completionOf,
  fromChatEvent,
  fromGenerationEvent,
  newCompletionIdentity,
} from './chat-completion.mapper.js';
import { type ChatTarget, chatTarget, CONVERSATION_HEADER, TARS_MODEL } from './chat-request.mapper.js';
import { collectCompletion } from './collect-completion.js';
import { OpenAiErrorDto, toOpenAiError } from './openai-error.js';
import { OpenAiErrorFilter } from './openai-error.filter.js';
import { sendSse } from './sse.js';

@ApiTags('openai')
@UseFilters(OpenAiErrorFilter)
@Controller('v1')
export class ChatCompletionsController {
  private readonly logger = new Logger('openai');

  constructor(
    private readonly answers: ChatAnswers,
    @Inject(INFERENCE_CONTRACT.token) private readonly inference: InferenceContract,
    private readonly slots: StreamSlots,
  ) {}

  @Post('chat/completions')
  @HttpCode(200)
  // `write`, not `read`: every call spends LLM time (OWASP API4, bounded per key by scope, rate
  // limit and open streams), and with X-Tars-Conversation-Id it stores turns in memory.
  @RequireScope('write')
  @ApiOperation({
    summary: 'OpenAI-compatible chat completion',
    description:
      `Model \`${TARS_MODEL}\`: the last message is the question, answered with TARS's memory (routing, retrieval, ` +
      'sources in the extra `tars` field); the earlier messages are its history and nothing is stored, unless the ' +
      `\`${CONVERSATION_HEADER}\` header names a stored conversation to continue (or \`new\` to start one). ` +
      'Any other model (GET /v1/models) gets the messages as they are. With `stream: true` the answer is a ' +
      'text/event-stream of `data: {chat.completion.chunk}` lines ending with `data: [DONE]`; a failure after the ' +
      'stream started arrives as `data: {"error": {...}}`. Closing the connection cancels the generation. Each call ' +
      'holds one of the key\'s answer-stream slots (orchestrator.maxStreamsPerKey, shared with /chat) while it runs. ' +
      'Errors use OpenAI\'s `{ error: { message, type, param, code } }`.',
  })
  @ApiHeader({
    name: CONVERSATION_HEADER,
    required: false,
    description: `Model ${TARS_MODEL} only: a conversation id to continue and remember the turn in, or \`new\`; the answer carries the id in the same header`,
  })
  @ApiExtraModels(ChatCompletionDto, ChatCompletionChunkDto)
  @ApiOkResponse({
    description: 'A chat.completion, or (stream: true) a text/event-stream of chat.completion.chunk',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ChatCompletionDto) } },
      'text/event-stream': { schema: { $ref: getSchemaPath(ChatCompletionChunkDto) } },
    },
  })
  @ApiBadRequestResponse({ type: OpenAiErrorDto, description: 'Invalid request, or something TARS does not do (tools, n > 1, JSON mode)' })
  @ApiNotFoundResponse({ type: OpenAiErrorDto, description: 'Unknown model (code model_not_found) or conversation' })
  @ApiServiceUnavailableResponse({ type: OpenAiErrorDto, description: 'No LLM backend or module could answer' })
  async createChatCompletion(
    @Body() body: ChatCompletionRequestDto,
    @Req() req: AuthenticatedRequest,
    @Res() reply: FastifyReply,
    @Headers(CONVERSATION_HEADER) conversation?: string,
  ): Promise<void> {
    const target = chatTarget(body, conversation);
    const identity = newCompletionIdentity(body.model);
    // Both forms consume the answer stream, so both hold one of the key's stream slots, and a
    // client that hangs up cancels the generation either way.
    const release = this.slots.acquire(req.principal?.keyId ?? 'anonymous');
    try {
      if (body.stream) {
        await this.stream(this.events(target), identity, body.stream_options?.include_usage === true, reply);
        return;
      }
      const collected = await collectCompletion(this.events(target), reply);
      if (!collected) return; // the client left: nobody to answer
      const completion = completionOf(identity, collected.text, collected.end);
      if (completion.tars?.conversationId) void reply.header(CONVERSATION_HEADER, completion.tars.conversationId);
      void reply.status(200).send(completion);
    } finally {
      release();
    }
  }

  /** The answer as completion events: from the orchestrator for model `tars` (degraded to the model alone when no orchestrator answers), else straight from the model. */
  private events(target: ChatTarget): Observable<CompletionEvent> {
    return target.kind === 'tars'
      ? this.answers.stream(target.command).pipe(map(fromChatEvent))
      : this.inference.streamGenerate(target.command).pipe(map(fromGenerationEvent));
  }

  /** Streams the answer as chunks; unsubscribing (the client left) cancels the generation upstream. */
  private stream(events: Observable<CompletionEvent>, identity: CompletionIdentity, includeUsage: boolean, reply: FastifyReply): Promise<void> {
    const chunks = new CompletionChunks(identity, includeUsage);
    let conversationId: string | null = null;
    return sendSse(
      reply,
      events.pipe(
        tap((event) => {
          if (event.type === 'start') conversationId = event.conversationId;
        }),
        mergeMap((event) => chunks.chunksFor(event)),
      ),
      {
        headers: (): Record<string, string> => (conversationId ? { [CONVERSATION_HEADER]: conversationId } : {}),
        errorData: (err) => toOpenAiError(err).body,
        onStreamError: (err) => this.logger.warn(`chat completion stream ${identity.id} failed: ${(err as Error)?.message ?? String(err)}`),
      },
    );
  }
}
