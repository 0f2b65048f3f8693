import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Observable } from 'rxjs';
import { PACKAGE_ROOT } from '../../config/config.loader.js';
import { TarsConfig } from '../../config/tars-config.js';
import { CancelledError, ModuleUnavailableError, type TarsError, ValidationFailedError } from '../../contracts/errors.js';
import type { ChatMessageDto, GenerationSummaryDto } from '../../contracts/inference/generation.dto.js';
import { INFERENCE_CONTRACT, type InferenceContract } from '../../contracts/inference/inference.contract.js';
import { MEMORY_CONTRACT, type MemoryContract } from '../../contracts/memory/memory.contract.js';
import type { AskCommand, ChatAnswerDto, ChatEvent, DegradedDto, RouteDecisionDto } from '../../contracts/orchestrator/chat.dto.js';

/** The `degraded.code` of an answer given without the orchestrator. */
export const ORCHESTRATOR_UNAVAILABLE = 'orchestrator_unavailable';

/** Rough token count (about 3.5 characters per token) and chat framing per message, as the orchestrator counts them. */
const estimateTokens = (text: string) => Math.ceil(text.length / 3.5);
const MESSAGE_OVERHEAD_TOKENS = 6;

/** No node serving the orchestrator answered (none runs, it went silent, or NATS is down): the failure this fallback is for. */
export function isOrchestratorUnreachable(err: unknown): err is ModuleUnavailableError {
  return err instanceof ModuleUnavailableError && err.details?.module === 'orchestrator';
}

/** The system prompt of every answer: `system.md` of the prompt templates (orchestrator.promptsDir). */
function readSystemPrompt(promptsDir: string): string {
  const file = join(promptsDir || join(PACKAGE_ROOT, 'config', 'prompts'), 'system.md');
  try {
    return readFileSync(file, 'utf8').trimEnd();
  } catch (err) {
    throw new Error(`prompt template ${file} cannot be read (orchestrator.promptsDir): ${(err as Error).message}`, { cause: err });
  }
}

