import { Logger } from '@nestjs/common';
import type { EmbeddingModelConfig, TarsConfigValues } from '../../../config/config.schema.js';
import { approximateTokenCounter, type TokenCounter } from '../text/token-counter.js';
import { cacheKey, cacheKeyPrefix } from './cache-key.js';
import { EmbeddingCache } from './embedding-cache.js';
import { EmbeddingModelRegistry, withPrefix } from './embedding-model.registry.js';
import { embeddingProviderFactory, type EmbeddingProviderFactory } from './embedding-provider.factory.js';
import { EmbeddingFailedError, EmbeddingModelUnavailableError, TokenEmbeddingsUnsupportedError } from './embedding.errors.js';
import type {
  EmbeddingLogger,
  EmbeddingMetrics,
  EmbeddingProvider,
  EmbeddingResult,
  EmbeddingUse,
  EmbedRequest,
  EmbedTokensRequest,
  TextTokenVectors,
  TokenEmbeddingResult,
} from './embedding.types.js';
import { modelLocation } from './model-location.js';
import { SharedEmbeddingCache } from './shared-embedding-cache.js';
import { loadTransformersTokenCounter } from './transformers.token-counter.js';

/** The parts of the node configuration the engine reads. */
export type EmbeddingEngineConfig = Pick<TarsConfigValues, 'dataDir' | 'nodeName' | 'embeddings' | 'ollama' | 'nats'>;

export interface EmbeddingEngineOptions {
  /** MetricsService in a node; absent in the CLI and benchmarks. */
  metrics?: EmbeddingMetrics;
  logger?: EmbeddingLogger;
  /** Replaces the real providers (tests). */
  providerFactory?: EmbeddingProviderFactory;
}

/**
 * A tokenizer never needs more than this many characters per token of `maxTokens`: longer texts
 * are cut first, so a pathological input (one 50 MB line) cannot make a tokenizer work for minutes.
 */
const MAX_CHARS_PER_TOKEN = 16;

/** A tokenizer that failed to load is tried again after this long (its model folder may appear). */
const TOKENIZER_RETRY_MS = 60_000;

/**
 * Texts in, vectors of one model out. Looks texts up in the caches, sends the rest to the model's
 * provider in batches, and when the model is unavailable moves along the fallback chain, saying in
 * the result which model made the vectors (vectors of two models are never mixed in one result).
 * Usable with Nest (see embeddings.module.ts) and without it (`new EmbeddingEngine(config)`).
 */
export class EmbeddingEngine {
  readonly registry: EmbeddingModelRegistry;
  private readonly providers = new Map<string, EmbeddingProvider>();
  private readonly keyPrefixes = new Map<string, string>();
  private readonly unavailable = new Map<string, string>();
  private readonly tokenCounters = new Map<string, { counter: Promise<TokenCounter>; approximateUntil?: number }>();
  private readonly cache: EmbeddingCache;
  private readonly shared?: SharedEmbeddingCache;
  private readonly createProvider: EmbeddingProviderFactory;
  private readonly metrics?: EmbeddingMetrics;
  private readonly logger: EmbeddingLogger;

  constructor(
    private readonly config: EmbeddingEngineConfig,
    options: EmbeddingEngineOptions = {},
  ) {
    this.registry = new EmbeddingModelRegistry(config.embeddings);
    this.metrics = options.metrics;
    this.logger = options.logger ?? new Logger('embeddings');
    this.createProvider = options.providerFactory ?? embeddingProviderFactory(config);
    const { cache } = config.embeddings;
    if (cache.shared && config.nats.url !== '') this.shared = new SharedEmbeddingCache(config, this.logger);
    this.cache = new EmbeddingCache(cache.memoryEntries, cache.storage, this.shared, this.metrics);
  }

  /** Embeds texts for a use with the requested (or default) model, falling back along `embeddings.fallback`. */
  async embed(request: EmbedRequest): Promise<EmbeddingResult> {
    void this.start();
    const requested = request.model ?? this.config.embeddings.defaults[request.use];
    const chain = request.allowFallback === false ? [this.registry.get(requested)] : this.registry.chainFor(requested);
    const failures: string[] = [];
    for (const [i, model] of chain.entries()) {
      try {
        const result = await this.embedWith(model, request.texts, request.use);
        this.markAvailable(model.id);
        if (model.id === requested) return result;
        this.metrics?.observeEmbeddingFallback(requested, model.id);
        return { ...result, fallbackFrom: requested };
      } catch (err) {
        if (!(err instanceof EmbeddingModelUnavailableError)) throw err;
        failures.push(`${model.id}: ${err.message}`);
        this.markUnavailable(model.id, err.message, chain[i + 1]?.id);
      }
    }
    throw new EmbeddingModelUnavailableError(`no embedding model could embed (${failures.join('; ')})`, {
      model: requested,
      tried: chain.map((m) => m.id),
    });
  }

