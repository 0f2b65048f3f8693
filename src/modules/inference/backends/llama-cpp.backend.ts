import { existsSync, statSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import type {
  ChatHistoryItem,
  Llama,
  LlamaChatSession,
  LlamaContext,
  LlamaContextSequence,
  LlamaLogLevel,
  LlamaModel,
} from 'node-llama-cpp';
import type { InferenceBackendConfig } from '../../../config/config.schema.js';
import {
  LlmBadRequestError,
  LlmFailedError,
  LlmOverloadedError,
  LlmUnavailableError,
  ModelNotFoundError,
  type TarsError,
} from '../../../contracts/errors.js';
import type { ChatMessageDto } from '../../../contracts/inference/generation.dto.js';
import type { BackendChatRequest, BackendEvent, BackendModel, BackendProbe, InferenceBackend } from './inference-backend.js';
import { type LocalModelOptions, messageOf, resolveModelPath } from './local-model.js';
import { PushStream } from './push-stream.js';

export type LlamaCppBackendConfig = Extract<InferenceBackendConfig, { kind: 'llamacpp' }>;
type NodeLlamaCpp = typeof import('node-llama-cpp');

/** After a model failed to load, requests fail fast for this long instead of loading it again each time. */
const LOAD_RETRY_MS = 30_000;

const NOT_INSTALLED = 'node-llama-cpp is not installed: npm install node-llama-cpp';

interface Loaded {
  lib: NodeLlamaCpp;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
}

/**
 * A GGUF model run in-process by llama.cpp (node-llama-cpp's prebuilt binaries; never compiled or
 * downloaded at run time). The model and one context with `maxConcurrent` sequences load on first
 * use; each request borrows a sequence for a fresh chat session built from its messages.
 * llama.cpp evaluates on its own native threads, so generation does not block the event loop.
 */
export class LlamaCppBackend implements InferenceBackend {
  private readonly logger: Logger;
  private readonly modelPath: string;
  private loading?: Promise<Loaded>;
  private loaded?: Loaded;
  private loadFailure?: { error: TarsError; at: number };

  constructor(
    readonly config: LlamaCppBackendConfig,
    location: LocalModelOptions,
    private readonly importRuntime: () => Promise<NodeLlamaCpp> = () => import('node-llama-cpp'),
    private readonly now: () => number = Date.now,
  ) {
    this.logger = new Logger(`LlamaCppBackend:${config.id}`);
    this.modelPath = resolveModelPath(location.modelsDir, config.modelPath);
  }

  async *chat(request: BackendChatRequest): AsyncGenerator<BackendEvent> {
    const { lib, model, context } = await this.load();
    const { history, prompt } = this.toChatHistory(request.messages);
    if (request.signal.aborted) {
      yield { type: 'end', doneReason: 'cancelled' };
      return;
    }
    const sequence = this.borrowSequence(context);
    const session = new lib.LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: true });
    const stop = new AbortController();
    let generation: Promise<unknown> = Promise.resolve();
    try {
      session.setChatHistory(history);
      const promptTokens = countPromptTokens(session, model, history, prompt);
      if (promptTokens >= sequence.contextSize) {
        throw new LlmBadRequestError(
          `the prompt has ${promptTokens} tokens, more than the context of ${sequence.contextSize} tokens of '${this.config.model}'`,
          this.details(),
        );
      }
      const texts = new PushStream<string>(() => stop.abort());
      let stopReason = '';
      generation = session
        .promptWithMeta(prompt, {
          onTextChunk: (text) => {
            if (text !== '') texts.push(text);
          },
          signal: AbortSignal.any([request.signal, stop.signal]),
          stopOnAbortSignal: true,
          maxTokens: request.maxTokens,
          temperature: request.temperature,
          seed: request.seed,
          customStopTriggers: request.stop?.filter((s) => s !== ''),
        })
        .then(
          (result) => {
            stopReason = result.stopReason;
            texts.end();
          },
          (err: unknown) => texts.fail(err),
        );
      try {
        for await (const text of texts) yield { type: 'token', text };
      } catch (err) {
        if (request.signal.aborted) {
          yield { type: 'end', doneReason: 'cancelled', promptTokens, completionTokens: sequence.tokenMeter.usedOutputTokens };
          return;
        }
        throw new LlmFailedError(`llama.cpp failed while generating with '${this.config.model}': ${messageOf(err)}`, this.details());
      }
      yield { type: 'end', doneReason: doneReason(stopReason), promptTokens, completionTokens: sequence.tokenMeter.usedOutputTokens };
    } finally {
      stop.abort();
      await generation;
      session.dispose();
    }
  }

  async listModels(): Promise<BackendModel[]> {
    if (!existsSync(this.modelPath)) return [];
    const loaded = this.loaded;
    return [
      {
        name: this.config.model,
        family: loaded?.model.fileInfo.metadata.general.architecture,
        contextLength: loaded ? loaded.context.contextSize : this.config.contextLength,
        sizeBytes: statSync(this.modelPath).size,
      },
    ];
  }

  /** Cheap: checks the file and that the runtime imports; loading the model is left to the first request. */
  async probe(timeoutMs: number): Promise<BackendProbe> {
    if (!existsSync(this.modelPath)) return { up: false, detail: `no GGUF model file at ${this.modelPath}` };
    if (this.loaded) {
      const { llama, context } = this.loaded;
      return { up: true, detail: `${this.modelPath} loaded (${llama.gpu || 'cpu'}, context ${context.contextSize} tokens)` };
    }
    if (this.loadFailure && this.now() - this.loadFailure.at < LOAD_RETRY_MS) return { up: false, detail: this.loadFailure.error.message };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.importRuntime(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs))),
      ]);
    } catch (err) {
      return { up: false, detail: `${NOT_INSTALLED} (${messageOf(err)})` };
    } finally {
      clearTimeout(timer);
    }
    return { up: true, detail: `${this.modelPath} present; it loads on the first request` };
  }

  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    this.loaded = undefined;
    const loaded = await loading?.catch(() => undefined);
    if (!loaded) return;
    await loaded.context.dispose();
    await loaded.model.dispose();
    await loaded.llama.dispose();
  }

  private details(): Record<string, unknown> {
    return { backend: this.config.id, model: this.config.model };
  }

  private load(): Promise<Loaded> {
    if (this.loading) return this.loading;
    if (!existsSync(this.modelPath)) {
      return Promise.reject(
        new ModelNotFoundError(`no GGUF model file at ${this.modelPath} (modelPath of backend '${this.config.id}')`, this.details()),
      );
    }
    if (this.loadFailure && this.now() - this.loadFailure.at < LOAD_RETRY_MS) return Promise.reject(this.loadFailure.error);
    const loading = this.loadModel().then(
      (loaded) => {
        if (this.loading === loading) this.loaded = loaded;
        this.loadFailure = undefined;
        return loaded;
      },
      (err: TarsError) => {
        if (this.loading === loading) this.loading = undefined;
        this.loadFailure = { error: err, at: this.now() };
        throw err;
      },
    );
    this.loading = loading;
    return loading;
  }

  private async loadModel(): Promise<Loaded> {
    const unavailable = (what: string, err: unknown) => new LlmUnavailableError(`${what}: ${messageOf(err)}`, this.details());
    let lib: NodeLlamaCpp;
    try {
      lib = await this.importRuntime();
    } catch (err) {
      throw unavailable(NOT_INSTALLED, err);
    }
    const { gpuLayers, threads } = this.config;
    let llama: Llama;
    try {
      llama = await lib.getLlama({
        gpu: gpuLayers > 0 ? 'auto' : false,
        // Use the prebuilt binaries of the npm packages only: never compile or download at run time.
        build: 'never',
        skipDownload: true,
        progressLogs: false,
        maxThreads: threads > 0 ? threads : undefined,
        logLevel: lib.LlamaLogLevel.warn,
        logger: (level, message) => this.log(level, message),
      });
    } catch (err) {
      throw unavailable('the llama.cpp runtime cannot start', err);
    }
    if (gpuLayers > 0 && llama.gpu === false) {
      this.logger.warn(
        `gpuLayers is ${gpuLayers} but no GPU build of llama.cpp works here: running on the CPU ` +
          '(package.json leaves out the CUDA and Vulkan binaries; see the README to add them)',
      );
    }
    let model: LlamaModel | undefined;
    try {
      model = await llama.loadModel({ modelPath: this.modelPath, gpuLayers: llama.gpu === false ? 0 : gpuLayers });
      const context = await model.createContext({
        contextSize: Math.min(this.config.contextLength, model.trainContextSize),
        sequences: this.config.maxConcurrent,
        threads: threads > 0 ? threads : undefined,
      });
      this.logger.log(`loaded ${this.modelPath} (${llama.gpu || 'cpu'}, context ${context.contextSize} tokens × ${this.config.maxConcurrent})`);
      return { lib, llama, model, context };
    } catch (err) {
      await model?.dispose();
      await llama.dispose();
      throw unavailable(model ? `cannot create a llama.cpp context for ${this.modelPath}` : `cannot load ${this.modelPath}`, err);
    }
  }

  private borrowSequence(context: LlamaContext): LlamaContextSequence {
    try {
      return context.getSequence();
    } catch (err) {
      // The engine keeps at most maxConcurrent generations per backend, so this means a leak or a misconfiguration.
      throw new LlmOverloadedError(`all ${this.config.maxConcurrent} llama.cpp sequences are busy: ${messageOf(err)}`, this.details());
    }
  }

  /** The request's messages as node-llama-cpp history, and the last user message as the prompt. */
  private toChatHistory(messages: ChatMessageDto[]): { history: ChatHistoryItem[]; prompt: string } {
    const last = messages.at(-1);
    if (!last || last.role !== 'user') {
      throw new LlmBadRequestError('the last message of a llama.cpp prompt must be a user message', this.details());
    }
    const history = messages.slice(0, -1).map((m): ChatHistoryItem => {
      if (m.role === 'system') return { type: 'system', text: m.content };
      if (m.role === 'user') return { type: 'user', text: m.content };
      return { type: 'model', response: [m.content] };
    });
    return { history, prompt: last.content };
  }

  private log(level: LlamaLogLevel, message: string): void {
    const text = message.trim();
    if (text === '') return;
    if (level === 'fatal' || level === 'error') this.logger.error(text);
    else if (level === 'warn') this.logger.warn(text);
    else this.logger.debug(text);
  }
}

/** Tokens of the prompt exactly as the session's chat template will lay it out. */
function countPromptTokens(session: LlamaChatSession, model: LlamaModel, history: ChatHistoryItem[], prompt: string): number {
  const chatHistory: ChatHistoryItem[] = [...history, { type: 'user', text: prompt }, { type: 'model', response: [] }];
  return session.chatWrapper.generateContextState({ chatHistory }).contextText.tokenize(model.tokenizer).length;
}

/** node-llama-cpp's stop reasons in the engine's words (stop, length, cancelled). */
function doneReason(stopReason: string): string {
  if (stopReason === 'maxTokens') return 'length';
  if (stopReason === 'abort') return 'cancelled';
  return 'stop';
}
