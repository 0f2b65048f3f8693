import type { InferenceBackendConfig } from '../../config/config.schema.js';
import { LlmFailedError, LlmUnavailableError, TarsError } from '../../contracts/errors.js';
import type { BackendFactory } from './backends/backend.factory.js';
import type { BackendModel, BackendProbe, InferenceBackend } from './backends/inference-backend.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';

/** What the engine last learnt about a backend's health (a probe, or a generation that could not reach it). */
export interface BackendHealth extends BackendProbe {
  checkedAt: number;
}

/** A model list as last fetched, or why it could not be. */
export type ModelListing = { models: BackendModel[]; error?: undefined } | { models?: undefined; error: TarsError };

/**
 * One configured backend as the engine holds it: the backend itself (created on first use), its
 * concurrency limit and queue, its last known health and its cached model list.
 */
export class BackendHandle {
  readonly limiter: ConcurrencyLimiter;
  health?: BackendHealth;
  private created?: Promise<InferenceBackend>;
  private listing?: { at: number; result: Promise<ModelListing> };

  constructor(
    readonly config: InferenceBackendConfig,
    private readonly factory: BackendFactory,
  ) {
    this.limiter = new ConcurrencyLimiter(config.maxConcurrent, config.maxQueue);
  }

  get id(): string {
    return this.config.id;
  }

  /** The backend, created once; a failure to create it (a missing package) is kept and rethrown. */
  backend(): Promise<InferenceBackend> {
    this.created ??= this.factory(this.config).catch((err: unknown) => {
      throw err instanceof TarsError
        ? err
        : new LlmUnavailableError(`backend '${this.id}' cannot be created: ${(err as Error)?.message ?? String(err)}`, { backend: this.id });
    });
    return this.created;
  }

  /** Probes the backend within `timeoutMs` and remembers the answer; never throws. */
  async probe(timeoutMs: number): Promise<BackendHealth> {
    let result: BackendProbe;
    try {
      const backend = await this.backend();
      result = await raceTimeout(backend.probe(timeoutMs), timeoutMs, `did not answer the probe within ${timeoutMs} ms`);
    } catch (err) {
      result = { up: false, detail: (err as Error)?.message ?? String(err) };
    }
    this.health = { ...result, checkedAt: Date.now() };
    return this.health;
  }

  /** Whether the last probe (or generation) found the backend down; unknown counts as up. */
  get knownDown(): boolean {
    return this.health?.up === false;
  }

  /** Records what a generation learnt, so that the next request skips a dead backend without waiting for it. */
  markHealth(up: boolean, detail: string): void {
    if (up && this.health?.up) return;
    this.health = { up, detail, checkedAt: Date.now() };
  }

  /** The models the backend serves, from a list at most `maxAgeMs` old (concurrent callers share one fetch). */
  models(maxAgeMs: number): Promise<ModelListing> {
    const now = Date.now();
    if (this.listing && now - this.listing.at <= maxAgeMs) return this.listing.result;
    const result = this.fetchModels();
    this.listing = { at: now, result };
    return result;
  }

  /** Forgets the model list (a model the list promised was not there). */
  forgetModels(): void {
    this.listing = undefined;
  }

  async close(): Promise<void> {
    if (!this.created) return;
    const backend = await this.created.catch(() => undefined);
    await backend?.close();
  }

  private async fetchModels(): Promise<ModelListing> {
    try {
      const backend = await this.backend();
      return { models: await backend.listModels() };
    } catch (err) {
      const error = err instanceof TarsError ? err : new LlmFailedError(`backend '${this.id}' could not list its models: ${String(err)}`, { backend: this.id });
      return { error };
    }
  }
}

async function raceTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}