/** Waits for a generation stream to end, passing its items on; aborting cancels it upstream. */
function consume<T>(source: Observable<T>, signal: AbortSignal, onItem: (item: T) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const subscription = source.subscribe({ next: onItem, error: reject, complete: resolve });
    const onAbort = () => {
      subscription.unsubscribe();
      reject(new CancelledError('the caller went away'));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The answer of a node that cannot reach any orchestrator: the model is asked directly (through the
 * inference contract) with the system prompt, the conversation's recent turns from memory layer 1
 * and the question; no retrieval, no sources. Both turns are stored in layer 1 as usual, and the
 * answer says it is degraded (`degraded.code: orchestrator_unavailable`) from its `start` on.
 */
@Injectable()
export class DegradedChat {
  private readonly logger = new Logger('chat');
  private readonly system: string;

  constructor(
    private readonly config: TarsConfig,
    @Inject(INFERENCE_CONTRACT.token) private readonly inference: InferenceContract,
    @Inject(MEMORY_CONTRACT.token) private readonly memory: MemoryContract,
  ) {
    this.system = readSystemPrompt(config.orchestrator.promptsDir);
  }

  /** The answer as a stream (`start`, tokens, `done`); `cause` is the orchestrator's failure. Unsubscribing cancels it. */
  stream(command: AskCommand, cause: TarsError): Observable<ChatEvent> {
    return new Observable<ChatEvent>((subscriber) => {
      const abort = new AbortController();
      this.run(command, cause, (event) => subscriber.next(event), abort.signal).then(
        () => subscriber.complete(),
        (err: unknown) => subscriber.error(err),
      );
      return () => abort.abort();
    });
  }

  private async run(command: AskCommand, cause: TarsError, emit: (event: ChatEvent) => void, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const timings: Record<string, number> = {};
    const time = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
      const at = performance.now();
      try {
        return await work();
      } finally {
        timings[stage] = (timings[stage] ?? 0) + performance.now() - at;
      }
    };
    this.logger.warn(`the orchestrator cannot be reached (${cause.message}): answering with the model alone`);
    const degraded: DegradedDto = { code: ORCHESTRATOR_UNAVAILABLE, reason: cause.message };
    const notices = [
      'the orchestrator cannot be reached: the model answered alone, with the recent turns of this conversation (no memory retrieval, no sources)',
    ];
    const route: RouteDecisionDto = {
      name: 'inference_only',
      reason: `no orchestrator answered (${String(cause.details?.reason ?? cause.code)}): the model is asked directly`,
      retrievalQuery: command.question,
      subQueries: [],
      plan: ['generate from the conversation alone (degraded: no orchestrator)'],
    };

    const remember = command.remember ?? true;
    const { knownId, history } = await time('load', () => this.loadHistory(command));
    const numCtx = command.options?.numCtx ?? this.config.orchestrator.numCtx;
    const answerTokens = Math.min(command.options?.maxTokens ?? this.config.inference.maxAnswerTokens, Math.floor(numCtx / 2));
    const messages = this.fitPrompt(command.question, history, numCtx - answerTokens, notices);

    let conversationId: string | null = remember ? (knownId ?? randomUUID()) : null;
    if (conversationId) {
      conversationId = await time('store', () => this.rememberQuestion(conversationId!, command.question, !!knownId, notices));
    }
    emit({ type: 'start', conversationId, route, degraded });

    let text = '';
    let summary: GenerationSummaryDto | undefined;
    const generationStart = performance.now();
    try {
      await consume(
        this.inference.streamGenerate({ model: command.model, messages, options: { ...command.options, numCtx, maxTokens: answerTokens } }),
        signal,
        (event) => {
          if (event.type === 'done') {
            summary = event.summary;
            return;
          }
          if (text === '') timings.firstToken = performance.now() - generationStart;
          text += event.text;
          emit(event);
        },
      );
    } catch (err) {
      if (conversationId && text !== '') {
        const note = err instanceof CancelledError ? '[answer cancelled]' : `[answer interrupted: ${(err as Error).message}]`;
        void this.memory.appendTurn({ conversationId, role: 'assistant', content: `${text}\n\n${note}` }).catch(() => undefined);
      }
      throw err;
    } finally {
      timings.generate = performance.now() - generationStart;
    }
    if (conversationId) await time('store', () => this.memory.appendTurn({ conversationId: conversationId!, role: 'assistant', content: text || '(empty answer)' }));
    timings.total = performance.now() - started;

    const answer: ChatAnswerDto = {
      conversationId,
      answer: text,
      generated: true,
      degraded,
      route,
      sources: [],
      model: summary?.model,
      backend: summary?.backend,
      timings,
      usage: {
        promptTokens: summary?.promptTokens ?? messages.reduce((n, m) => n + estimateTokens(m.content) + MESSAGE_OVERHEAD_TOKENS, 0),
        completionTokens: summary?.completionTokens ?? 0,
        numCtx: summary?.numCtx ?? numCtx,
      },
      notices,
    };
    emit({ type: 'done', answer });
  }

  /** The conversation's recent turns (layer 1), or the history the caller sent; at most orchestrator.historyTurns. */
  private async loadHistory(command: AskCommand): Promise<{ knownId?: string; history: ChatMessageDto[] }> {
    const keep = this.config.orchestrator.historyTurns;
    const recent = (messages: ChatMessageDto[]) => (keep === 0 ? [] : messages.slice(-keep));
    if (!command.conversationId) return { history: recent(command.history ?? []) };
    const conversation = await this.memory.getConversation({ id: command.conversationId, turns: Math.max(1, keep) });
    const turns = conversation.turns.filter((turn) => turn.role !== 'system').map((turn) => ({ role: turn.role, content: turn.content }));
    return { knownId: conversation.id, history: recent(turns) };
  }

  /** System prompt and question always; then as many recent turns as fit the context window, newest first. */
  private fitPrompt(question: string, history: ChatMessageDto[], budget: number, notices: string[]): ChatMessageDto[] {
    let used = estimateTokens(this.system) + estimateTokens(question) + 2 * MESSAGE_OVERHEAD_TOKENS;
    if (used > budget) {
      throw new ValidationFailedError(`the question needs about ${used} tokens, more than the ${budget} the context window leaves for it`, {
        fields: ['question'],
      });
    }
    const kept: ChatMessageDto[] = [];
    for (const message of [...history].reverse()) {
      used += estimateTokens(message.content) + MESSAGE_OVERHEAD_TOKENS;
      if (used > budget) {
        notices.push(`${history.length - kept.length} earlier turn(s) left out of the prompt to fit the context window`);
        break;
      }
      kept.unshift(message);
    }
    return [{ role: 'system', content: this.system }, ...kept, { role: 'user', content: question }];
  }

  /** Stores the question; a new conversation that memory cannot take goes on unremembered (and says so). */
  private async rememberQuestion(conversationId: string, question: string, mustExist: boolean, notices: string[]): Promise<string | null> {
    try {
      await this.memory.appendTurn({ conversationId, role: 'user', content: question });
      return conversationId;
    } catch (err) {
      if (mustExist || !(err instanceof ModuleUnavailableError)) throw err;
      notices.push(`this conversation is not remembered: ${err.message}`);
      return null;
    }
  }
}