  /**
   * Per-token vectors of texts (for token-level comparisons such as BERTScore), all made by one
   * model: the requested one, or along `embeddings.fallback` the first that is available and gives
   * token vectors (Ollama gives pooled vectors only). Texts are read raw (no use prefix, whose tokens
   * would match each other on both sides of a comparison) and not cached; each text has at most
   * the model's `maxTokens` tokens, and says so when it was cut.
   */
  async embedTokens(request: EmbedTokensRequest): Promise<TokenEmbeddingResult> {
    const requested = request.model;
    const chain = request.allowFallback === false ? [this.registry.get(requested)] : this.registry.chainFor(requested);
    const failures: string[] = [];
    let anyUnavailable = false;
    for (const [i, model] of chain.entries()) {
      try {
        const result = await this.embedTokensWith(model, request.texts);
        this.markAvailable(model.id);
        if (model.id === requested) return result;
        this.metrics?.observeEmbeddingFallback(requested, model.id);
        return { ...result, fallbackFrom: requested };
      } catch (err) {
        if (err instanceof TokenEmbeddingsUnsupportedError) {
          failures.push(`${model.id}: ${err.message}`);
          continue;
        }
        if (!(err instanceof EmbeddingModelUnavailableError)) throw err;
        anyUnavailable = true;
        failures.push(`${model.id}: ${err.message}`);
        this.markUnavailable(model.id, err.message, chain[i + 1]?.id);
      }
    }
    const details = { model: requested, tried: chain.map((m) => m.id) };
    const message = `no embedding model could give token vectors (${failures.join('; ')})`;
    throw anyUnavailable ? new EmbeddingModelUnavailableError(message, details) : new TokenEmbeddingsUnsupportedError(message, details);
  }

  /** A token counter for chunking text that the `use`'s default model will embed: its own tokenizer when it has one. */
  tokenCounterFor(use: EmbeddingUse = 'documents'): Promise<TokenCounter> {
    const model = this.registry.defaultFor(use);
    if (model.provider !== 'transformers') return Promise.resolve(approximateTokenCounter);
    const cached = this.tokenCounters.get(model.id);
    if (cached && !(cached.approximateUntil && Date.now() >= cached.approximateUntil)) return cached.counter;
    const entry: { counter: Promise<TokenCounter>; approximateUntil?: number } = {
      counter: loadTransformersTokenCounter(model, modelLocation(this.config)).catch((err: Error) => {
        if (!cached) this.logger.warn(`${err.message}; counting tokens approximately until it loads`);
        entry.approximateUntil = Date.now() + TOKENIZER_RETRY_MS;
        return approximateTokenCounter;
      }),
    };
    this.tokenCounters.set(model.id, entry);
    return entry.counter;
  }

  /** Models that failed with "unavailable" and have not worked since, with the reason. */
  unavailableModels(): ReadonlyMap<string, string> {
    return this.unavailable;
  }

  /** Starts the shared cache tier in the background (idempotent). */
  start(): Promise<void> {
    return this.shared?.start() ?? Promise.resolve();
  }

  /** Resolves once the shared cache tier is usable or has given up (immediately when there is none). */
  async ready(): Promise<void> {
    await this.start();
  }

  async close(): Promise<void> {
    const providers = [...this.providers.values()];
    this.providers.clear();
    await Promise.all([...providers.map((p) => p.close()), this.shared?.close()]);
  }

