import { type AbortableAsyncIterator, type ChatResponse, Ollama } from 'ollama';
import type { InferenceBackendConfig } from '../../../config/config.schema.js';
import { classifyOllamaFailure, type OllamaPhase } from './classify-ollama-failure.js';
import type { BackendChatRequest, BackendEvent, BackendModel, BackendProbe, InferenceBackend } from './inference-backend.js';

export type OllamaBackendConfig = Extract<InferenceBackendConfig, { kind: 'ollama' }>;

export interface OllamaConnection {
  /** Ollama's base URL (the backend's `host`, or `ollama.host` when that is empty). */
  host: string;
  /** Time limit of the small requests (model list); generation is bounded by the engine's own limits. */
  listTimeoutMs: number;
}

/**
 * An Ollama server, through the official `ollama` client (POST /api/chat streaming NDJSON).
 * Every call gets a client whose fetch carries the caller's abort signal, so that aborting closes
 * the HTTP request itself, also while Ollama has not sent its headers yet (a model loading, a
 * request waiting in Ollama's own queue); Ollama then stops generating for it.
 */
export class OllamaBackend implements InferenceBackend {
  constructor(
    readonly config: OllamaBackendConfig,
    private readonly connection: OllamaConnection,
  ) {}

  async *chat(request: BackendChatRequest): AsyncGenerator<BackendEvent> {
    const { signal } = request;
    if (signal.aborted) return;
    let stream: AbortableAsyncIterator<ChatResponse>;
    try {
      stream = await this.client(signal).chat({
        stream: true,
        model: request.model,
        messages: request.messages.map(({ role, content }) => ({ role, content })),
        keep_alive: this.config.keepAlive,
        // num_ctx always: Ollama's default (2,048-4,096) would silently cut a longer prompt.
        options: {
          num_ctx: request.numCtx,
          num_predict: request.maxTokens,
          temperature: request.temperature,
          ...(request.stop?.length ? { stop: request.stop } : {}),
          ...(request.seed !== undefined ? { seed: request.seed } : {}),
        },
      });
    } catch (err) {
      if (signal.aborted) return;
      throw this.classify(err, 'request', request.model);
    }
    try {
      for await (const part of stream) {
        if (signal.aborted) return;
        const text = part.message?.content;
        if (text) yield { type: 'token', text };
        if (part.done) {
          yield { type: 'end', doneReason: part.done_reason || 'stop', promptTokens: part.prompt_eval_count, completionTokens: part.eval_count };
          return;
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      throw this.classify(err, 'stream', request.model);
    } finally {
      // Closes the response when the consumer stopped early; a no-op once the stream is complete.
      stream.abort();
    }
  }

  async listModels(): Promise<BackendModel[]> {
    try {
      const { models } = await this.client(AbortSignal.timeout(this.connection.listTimeoutMs)).list();
      return models.map((m) => ({ name: m.name, family: m.details?.family || undefined, sizeBytes: m.size }));
    } catch (err) {
      throw this.classify(err, 'request', '');
    }
  }

  async probe(timeoutMs: number): Promise<BackendProbe> {
    try {
      const { version } = await this.client(AbortSignal.timeout(timeoutMs)).version();
      return { up: true, detail: `Ollama ${version} at ${this.connection.host}` };
    } catch (err) {
      return { up: false, detail: this.classify(err, 'request', '').message };
    }
  }

  async close(): Promise<void> {}

  /** A client whose every request ends when `signal` aborts (the client itself passes no signal to GET requests). */
  private client(signal: AbortSignal): Ollama {
    const boundFetch: typeof fetch = (input, init) =>
      fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal });
    return new Ollama({ host: this.connection.host, fetch: boundFetch });
  }

  private classify(err: unknown, phase: OllamaPhase, model: string) {
    return classifyOllamaFailure(err, phase, { backend: this.config.id, model, host: this.connection.host });
  }
}
