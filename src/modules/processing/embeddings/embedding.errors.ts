import { ModuleUnavailableError, TarsError } from '../../../contracts/errors.js';

// The two "unavailable" kinds keep ModuleUnavailableError's code, so that they map to 503 and
// cross NATS as a known class; the class name (locally) and `details.reason` tell them apart.

/**
 * The model cannot be used at all right now (files missing, Ollama down, model not pulled):
 * the engine moves on along the fallback chain. Thrown to callers only when the chain is exhausted.
 */
export class EmbeddingModelUnavailableError extends ModuleUnavailableError {
  constructor(message: string, details: { model: string } & Record<string, unknown>) {
    super(message, { reason: 'model_unavailable', ...details });
  }
}

/** The model is there but busy (Ollama 503/429, or no answer in time): try again later, do not fall back. */
export class EmbeddingOverloadedError extends ModuleUnavailableError {
  constructor(message: string, details: { model: string } & Record<string, unknown>) {
    super(message, { reason: 'overloaded', ...details });
  }
}

/** The model gives one pooled vector per text, not one per token (Ollama's embed API): the engine moves on along the chain. */
export class TokenEmbeddingsUnsupportedError extends ModuleUnavailableError {
  constructor(message: string, details: { model: string } & Record<string, unknown>) {
    super(message, { reason: 'token_embeddings_unsupported', ...details });
  }
}

/** The model failed on this input or answered nonsense (wrong dimensions, crashed worker). */
export class EmbeddingFailedError extends TarsError {
  static readonly code: string = 'embedding_failed';
}
