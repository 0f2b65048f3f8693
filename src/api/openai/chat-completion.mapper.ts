import { randomUUID } from 'node:crypto';
import type { GenerationEvent } from '../../contracts/inference/generation.dto.js';
import type { ChatAnswerDto, ChatEvent } from '../../contracts/orchestrator/chat.dto.js';
import type {
  ChatCompletionChunkDto,
  ChatCompletionDto,
  CompletionDeltaDto,
  CompletionUsageDto,
  TarsCompletionExtrasDto,
} from './chat-completion-response.dto.js';

/** The fields every object of one completion shares (a stream repeats them in each chunk). */
export interface CompletionIdentity {
  id: string;
  /** Unix time in seconds. */
  created: number;
  model: string;
}

export type FinishReason = 'stop' | 'length';

/** A completion in OpenAI's terms, whichever contract produced it. */
export type CompletionEvent =
  | { type: 'start'; conversationId: string | null }
  | { type: 'text'; text: string }
  | {
      type: 'end';
      finishReason: FinishReason;
      usage: CompletionUsageDto;
      /** The model that answered, when the producer says (a plain generation). */
      model?: string;
      /** The whole text again, when the producer has it (model `tars`). */
      text?: string;
      tars?: TarsCompletionExtrasDto;
    };

export function newCompletionIdentity(model: string, now = Date.now()): CompletionIdentity {
  return { id: `chatcmpl-${randomUUID().replaceAll('-', '')}`, created: Math.floor(now / 1000), model };
}

/** Token counts as the backend reported them; 0 when it did not (e.g. an answer made without an LLM). */
export function completionUsage(promptTokens?: number, completionTokens?: number): CompletionUsageDto {
  const prompt = promptTokens ?? 0;
  const completion = completionTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** `length` when the answer was cut at maxTokens; every other ending reads as a normal stop. */
export function finishReason(doneReason: string | undefined): FinishReason {
  return doneReason === 'length' ? 'length' : 'stop';
}

export function tarsExtras(answer: ChatAnswerDto): TarsCompletionExtrasDto {
  return {
    conversationId: answer.conversationId,
    route: answer.route,
    sources: answer.sources,
    timings: answer.timings,
    degraded: answer.degraded,
    notices: answer.notices,
    ...(answer.model ? { model: answer.model } : {}),
    ...(answer.backend ? { backend: answer.backend } : {}),
  };
}

/** The end of a completion: why it stopped, its usage, and what the producer knows besides. */
export type CompletionEnd = Extract<CompletionEvent, { type: 'end' }>;

/** A whole `chat.completion` from the text of a stream and its end. */
export function completionOf(identity: CompletionIdentity, streamedText: string, end: CompletionEnd): ChatCompletionDto {
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: end.model ?? identity.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: end.text ?? streamedText, refusal: null },
        finish_reason: end.finishReason,
        logprobs: null,
      },
    ],
    usage: end.usage,
    ...(end.tars ? { tars: end.tars } : {}),
  };
}

export function fromChatEvent(event: ChatEvent): CompletionEvent {
  switch (event.type) {
    case 'start':
      return { type: 'start', conversationId: event.conversationId };
    case 'token':
      return { type: 'text', text: event.text };
    case 'done':
      return {
        type: 'end',
        finishReason: 'stop',
        usage: completionUsage(event.answer.usage.promptTokens, event.answer.usage.completionTokens),
        text: event.answer.answer,
        tars: tarsExtras(event.answer),
      };
  }
}

export function fromGenerationEvent(event: GenerationEvent): CompletionEvent {
  if (event.type === 'token') return { type: 'text', text: event.text };
  const { summary } = event;
  return {
    type: 'end',
    finishReason: finishReason(summary.doneReason),
    usage: completionUsage(summary.promptTokens, summary.completionTokens),
    model: summary.model || undefined,
  };
}

/** The SSE data that ends every successful stream. */
export const STREAM_DONE = '[DONE]';

/**
 * Turns the events of one stream into OpenAI's chunks: a first chunk with the assistant role,
 * one per piece of text, one with finish_reason, the usage chunk when asked for, then [DONE].
 */
export class CompletionChunks {
  private started = false;

  constructor(
    private readonly identity: CompletionIdentity,
    private readonly includeUsage: boolean,
  ) {}

  chunksFor(event: CompletionEvent): Array<ChatCompletionChunkDto | typeof STREAM_DONE> {
    const chunks: Array<ChatCompletionChunkDto | typeof STREAM_DONE> = [];
    if (!this.started) {
      this.started = true;
      chunks.push(this.chunk({ role: 'assistant', content: '' }, null));
    }
    if (event.type === 'text' && event.text !== '') chunks.push(this.chunk({ content: event.text }, null));
    if (event.type === 'end') {
      const model = event.model ?? this.identity.model;
      chunks.push({ ...this.chunk({}, event.finishReason, model), ...(event.tars ? { tars: event.tars } : {}) });
      if (this.includeUsage) chunks.push({ ...this.chunk({}, null, model), choices: [], usage: event.usage });
      chunks.push(STREAM_DONE);
    }
    return chunks;
  }

  private chunk(delta: CompletionDeltaDto, reason: FinishReason | null, model = this.identity.model): ChatCompletionChunkDto {
    return {
      id: this.identity.id,
      object: 'chat.completion.chunk',
      created: this.identity.created,
      model,
      choices: [{ index: 0, delta, finish_reason: reason, logprobs: null }],
      ...(this.includeUsage ? { usage: null } : {}),
    };
  }
}
