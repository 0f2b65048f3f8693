import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { filter, lastValueFrom, map, Observable } from 'rxjs';
import type { TarsConfigValues } from '../../config/config.schema.js';
import { TarsConfig } from '../../config/tars-config.js';
import {
  CancelledError,
  LlmFailedError,
  LlmOverloadedError,
  LlmQuotaExceededError,
  LlmTimeoutError,
  LlmUnavailableError,
  ModelNotFoundError,
  ModuleUnavailableError,
  TarsError,
} from '../../contracts/errors.js';
import type { ChatMessageDto, GenerationSummaryDto } from '../../contracts/inference/generation.dto.js';
import { INFERENCE_CONTRACT, type InferenceContract } from '../../contracts/inference/inference.contract.js';
import { MEMORY_CONTRACT, type MemoryContract } from '../../contracts/memory/memory.contract.js';
import type { MemoryHitDto, MemoryLayer } from '../../contracts/memory/search.dto.js';
import type { AnswerSourceDto, AskCommand, ChatAnswerDto, ChatEvent, RouteDecisionDto } from '../../contracts/orchestrator/chat.dto.js';
import { consume } from './observable-consumer.js';
import { describePlan, planAnswer } from './planning/planner.js';
import { degradedAnswer } from './prompts/degraded-answer.js';
import { PromptTemplates } from './prompts/prompt-templates.js';
import { ContextRetriever, type RetrievedPassage, retrievalQuery } from './retrieval/context-retriever.js';
import { isFollowUp } from './routing/follow-up.js';
import { FollowUpRewriter } from './routing/follow-up-rewriter.js';
import { QuestionRouter } from './routing/question-router.js';
import { splitSubQueries } from './routing/sub-queries.js';
import { StageTimer } from './stage-timer.js';
import { Synthesizer } from './synthesizer.js';

/** Failures after which the answer is built from memory instead of failing: no LLM could answer. */
const DEGRADABLE = [LlmUnavailableError, LlmOverloadedError, LlmTimeoutError, LlmQuotaExceededError, LlmFailedError, ModuleUnavailableError];

function isDegradable(err: unknown): err is TarsError {
  return DEGRADABLE.some((cls) => err instanceof cls);
}

/** Turns of the conversation being answered are in the prompt as history already (or are the question itself). */
function withoutTurnsOf(passages: RetrievedPassage[], conversationId: string | undefined): RetrievedPassage[] {
  if (!conversationId) return passages;
  return passages.filter(({ hit }) => !(hit.layer === 'conversations' && hit.source.conversationId === conversationId));
}

export interface PipelineOptions {
  /** Answer from memory when no LLM answers (default true). */
  degrade?: boolean;
}

/** Everything an answer collects on its way, for the final `done`. */
interface AnswerState {
  timer: StageTimer;
  conversationId: string | null;
  route: RouteDecisionDto;
  notices: string[];
  /** The user's turn being stored: its conversation id, or null when it was not remembered. */
  questionStored: Promise<string | null>;
}

/**
 * The question pipeline of the orchestrator: load the conversation, rewrite a follow-up, route,
 * remember the question, retrieve, build the prompt, generate (streaming), remember the answer.
 * With no LLM answering, the answer lists the retrieved passages and says it was not generated.
 */
@Injectable()
export class AnswerPipeline {
  private readonly logger = new Logger('orchestrator');
  private readonly settings: TarsConfigValues['orchestrator'];
  private readonly router: QuestionRouter;
  private readonly retriever: ContextRetriever;
  private readonly rewriter: FollowUpRewriter;
  private readonly synthesizer: Synthesizer;
  private models?: { names: Set<string>; at: number };

  constructor(
    config: TarsConfig,
    private readonly templates: PromptTemplates,
    @Inject(MEMORY_CONTRACT.token) private readonly memory: MemoryContract,
    @Inject(INFERENCE_CONTRACT.token) private readonly inference: InferenceContract,
  ) {
    this.settings = config.orchestrator;
    this.answerTokens = config.inference.maxAnswerTokens;
    this.router = new QuestionRouter(this.settings.router);
    this.retriever = new ContextRetriever(memory);
    this.rewriter = new FollowUpRewriter(this.settings.rewrite, templates, () => inference);
    this.synthesizer = new Synthesizer(this.retriever, templates);
  }

  private readonly answerTokens: number;

  /**
   * The answer as a stream: `start`, tokens, `done`. Unsubscribing cancels the generation. With
   * `degrade: false` an LLM failure is thrown instead of answered from memory (the question
   * pipeline retries it).
   */
  stream(command: AskCommand, options: PipelineOptions = {}): Observable<ChatEvent> {
    return new Observable<ChatEvent>((subscriber) => {
      const abort = new AbortController();
      this.run(command, (event) => subscriber.next(event), abort.signal, options).then(
        () => subscriber.complete(),
        (err: unknown) => subscriber.error(err),
      );
      return () => abort.abort();
    });
  }

