import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EmbeddingModelConfig } from '../../../config/config.schema.js';
import { withPrefix } from './embedding-model.registry.js';
import { EmbeddingFailedError, EmbeddingModelUnavailableError } from './embedding.errors.js';
import type { EmbeddingProvider, EmbeddingUse, TextTokenVectors } from './embedding.types.js';
import type { ModelLocation } from './model-location.js';
import { WorkerChannel, WorkerCrashedError, WorkerStartError } from './worker-channel.js';

/** After a model failed to load, calls fail fast for this long instead of starting a worker each time. */
const LOAD_RETRY_MS = 30_000;

const WORKER_ENTRY = new URL('./transformers-embedding.worker.mjs', import.meta.url);

/** A batch for the worker: pooled vectors, or per-token vectors with `tokens`. */
interface WorkerRequest {
  texts: string[];
  tokens?: boolean;
}

/** The worker's token answer: `counts[i]` rows of `width` numbers per text, one after another in `data`. */
interface TokenBatch {
  data: Float32Array;
  width: number;
  counts: number[];
  truncated: boolean[];
}

/**
 * A transformers.js (ONNX) model run in a worker thread of its own, so that a large import does
 * not stall the HTTP server. Batches are cut by the model's batch size and run one after another.
 */
export class TransformersEmbeddingProvider implements EmbeddingProvider {
  private readonly channel: WorkerChannel<WorkerRequest, Float32Array | TokenBatch>;
  private loadFailure?: { error: EmbeddingModelUnavailableError; at: number };

  constructor(
    readonly model: EmbeddingModelConfig,
    private readonly location: ModelLocation,
    private readonly now: () => number = Date.now,
  ) {
    const { source, dtype, pooling, normalize, maxTokens, threads } = model;
    this.channel = new WorkerChannel(
      WORKER_ENTRY,
      { source, dtype, pooling, normalize, maxTokens, threads, ...location },
      `tars-embeddings-${model.id}`,
    );
  }

  async embed(texts: readonly string[], use: EmbeddingUse): Promise<Float32Array[]> {
    const prefixed = texts.map((text) => withPrefix(this.model, use, text));
    const vectors: Float32Array[] = [];
    for (let start = 0; start < prefixed.length; start += this.model.batchSize) {
      vectors.push(...(await this.embedBatch(prefixed.slice(start, start + this.model.batchSize))));
    }
    return vectors;
  }

  /** The last hidden states of the raw texts (no prefix), one unit vector per token that stands for text. */
  async embedTokens(texts: readonly string[]): Promise<TextTokenVectors[]> {
    const result: TextTokenVectors[] = [];
    for (let start = 0; start < texts.length; start += this.model.batchSize) {
      result.push(...(await this.embedTokenBatch(texts.slice(start, start + this.model.batchSize))));
    }
    return result;
  }

  async close(): Promise<void> {
    await this.channel.close();
  }

  private async embedBatch(texts: string[]): Promise<Float32Array[]> {
    const data = (await this.call(() => this.channel.request({ texts }))) as Float32Array;
    const width = this.model.dimensions;
    if (data.length !== texts.length * width) {
      throw new EmbeddingFailedError(
        `model '${this.model.id}' gave vectors of ${data.length / texts.length} numbers, configured dimensions are ${width}`,
        { model: this.model.id },
      );
    }
    // Copies, not views of one buffer: a caller may transfer or detach a vector's buffer.
    return texts.map((_, i) => data.slice(i * width, (i + 1) * width));
  }

  private async embedTokenBatch(texts: string[]): Promise<TextTokenVectors[]> {
    const { data, width, counts, truncated } = (await this.call(() => this.channel.request({ texts, tokens: true }))) as TokenBatch;
    const rows = counts.reduce((sum, count) => sum + count, 0);
    if (counts.length !== texts.length || data.length !== rows * width) {
      throw new EmbeddingFailedError(`model '${this.model.id}' gave ${counts.length} token lists for ${texts.length} texts`, { model: this.model.id });
    }
    let row = 0;
    return counts.map((count, i) => {
      // Copies, not views of one buffer, as in embedBatch.
      const vectors = Array.from({ length: count }, (_, k) => data.slice((row + k) * width, (row + k + 1) * width));
      row += count;
      return { vectors, truncated: truncated[i] };
    });
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    if (this.loadFailure && this.now() - this.loadFailure.at < LOAD_RETRY_MS) throw this.loadFailure.error;
    try {
      const result = await work();
      this.loadFailure = undefined;
      return result;
    } catch (err) {
      throw this.classify(err);
    }
  }

  /** transformers.js's own message for a missing local model is cryptic: say which folder is missing. */
  private whyNotLoaded(message: string): string {
    const folder = join(this.location.modelsDir, this.model.source);
    if (!this.location.allowRemoteModels && !existsSync(join(folder, 'config.json'))) {
      return `model '${this.model.id}': no model files in ${folder} and downloads are off (embeddings.allowRemoteModels)`;
    }
    return `model '${this.model.id}' could not be loaded: ${message}`;
  }

  private classify(err: unknown): Error {
    const details = { model: this.model.id };
    if (err instanceof WorkerStartError) {
      const error = new EmbeddingModelUnavailableError(this.whyNotLoaded(err.message), details);
      this.loadFailure = { error, at: this.now() };
      return error;
    }
    if (err instanceof WorkerCrashedError) {
      return new EmbeddingFailedError(`the embedding worker of '${this.model.id}' crashed (${err.message}); it restarts on the next batch`, details);
    }
    return new EmbeddingFailedError(`model '${this.model.id}' failed: ${(err as Error).message}`, details);
  }
}
