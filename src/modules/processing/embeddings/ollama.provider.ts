import { Ollama } from 'ollama';
import type { EmbeddingModelConfig } from '../../../config/config.schema.js';
import { withPrefix } from './embedding-model.registry.js';
import {
  EmbeddingFailedError,
  EmbeddingModelUnavailableError,
  EmbeddingOverloadedError,
  TokenEmbeddingsUnsupportedError,
} from './embedding.errors.js';
import type { EmbeddingProvider, EmbeddingUse, TextTokenVectors } from './embedding.types.js';
import { normalizeInPlace } from './vector-math.js';
import { networkCode, UNREACHABLE_CODES } from '../../../platform/net/network-error.js';

/** Network errors that mean nobody is serving at the host (as opposed to a slow or busy server). */
const UNREACHABLE = new Set([...UNREACHABLE_CODES, 'ECONNRESET', 'UND_ERR_SOCKET']);

export interface OllamaConnection {
  host: string;
  requestTimeoutMs: number;
}

/** A model served by Ollama's embed API (POST /api/embed), through the official `ollama` client. */
export class OllamaEmbeddingProvider implements EmbeddingProvider {
  private readonly client: Ollama;

  constructor(
    readonly model: EmbeddingModelConfig,
    connection: OllamaConnection,
  ) {
    // The client's embed() takes no abort signal: the time limit goes into the fetch it uses.
    const timedFetch: typeof fetch = (input, init) =>
      fetch(input, { ...init, signal: AbortSignal.timeout(connection.requestTimeoutMs) });
    this.client = new Ollama({ host: connection.host, fetch: timedFetch });
  }

  async embed(texts: readonly string[], use: EmbeddingUse): Promise<Float32Array[]> {
    const prefixed = texts.map((text) => withPrefix(this.model, use, text));
    const vectors: Float32Array[] = [];
    for (let start = 0; start < prefixed.length; start += this.model.batchSize) {
      vectors.push(...(await this.embedBatch(prefixed.slice(start, start + this.model.batchSize))));
    }
    return vectors;
  }

  /** Ollama's embed API returns one pooled vector per text: there are no token vectors to give. */
  async embedTokens(): Promise<TextTokenVectors[]> {
    throw new TokenEmbeddingsUnsupportedError(`Ollama model '${this.model.source}' gives pooled vectors only (its embed API has no token vectors)`, {
      model: this.model.id,
    });
  }

  async close(): Promise<void> {}

  private async embedBatch(input: string[]): Promise<Float32Array[]> {
    let embeddings: number[][];
    try {
      // num_ctx = maxTokens: Ollama's default context (2,048 or 4,096) would silently cut longer texts.
      ({ embeddings } = await this.client.embed({ model: this.model.source, input, truncate: true, options: { num_ctx: this.model.maxTokens } }));
    } catch (err) {
      throw classifyOllamaError(err, this.model);
    }
    if (!Array.isArray(embeddings) || embeddings.length !== input.length) {
      throw new EmbeddingFailedError(`Ollama returned ${embeddings?.length} vectors for ${input.length} texts`, { model: this.model.id });
    }
    return embeddings.map((values) => {
      if (values.length !== this.model.dimensions) {
        throw new EmbeddingFailedError(
          `Ollama model '${this.model.source}' gives ${values.length} dimensions, configured are ${this.model.dimensions}`,
          { model: this.model.id },
        );
      }
      const vector = Float32Array.from(values);
      return this.model.normalize ? normalizeInPlace(vector) : vector;
    });
  }
}

/**
 * Ollama's answers as TARS errors: nothing listening or model not pulled -> unavailable (fall back);
 * 503 (queue full), 429 (quota) or no answer in time -> overloaded (retry later); anything else -> failed.
 */
export function classifyOllamaError(err: unknown, model: Pick<EmbeddingModelConfig, 'id' | 'source'>): Error {
  const details = { model: model.id, ollamaModel: model.source };
  const status = (err as { status_code?: unknown }).status_code;
  const message = (err as Error).message ?? String(err);
  if (typeof status === 'number') {
    if (status === 404) return new EmbeddingModelUnavailableError(`Ollama: ${message}`, { ...details, status });
    if (status === 503 || status === 429) return new EmbeddingOverloadedError(`Ollama is overloaded (${status}): ${message}`, { ...details, status });
    return new EmbeddingFailedError(`Ollama answered ${status}: ${message}`, { ...details, status });
  }
  const name = (err as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new EmbeddingOverloadedError(`Ollama did not answer in time: ${message}`, { ...details, timeout: true });
  }
  const code = networkCode(err);
  if (code && UNREACHABLE.has(code)) return new EmbeddingModelUnavailableError(`Ollama is not reachable (${code})`, { ...details, code });
  return new EmbeddingFailedError(`Ollama request failed: ${message}`, details);
}