  /** One whole answer, not remembered, failing (not degrading) when no LLM answers: for the question pipeline. */
  answerOnce(question: string): Promise<ChatAnswerDto> {
    return lastValueFrom(
      this.stream({ question, remember: false }, { degrade: false }).pipe(
        filter((event): event is Extract<ChatEvent, { type: 'done' }> => event.type === 'done'),
        map((event) => event.answer),
      ),
    );
  }

  private async run(command: AskCommand, emit: (event: ChatEvent) => void, signal: AbortSignal, options: PipelineOptions): Promise<void> {
    const timer = new StageTimer();
    const remember = command.remember ?? true;
    const { conversationId: knownId, history } = await timer.time('load', () => this.loadConversation(command));
    if (command.model) await this.checkModel(command.model);

    const rewrite =
      this.settings.rewrite.mode !== 'off' && isFollowUp(command.question, history)
        ? await timer.time('rewrite', () => this.rewriter.rewrite(command.question, history, command.model, signal))
        : undefined;
    const query = rewrite?.query ?? command.question;
    const choice = await timer.time('route', () => this.router.route(query, (q) => this.probe(q, command.layers)));
    const subQueries = choice.name === 'synthesis' ? splitSubQueries(command.question, this.settings.router.maxSubQueries) : [];
    const plan = planAnswer({
      route: choice.name,
      query: retrievalQuery(query),
      subQueries,
      probeHits: choice.probeHits,
      k: this.settings.retrievalK,
    });
    const route: RouteDecisionDto = {
      name: choice.name,
      reason: rewrite ? `${choice.reason}; follow-up rewritten (${rewrite.method})` : choice.reason,
      retrievalQuery: retrievalQuery(query),
      subQueries,
      plan: describePlan(plan),
    };

    const state: AnswerState = { timer, conversationId: knownId ?? null, route, notices: [], questionStored: Promise.resolve(null) };
    let passages: RetrievedPassage[] = [];
    if (choice.name !== 'inference_only') {
      const gathered = await timer.time('retrieve', () => this.synthesizer.gather(plan, command.layers));
      state.notices.push(...gathered.notices);
      passages = withoutTurnsOf(gathered.passages, knownId);
      if (passages.length === 0) state.notices.push('memory holds nothing relevant to this question; the answer comes from the model alone');
    }

    // The question is stored while the answer is generated rather than before (a database round
    // trip on every first token); the answer only ends once the question is stored, so that a
    // question is never lost: its failure fails the answer, or (a new conversation while memory is
    // away) is said in the notices.
    state.conversationId = remember ? (knownId ?? randomUUID()) : null;
    state.questionStored = remember
      ? this.rememberTurn(state, state.conversationId!, 'user', command.question, !!knownId)
      : Promise.resolve(null);
    state.questionStored.catch(() => undefined); // awaited before the end
    emit({ type: 'start', conversationId: state.conversationId, route });

    const numCtx = command.options?.numCtx ?? this.settings.numCtx;
    const answerTokens = Math.min(command.options?.maxTokens ?? this.answerTokens, Math.floor(numCtx / 2));
    const prompt = await timer.time('prompt', async () =>
      this.synthesizer.compose({ question: command.question, route: choice.name, history, passages, numCtx, answerTokens }),
    );
    state.notices.push(...prompt.notices);

    let text = '';
    let summary: GenerationSummaryDto | undefined;
    const generationStart = performance.now();
    try {
      await consume(
        this.inference.streamGenerate({
          model: command.model,
          messages: prompt.messages,
          options: { ...command.options, numCtx, maxTokens: answerTokens },
        }),
        signal,
        (event) => {
          if (event.type === 'token') {
            if (text === '') timer.add('firstToken', performance.now() - generationStart);
            text += event.text;
            emit(event);
          } else summary = event.summary;
        },
      );
      timer.add('generate', performance.now() - generationStart);
    } catch (err) {
      timer.add('generate', performance.now() - generationStart);
      if (text === '' && options.degrade !== false && isDegradable(err)) {
        const answer = await this.degrade(state, err, prompt.sources, command);
        emit({ type: 'token', text: answer.answer });
        await this.finish(state, answer, emit, remember);
        return;
      }
      if (remember && text !== '') {
        const note = err instanceof CancelledError ? '[answer cancelled]' : `[answer interrupted: ${(err as Error).message}]`;
        void state.questionStored
          .then((id) => (id ? this.rememberTurn(state, id, 'assistant', `${text}\n\n${note}`, true) : undefined))
          .catch(() => undefined);
      }
      throw err;
    }

    await this.finish(
      state,
      {
        answer: text,
        generated: true,
        degraded: null,
        sources: prompt.sources,
        model: summary?.model,
        backend: summary?.backend,
        usage: {
          promptTokens: summary?.promptTokens ?? prompt.promptTokens,
          completionTokens: summary?.completionTokens ?? 0,
          numCtx: summary?.numCtx ?? numCtx,
        },
      },
      emit,
      remember,
    );
  }