  onModuleInit(): void {
    void this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private async embedWith(model: EmbeddingModelConfig, texts: readonly string[], use: EmbeddingUse): Promise<EmbeddingResult> {
    const maxChars = model.maxTokens * MAX_CHARS_PER_TOKEN;
    const inputs = texts.map((text) => (text.length > maxChars ? text.slice(0, maxChars) : text));
    const keyPrefix = this.keyPrefixFor(model);
    const keys = inputs.map((text) => cacheKey(keyPrefix, withPrefix(model, use, text)));

    const unique = new Map<string, string>(); // key -> text, each distinct text embedded once
    keys.forEach((key, i) => unique.set(key, inputs[i]));
    const vectors = await this.cache.getMany([...unique.keys()], model.normalize);
    const cacheHits = keys.filter((key) => vectors.has(key)).length;

    const missing = [...unique.keys()].filter((key) => !vectors.has(key));
    if (missing.length > 0) {
      const computed = await this.compute(model, missing.map((key) => unique.get(key)!), use);
      const entries = missing.map((key, i): [string, Float32Array] => [key, computed[i]]);
      for (const [key, vector] of entries) vectors.set(key, vector);
      await this.cache.putMany(entries);
    }
    // A text given twice gets two arrays: every vector owns its buffer, so callers may transfer any of them.
    const handedOut = new Set<string>();
    const result = keys.map((key) => {
      const vector = vectors.get(key)!;
      if (handedOut.has(key)) return vector.slice();
      handedOut.add(key);
      return vector;
    });
    return { model: model.id, dimensions: model.dimensions, vectors: result, cacheHits };
  }

  private async embedTokensWith(model: EmbeddingModelConfig, texts: readonly string[]): Promise<TokenEmbeddingResult> {
    const provider = this.providerFor(model);
    if (!provider.embedTokens) {
      throw new TokenEmbeddingsUnsupportedError(`the ${model.provider} provider gives pooled vectors only`, { model: model.id });
    }
    const maxChars = model.maxTokens * MAX_CHARS_PER_TOKEN;
    const inputs = texts.map((text) => (text.length > maxChars ? text.slice(0, maxChars) : text));
    const unique = [...new Set(inputs)]; // a text given twice (an answer equal to its reference) is run once
    const started = performance.now();
    const computed = await provider.embedTokens(unique);
    const dimensions = computed.find((t) => t.vectors.length > 0)?.vectors[0].length ?? model.dimensions;
    if (computed.length !== unique.length || computed.some((t) => t.vectors.some((v) => v.length !== dimensions))) {
      throw new EmbeddingFailedError(`model '${model.id}' did not give token vectors of one width for ${unique.length} texts`, { model: model.id });
    }
    this.metrics?.observeEmbeddings(model.id, unique.length, (performance.now() - started) / 1000);

    const byText = new Map(unique.map((text, i) => [text, computed[i]]));
    const handedOut = new Set<string>();
    const result = inputs.map((text, i): TextTokenVectors => {
      const tokens = byText.get(text)!;
      const truncated = tokens.truncated || inputs[i] !== texts[i];
      if (handedOut.has(text)) return { vectors: tokens.vectors.map((v) => v.slice()), truncated };
      handedOut.add(text);
      return { vectors: tokens.vectors, truncated };
    });
    return { model: model.id, dimensions, texts: result };
  }

  private async compute(model: EmbeddingModelConfig, texts: string[], use: EmbeddingUse): Promise<Float32Array[]> {
    const started = performance.now();
    const vectors = await this.providerFor(model).embed(texts, use);
    if (vectors.length !== texts.length || vectors.some((v) => v.length !== model.dimensions)) {
      throw new EmbeddingFailedError(`model '${model.id}' did not give ${texts.length} vectors of ${model.dimensions} numbers`, {
        model: model.id,
      });
    }
    this.metrics?.observeEmbeddings(model.id, texts.length, (performance.now() - started) / 1000);
    return vectors;
  }

  private providerFor(model: EmbeddingModelConfig): EmbeddingProvider {
    let provider = this.providers.get(model.id);
    if (!provider) {
      provider = this.createProvider(model);
      this.providers.set(model.id, provider);
    }
    return provider;
  }

  private keyPrefixFor(model: EmbeddingModelConfig): string {
    let prefix = this.keyPrefixes.get(model.id);
    if (!prefix) {
      prefix = cacheKeyPrefix(model);
      this.keyPrefixes.set(model.id, prefix);
    }
    return prefix;
  }

  /** Logged when a model becomes unavailable, not on every call that finds it so. */
  private markUnavailable(id: string, reason: string, next: string | undefined): void {
    if (this.unavailable.has(id)) return;
    this.unavailable.set(id, reason);
    this.logger.warn(`embedding model '${id}' is unavailable (${reason}); ${next ? `falling back to '${next}'` : 'no fallback left'}`);
  }

  private markAvailable(id: string): void {
    if (!this.unavailable.delete(id)) return;
    this.logger.log(`embedding model '${id}' is available again`);
  }
}
