import type { InferenceBackendConfig } from '../../../config/config.schema.js';
import type { ChatMessageDto } from '../../../contracts/inference/generation.dto.js';

/** What the engine asks a backend to generate (options already resolved against the config). */
export interface BackendChatRequest {
  /** The backend's own model name. */
  model: string;
  messages: ChatMessageDto[];
  temperature: number;
  maxTokens: number;
  /** Context window to ask for (Ollama num_ctx): set deliberately, never left to the backend's default. */
  numCtx: number;
  stop?: string[];
  seed?: number;
  /** Aborted when the caller goes away or a time limit passes: the backend must stop generating. */
  signal: AbortSignal;
}

/** Pieces of a reply: text as it comes, then one `end` with the usage the backend reported. */
export type BackendEvent =
  | { type: 'token'; text: string }
  | { type: 'end'; doneReason: string; promptTokens?: number; completionTokens?: number };

export interface BackendModel {
  name: string;
  family?: string;
  contextLength?: number;
  sizeBytes?: number;
}

export interface BackendProbe {
  up: boolean;
  detail: string;
}

/**
 * One LLM backend (Ollama, llama.cpp, transformers.js). Failures are thrown as the classified
 * errors of contracts/errors.ts: LlmOverloadedError, LlmQuotaExceededError, LlmTimeoutError,
 * ModelNotFoundError, LlmBadRequestError, LlmUnavailableError, LlmFailedError — with
 * `details: { backend, model, status? }`. Concurrency limits, queues, time limits and fallback
 * belong to the engine, not to backends.
 */
export interface InferenceBackend {
  readonly config: InferenceBackendConfig;
  /** Streams one reply; stops (and ends the iteration) when `request.signal` aborts. */
  chat(request: BackendChatRequest): AsyncIterable<BackendEvent>;
  /** The models this backend can serve now. */
  listModels(): Promise<BackendModel[]>;
  /** A cheap check that the backend can answer (Ollama: GET /api/version; in-process: the model loads). */
  probe(timeoutMs: number): Promise<BackendProbe>;
  /** Frees what the backend holds (loaded models, sockets). */
  close(): Promise<void>;
}