  private async finish(
    state: AnswerState,
    answer: Omit<ChatAnswerDto, 'conversationId' | 'route' | 'timings' | 'notices'>,
    emit: (event: ChatEvent) => void,
    remember: boolean,
  ): Promise<void> {
    state.conversationId = await state.questionStored;
    if (remember && state.conversationId) {
      await this.rememberTurn(state, state.conversationId, 'assistant', answer.answer || '(empty answer)', true);
    }
    emit({
      type: 'done',
      answer: {
        conversationId: state.conversationId,
        route: state.route,
        ...answer,
        timings: state.timer.snapshot(),
        notices: [...new Set(state.notices)],
      },
    });
  }

  /** The answer when no LLM answered: retrieved passages (retrieving now if the route had not). */
  private async degrade(
    state: AnswerState,
    err: TarsError,
    sources: AnswerSourceDto[],
    command: AskCommand,
  ): Promise<Omit<ChatAnswerDto, 'conversationId' | 'route' | 'timings' | 'notices'>> {
    this.logger.warn(`answering from memory only: ${err.message}`);
    let cited = sources;
    if (cited.length === 0) {
      const retrieval = await state.timer.time('retrieve', () =>
        this.retriever.retrieve([state.route.retrievalQuery], this.settings.retrievalK, command.layers),
      );
      state.notices.push(...retrieval.notices);
      cited = withoutTurnsOf(retrieval.passages, state.conversationId ?? undefined).map(({ hit }, i) => ({
        ref: i + 1,
        layer: hit.layer,
        kind: hit.kind,
        title: hit.title,
        snippet: (hit.text ?? hit.snippet).slice(0, 400),
        score: hit.score,
        source: hit.source,
      }));
    }
    state.notices.push(`no language model answered (${err.code}); the answer lists passages from memory and is not generated`);
    return {
      answer: degradedAnswer(this.templates, err.message, cited),
      generated: false,
      degraded: { code: err.code, reason: err.message },
      sources: cited,
      usage: { promptTokens: 0, completionTokens: 0, numCtx: 0 },
    };
  }

  private async loadConversation(command: AskCommand): Promise<{ conversationId?: string; history: ChatMessageDto[] }> {
    const keep = this.settings.historyTurns;
    if (!command.conversationId) return { history: (command.history ?? []).slice(-keep || undefined).slice(0, keep) };
    const conversation = await this.memory.getConversation({ id: command.conversationId, turns: Math.max(1, keep) });
    const history = conversation.turns
      .filter((turn) => turn.role !== 'system')
      .map((turn) => ({ role: turn.role, content: turn.content }))
      .slice(-keep || undefined)
      .slice(0, keep);
    return { conversationId: conversation.id, history };
  }

  /** Stores a turn; a new conversation that cannot be stored goes on unremembered (and says so). */
  private async rememberTurn(
    state: AnswerState,
    conversationId: string,
    role: 'user' | 'assistant',
    content: string,
    mustExist: boolean,
  ): Promise<string | null> {
    try {
      await state.timer.time('store', () => this.memory.appendTurn({ conversationId, role, content: content.slice(0, 200_000) }));
      return conversationId;
    } catch (err) {
      if (mustExist || !(err instanceof ModuleUnavailableError)) throw err;
      state.notices.push(`this conversation is not remembered: ${err.message}`);
      return null;
    }
  }

  /** The router's probe, reused as the retrieval of needs_context: same query, k and whole texts. */
  private async probe(query: string, layers: MemoryLayer[] | undefined): Promise<MemoryHitDto[] | undefined> {
    try {
      const result = await this.memory.search({ q: retrievalQuery(query), k: this.settings.retrievalK, layers, withText: true });
      return result.hits;
    } catch (err) {
      this.logger.warn(`memory probe failed: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Refuses an unknown model before anything streams (checked against the backends' models, cached 10 s). */
  private async checkModel(model: string): Promise<void> {
    const now = Date.now();
    if (!this.models || now - this.models.at > 10_000 || !this.models.names.has(model)) {
      try {
        const list = await this.inference.listModels({});
        this.models = { names: new Set(list.models.map((m) => m.name)), at: now };
        if (list.unavailable.length > 0 && list.models.length === 0) return; // cannot tell: the generation will say
      } catch {
        return; // the inference module is unreachable: the answer degrades later
      }
    }
    if (!this.models.names.has(model)) {
      throw new ModelNotFoundError(`no LLM backend serves model '${model}'; available: ${[...this.models.names].join(', ') || 'none'}`, {
        model,
      });
    }
  }
}
