import { Logger, type LoggerService, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { TarsConfigValues } from '../../config/config.schema.js';
import {
  CancelledError,
  LlmBadRequestError,
  LlmFailedError,
  LlmOverloadedError,
  LlmTimeoutError,
  LlmUnavailableError,
  ModelNotFoundError,
  TarsError,
} from '../../contracts/errors.js';
import type {
  GenerateCommand,
  GenerationEvent,
  GenerationResultDto,
  InferenceStatusDto,
  ModelListDto,
} from '../../contracts/inference/generation.dto.js';
import { BackendHandle } from './backend-handle.js';
import { backendFactory, type BackendFactory } from './backends/backend.factory.js';
import type { BackendChatRequest } from './backends/inference-backend.js';
import { QueueFullError, type Release } from './concurrency-limiter.js';
import { fallbackChain, MODEL_LIST_MAX_AGE_MS } from './fallback-chain.js';
import { nextWithin } from './next-within.js';
import type { MetricsService } from '../../platform/metrics/metrics.service.js';

/** The parts of the node configuration the engine reads. */
export type InferenceEngineConfig = Pick<TarsConfigValues, 'dataDir' | 'inference' | 'ollama'>;

export interface InferenceEngineOptions {
  /** Replaces the real backends (tests). */
  createBackend?: BackendFactory;
  logger?: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  /** How long a backend's model list is trusted before it is fetched again. */
  modelListMaxAgeMs?: number;
  /** Where each generation attempt is counted (the node's MetricsService; absent in the CLI and tests). */
  metrics?: Pick<MetricsService, 'observeLlmGeneration'>;
}

type Emit = (event: GenerationEvent) => void;

/**
 * Generation over the configured backends: picks the backends that serve the model (in the order
 * of inference.backends, the fallback chain), limits concurrency per backend with a bounded FIFO
 * queue, enforces the first-token and idle time limits, and falls back to the next backend when
 * one fails before its first token. Usable with Nest (inference.module.ts) and without it.
 */
export class InferenceEngine implements OnModuleInit, OnModuleDestroy {
  private readonly handles: BackendHandle[];
  private readonly logger: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  private readonly modelListMaxAgeMs: number;
  private readonly metrics?: Pick<MetricsService, 'observeLlmGeneration'>;
  private readonly shutdown = new AbortController();
  private probeTimer?: NodeJS.Timeout;
  private probing?: Promise<void>;

  constructor(
    private readonly config: InferenceEngineConfig,
    options: InferenceEngineOptions = {},
  ) {
    const create = options.createBackend ?? backendFactory(config);
    this.handles = config.inference.backends.filter((b) => b.enabled).map((b) => new BackendHandle(b, create));
    this.logger = options.logger ?? new Logger('inference');
    this.modelListMaxAgeMs = options.modelListMaxAgeMs ?? MODEL_LIST_MAX_AGE_MS;
    this.metrics = options.metrics;
  }

  onModuleInit(): void {
    this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /** Starts probing the backends every probeIntervalMs (the first probe at once). */
  start(): void {
    if (this.probeTimer || this.handles.length === 0) return;
    void this.probeNow();
    this.probeTimer = setInterval(() => void this.probeNow(), this.config.inference.probeIntervalMs);
    this.probeTimer.unref();
  }

  /** Stops probing, cancels running generations and frees the backends. */
  async close(): Promise<void> {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.shutdown.abort(new CancelledError('the inference module is shutting down'));
    await Promise.all(this.handles.map((h) => h.close().catch((err: unknown) => this.logger.warn(`closing backend '${h.id}': ${String(err)}`))));
  }

  /** Probes every enabled backend now (a round already running is shared). */
  probeNow(): Promise<void> {
    this.probing ??= (async () => {
      try {
        await Promise.all(this.handles.map((h) => this.probeOne(h)));
      } finally {
        this.probing = undefined;
      }
    })();
    return this.probing;
  }

  /**
   * Streams one generation: tokens, then one `done` with the summary. Cold: nothing happens until
   * subscribed; unsubscribing (or `signal` aborting, which errors with CancelledError) leaves the
   * queue or aborts the backend request.
   */
  stream(command: GenerateCommand, signal?: AbortSignal): Observable<GenerationEvent> {
    return new Observable<GenerationEvent>((subscriber) => {
      const controller = new AbortController();
      const cancel = (why: string) => () => controller.abort(new CancelledError(why));
      const onCallerAbort = cancel('the caller cancelled the generation');
      const onShutdown = cancel('the inference module is shutting down');
      signal?.addEventListener('abort', onCallerAbort, { once: true });
      this.shutdown.signal.addEventListener('abort', onShutdown, { once: true });
      if (signal?.aborted) onCallerAbort();
      if (this.shutdown.signal.aborted) onShutdown();
      let settled = false;
      this.run(command, controller.signal, (event) => subscriber.next(event))
        .finally(() => (settled = true))
        .then(
          () => subscriber.complete(),
          (err: unknown) => subscriber.error(err),
        );
      return () => {
        signal?.removeEventListener('abort', onCallerAbort);
        this.shutdown.signal.removeEventListener('abort', onShutdown);
        if (!settled && !controller.signal.aborted) controller.abort(new CancelledError('the subscriber went away'));
      };
    });
  }

  /** Generates a whole answer (the stream collected). */
  generate(command: GenerateCommand, signal?: AbortSignal): Promise<GenerationResultDto> {
    return new Promise((resolve, reject) => {
      let text = '';
      this.stream(command, signal).subscribe({
        next: (event) => {
          if (event.type === 'token') text += event.text;
          else resolve({ text, summary: event.summary });
        },
        error: reject,
      });
    });
  }

  /** The models every enabled backend lists (a list at most a few seconds old), and the backends that could not say. */
  async listModels(): Promise<ModelListDto> {
    const listings = await Promise.all(this.handles.map(async (h) => ({ handle: h, listing: await h.models(this.modelListMaxAgeMs) })));
    const result: ModelListDto = { models: [], unavailable: [] };
    for (const { handle, listing } of listings) {
      if (listing.error) {
        result.unavailable.push(`${handle.id}: ${listing.error.message}`);
        continue;
      }
      for (const m of listing.models) {
        result.models.push({ ...m, backend: handle.id, contextLength: m.contextLength ?? handle.config.contextLength });
      }
    }
    return result;
  }

  /** Every configured backend with its last probe and its load; no network call. */
  status(): InferenceStatusDto {
    const backends = this.config.inference.backends.map((config) => {
      const handle = this.handles.find((h) => h.id === config.id);
      if (!handle) return { id: config.id, kind: config.kind, up: false, detail: 'disabled', active: 0, queued: 0 };
      const { health, limiter } = handle;
      return {
        id: config.id,
        kind: config.kind,
        up: health?.up ?? false,
        detail: health?.detail ?? 'not probed yet',
        active: limiter.active,
        queued: limiter.queued,
      };
    });
    return { up: backends.some((b) => b.up), backends };
  }

  private async run(command: GenerateCommand, signal: AbortSignal, emit: Emit): Promise<void> {
    const started = performance.now();
    const candidates = await fallbackChain(this.handles, command.model, this.modelListMaxAgeMs);
    const fallbacks: string[] = [];
    let firstError: TarsError | undefined;
    for (const [i, { handle, model }] of candidates.entries()) {
      if (signal.aborted) throw cancellation(signal);
      const skipped = this.skipReason(handle, model, i === candidates.length - 1);
      if (skipped) {
        fallbacks.push(`${handle.id}: ${skipped.message}`);
        firstError ??= skipped;
        continue;
      }
      let emitted = false;
      try {
        await this.runOn(handle, model, command, signal, { started, fallbacks }, (event) => {
          emitted = true;
          emit(event);
        });
        return;
      } catch (err) {
        if (signal.aborted) throw cancellation(signal);
        const error = this.asTarsError(err, handle, model);
        if (error instanceof LlmUnavailableError) handle.markHealth(false, error.message);
        if (error instanceof ModelNotFoundError) handle.forgetModels();
        // Tokens already sent cannot be taken back: a failure after the first one ends the answer.
        if (emitted || !fallsBack(error)) throw withFallbacks(error, fallbacks);
        this.logger.warn(`generation moves on from backend '${handle.id}': ${error.message}`);
        fallbacks.push(`${handle.id}: ${error.message}`);
        firstError ??= error;
      }
    }
    throw withFallbacks(firstError ?? new LlmUnavailableError('no LLM backend could be tried'), fallbacks);
  }

  /** Why a candidate is not even tried: no model to ask for, or known to be down while others remain. */
  private skipReason(handle: BackendHandle, model: string, last: boolean): TarsError | undefined {
    const details = { backend: handle.id, model };
    if (model === '') return new ModelNotFoundError(`backend '${handle.id}' has no default model (inference.backends[].model)`, details);
    if (handle.knownDown && !last) return new LlmUnavailableError(`backend '${handle.id}' is down: ${handle.health?.detail}`, details);
    return undefined;
  }

  private async runOn(
    handle: BackendHandle,
    model: string,
    command: GenerateCommand,
    signal: AbortSignal,
    request: { started: number; fallbacks: string[] },
    emit: Emit,
  ): Promise<void> {
    // Every attempt on a backend is counted once, with its outcome and what it measured (a success before its `done` goes out).
    const observed: Observed = {};
    try {
      await this.attempt(handle, model, command, signal, request, emit, observed);
    } catch (err) {
      if (!observed.reported) this.metrics?.observeLlmGeneration({ backend: handle.id, outcome: outcomeOf(err, signal), ...measured(observed) });
      throw err;
    }
  }

  private async attempt(
    handle: BackendHandle,
    model: string,
    command: GenerateCommand,
    signal: AbortSignal,
    request: { started: number; fallbacks: string[] },
    emit: Emit,
    observed: Observed,
  ): Promise<void> {
    const backend = await handle.backend();
    const options = this.resolveOptions(handle, command);
    const queuedAt = performance.now();
    const release = await acquire(handle, model, signal);
    const queuedMs = performance.now() - queuedAt;
    const askedAt = performance.now();
    observed.queueSeconds = queuedMs / 1000;
    const attempt = new AbortController();
    const forward = () => attempt.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    if (signal.aborted) forward(); // the caller left between getting the slot and this line
    let iterator: AsyncIterator<unknown> | undefined;
    let finished = false;
    try {
      const events = backend.chat({ ...options, model, messages: command.messages, signal: attempt.signal });
      const it = events[Symbol.asyncIterator]();
      iterator = it;
      const { firstTokenTimeoutMs, idleTimeoutMs } = handle.config;
      let firstTokenAt: number | undefined;
      let tokenEvents = 0;
      for (;;) {
        const limitMs = firstTokenAt === undefined ? firstTokenTimeoutMs : idleTimeoutMs;
        const next = await nextWithin(it, attempt, limitMs, () => timeoutError(handle, model, limitMs, firstTokenAt === undefined));
        if (next.done) throw new LlmFailedError(`backend '${handle.id}' ended its reply without finishing it`, { backend: handle.id, model });
        const event = next.value;
        if (event.type === 'token') {
          firstTokenAt ??= performance.now();
          observed.firstTokenSeconds ??= (firstTokenAt - askedAt) / 1000;
          tokenEvents++;
          emit({ type: 'token', text: event.text });
          continue;
        }
        finished = true;
        handle.markHealth(true, 'answered a generation');
        const ended = performance.now();
        observed.tokens = event.completionTokens ?? tokenEvents;
        if (firstTokenAt !== undefined && ended > firstTokenAt && observed.tokens > 1) {
          observed.tokensPerSecond = (observed.tokens - 1) / ((ended - firstTokenAt) / 1000);
        }
        observed.reported = true;
        this.metrics?.observeLlmGeneration({ backend: handle.id, outcome: 'ok', ...measured(observed) });
        emit({
          type: 'done',
          summary: {
            backend: handle.id,
            model,
            doneReason: event.doneReason,
            promptTokens: event.promptTokens,
            completionTokens: event.completionTokens,
            numCtx: options.numCtx,
            queuedMs: Math.round(queuedMs),
            firstTokenMs: Math.round((firstTokenAt ?? ended) - request.started),
            totalMs: Math.round(ended - request.started),
            fallbacks: [...request.fallbacks],
          },
        });
        return;
      }
    } finally {
      signal.removeEventListener('abort', forward);
      release();
      if (!finished) {
        // Abort first: an async generator's return() waits for its pending next(), which the abort ends.
        if (!attempt.signal.aborted) attempt.abort(new CancelledError('the generation was abandoned'));
        void iterator?.return?.().catch(() => undefined);
      }
    }
  }

  /** The request's options against the configured defaults; numCtx never beyond the backend's contextLength. */
  private resolveOptions(handle: BackendHandle, command: GenerateCommand): Omit<BackendChatRequest, 'model' | 'messages' | 'signal'> {
    const options = command.options ?? {};
    const { contextLength } = handle.config;
    return {
      temperature: options.temperature ?? this.config.inference.temperature,
      maxTokens: options.maxTokens ?? this.config.inference.maxAnswerTokens,
      numCtx: Math.min(options.numCtx ?? contextLength, contextLength),
      ...(options.stop?.length ? { stop: options.stop } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    };
  }

  private async probeOne(handle: BackendHandle): Promise<void> {
    const wasUp = handle.health?.up;
    const { up, detail } = await handle.probe(this.config.inference.probeTimeoutMs);
    if (up === wasUp) return;
    if (up) this.logger.log(`LLM backend '${handle.id}' is up: ${detail}`);
    else this.logger.warn(`LLM backend '${handle.id}' is down: ${detail}`);
  }

  private asTarsError(err: unknown, handle: BackendHandle, model: string): TarsError {
    if (err instanceof TarsError) return err;
    this.logger.error(`backend '${handle.id}' failed unexpectedly: ${(err as Error)?.stack ?? String(err)}`);
    return new LlmFailedError(`backend '${handle.id}' failed: ${(err as Error)?.message ?? String(err)}`, { backend: handle.id, model });
  }
}

/**
 * Which failures before the first token move on to the next backend of the chain:
 * - overload, time-outs, an unreachable or failing server: about this backend, not the request;
 * - quota: the next backend is another server or provider with its own quota (a cloud quota says
 *   nothing about a local Ollama), so it may well answer;
 * - a missing model: with no model named, the next backend answers with its own default model; with
 *   a named model only backends that list it are candidates, so the next one serves the same model
 *   (this one's list was stale).
 * A bad request is not retried elsewhere (the request itself is at fault), nor a cancellation.
 */
function fallsBack(error: TarsError): boolean {
  return !(error instanceof LlmBadRequestError || error instanceof CancelledError);
}

async function acquire(handle: BackendHandle, model: string, signal: AbortSignal): Promise<Release> {
  try {
    return await handle.limiter.acquire(signal);
  } catch (err) {
    if (!(err instanceof QueueFullError)) throw err;
    throw new LlmOverloadedError(`backend '${handle.id}' is overloaded: ${err.message}`, { backend: handle.id, model, maxQueue: err.maxQueue });
  }
}

function timeoutError(handle: BackendHandle, model: string, limitMs: number, first: boolean): LlmTimeoutError {
  const what = first ? 'sent no first token' : 'sent no further token';
  return new LlmTimeoutError(`backend '${handle.id}' ${what} within ${limitMs} ms`, { backend: handle.id, model, timeoutMs: limitMs });
}

/** What one attempt measured, for the metrics. */
interface Observed {
  queueSeconds?: number;
  firstTokenSeconds?: number;
  tokens?: number;
  tokensPerSecond?: number;
  reported?: boolean;
}

function measured({ reported: _, ...values }: Observed): Omit<Observed, 'reported'> {
  return values;
}

/** The metric label of a failed attempt: the error's code (llm_timeout, llm_overloaded...), or cancelled. */
function outcomeOf(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return CancelledError.code;
  return err instanceof TarsError ? err.code : LlmFailedError.code;
}

function cancellation(signal: AbortSignal): TarsError {
  return signal.reason instanceof TarsError ? signal.reason : new CancelledError('the generation was cancelled');
}

/** The same error class with the backends tried before it, so that a caller sees the whole path. */
function withFallbacks(error: TarsError, fallbacks: string[]): TarsError {
  if (fallbacks.length === 0) return error;
  const ErrorClass = error.constructor as new (message: string, details?: Record<string, unknown>) => TarsError;
  const rebuilt = new ErrorClass(error.message, { ...error.details, fallbacks: [...fallbacks] });
  rebuilt.stack = error.stack;
  return rebuilt;
}
