import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { InferenceBackendConfig } from '../../../config/config.schema.js';
import {
  LlmBadRequestError,
  LlmFailedError,
  LlmUnavailableError,
  ModelNotFoundError,
  type TarsError,
} from '../../../contracts/errors.js';
import type { BackendChatRequest, BackendEvent, BackendModel, BackendProbe, InferenceBackend } from './inference-backend.js';
import { type LocalModelOptions, messageOf, resolveModelPath } from './local-model.js';
import { PushStream } from './push-stream.js';

export type TransformersBackendConfig = Extract<InferenceBackendConfig, { kind: 'transformers' }>;

/** After a model failed to load, requests fail fast for this long instead of starting a worker each time. */
const LOAD_RETRY_MS = 30_000;

const WORKER_ENTRY = new URL('./transformers-generation.worker.mjs', import.meta.url);

/** Messages of transformers-generation.worker.mjs. */
type WorkerMessage =
  | { type: 'ready'; hasChatTemplate: boolean }
  | { type: 'start-failed'; kind: 'not-found' | 'not-generative' | 'load'; message: string }
  | { type: 'token'; id: number; text: string }
  | { type: 'end'; id: number; doneReason: string; promptTokens?: number; completionTokens?: number }
  | { type: 'error'; id: number; kind: 'bad-request' | 'failed'; message: string };

/** One started worker: resolves `ready` once its model is loaded. */
interface WorkerHandle {
  worker: Worker;
  ready: Promise<void>;
  streams: Map<number, PushStream<BackendEvent>>;
  /** Known once ready: prompts use the model's chat template, else a plain "role: content" transcript. */
  hasChatTemplate?: boolean;
}

/** Names in config.json's `architectures` that transformers.js can generate text with. */
const GENERATIVE_ARCHITECTURE = /(ForCausalLM|LMHeadModel|ForConditionalGeneration)$/;

/**
 * An ONNX text-generation model run by transformers.js in a worker thread of its own (token
 * sampling and tensor code run on the calling thread: on the main thread they would stall the
 * HTTP server). The worker loads the model on first use and runs one generation at a time.
 */
export class TransformersBackend implements InferenceBackend {
  private readonly folder: string;
  private current?: WorkerHandle;
  private loadFailure?: { error: TarsError; at: number };
  private nextId = 1;

  constructor(
    readonly config: TransformersBackendConfig,
    private readonly location: LocalModelOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.folder = resolveModelPath(location.modelsDir, config.source);
  }

  async *chat(request: BackendChatRequest): AsyncGenerator<BackendEvent> {
    const handle = await this.start();
    if (request.signal.aborted) {
      yield { type: 'end', doneReason: 'cancelled' };
      return;
    }
    const id = this.nextId++;
    const abort = () => handle.worker.postMessage({ type: 'abort', id });
    const events = new PushStream<BackendEvent>(abort);
    handle.streams.set(id, events);
    handle.worker.ref();
    request.signal.addEventListener('abort', abort, { once: true });
    try {
      handle.worker.postMessage({
        type: 'generate',
        id,
        messages: request.messages.map(({ role, content }) => ({ role, content })),
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        stop: request.stop ?? [],
      });
      yield* events;
    } finally {
      request.signal.removeEventListener('abort', abort);
      handle.streams.delete(id);
      // An idle worker must not keep the process alive; a busy one must, or an awaiting CLI would exit early.
      if (handle.streams.size === 0) handle.worker.unref();
    }
  }

  async listModels(): Promise<BackendModel[]> {
    const local = this.localConfig();
    if (!local && !this.location.allowRemoteModels) return [];
    return [{ name: this.config.model, family: local?.model_type, contextLength: this.config.contextLength }];
  }

  /** Cheap: checks the model folder and its config.json; loading the model is left to the first request. */
  async probe(_timeoutMs: number): Promise<BackendProbe> {
    const local = this.localConfig();
    if (!local && !this.location.allowRemoteModels) return { up: false, detail: this.missingMessage() };
    if (this.loadFailure && this.now() - this.loadFailure.at < LOAD_RETRY_MS) return { up: false, detail: this.loadFailure.error.message };
    const architectures = local?.architectures ?? [];
    if (architectures.length > 0 && !architectures.some((a) => GENERATIVE_ARCHITECTURE.test(a))) {
      return { up: false, detail: this.notGenerativeMessage(architectures.join(', ')) };
    }
    if (this.current?.hasChatTemplate !== undefined) {
      const prompt = this.current.hasChatTemplate ? 'its chat template' : 'a plain transcript (the model has no chat template)';
      return { up: true, detail: `'${this.config.source}' (${this.config.dtype}) is loaded; prompts use ${prompt}` };
    }
    const where = local ? this.folder : `hub id '${this.config.source}' (downloaded on first use)`;
    return { up: true, detail: `${where}: it loads on the first request` };
  }

  async close(): Promise<void> {
    const handle = this.current;
    this.current = undefined;
    if (handle) await handle.worker.terminate();
  }

  private details(): Record<string, unknown> {
    return { backend: this.config.id, model: this.config.model };
  }

  /** config.json of the local model folder, or undefined when there is none. */
  private localConfig(): { model_type?: string; architectures?: string[] } | undefined {
    const path = join(this.folder, 'config.json');
    if (!existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as { model_type?: string; architectures?: string[] };
    } catch {
      return {};
    }
  }

  private missingMessage(): string {
    return `no model files in ${this.folder} and downloads are off (inference.allowRemoteModels)`;
  }

  private notGenerativeMessage(what: string): string {
    return `'${this.config.source}' is not a text-generation model (${what}): transformers.js has no causal language-model head for it`;
  }

  private async start(): Promise<WorkerHandle> {
    if (!this.current) {
      if (!this.location.allowRemoteModels && !existsSync(join(this.folder, 'config.json'))) {
        throw new ModelNotFoundError(this.missingMessage(), this.details());
      }
      if (this.loadFailure && this.now() - this.loadFailure.at < LOAD_RETRY_MS) throw this.loadFailure.error;
      this.current = this.spawn();
    }
    const handle = this.current;
    try {
      await handle.ready;
      this.loadFailure = undefined;
      return handle;
    } catch (err) {
      if (this.current === handle) this.current = undefined;
      const error = err as TarsError;
      this.loadFailure = { error, at: this.now() };
      throw error;
    }
  }

  private spawn(): WorkerHandle {
    const { source, dtype, contextLength } = this.config;
    const worker = new Worker(WORKER_ENTRY, {
      workerData: { source, dtype, contextLength, ...this.location },
      name: `tars-llm-${this.config.id}`,
    });
    const handle: WorkerHandle = { worker, ready: Promise.resolve(), streams: new Map() };
    const { streams } = handle;
    let started = false;
    const ready = new Promise<void>((resolve, reject) => {
      const gone = (reason: string) => {
        if (this.current?.worker === worker) this.current = undefined;
        if (!started) reject(new LlmUnavailableError(`the transformers.js worker of '${source}' did not start: ${reason}`, this.details()));
        const crash = new LlmFailedError(`the transformers.js worker of '${source}' stopped (${reason}); it restarts on the next request`, this.details());
        for (const stream of streams.values()) stream.fail(crash);
        streams.clear();
      };
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') {
          started = true;
          handle.hasChatTemplate = msg.hasChatTemplate;
          worker.unref();
          resolve();
        } else if (msg.type === 'start-failed') {
          reject(this.startError(msg.kind, msg.message));
          void worker.terminate();
        } else {
          this.deliver(streams, msg);
        }
      });
      worker.on('error', (err) => gone(messageOf(err)));
      worker.on('exit', (code) => gone(`exit code ${code}`));
    });
    ready.catch(() => undefined); // observed by start(); avoids an unhandled rejection when nobody waits
    handle.ready = ready;
    return handle;
  }

  private deliver(streams: Map<number, PushStream<BackendEvent>>, msg: Exclude<WorkerMessage, { type: 'ready' | 'start-failed' }>): void {
    const stream = streams.get(msg.id);
    if (!stream) return;
    if (msg.type === 'token') {
      stream.push({ type: 'token', text: msg.text });
    } else if (msg.type === 'end') {
      stream.push({ type: 'end', doneReason: msg.doneReason, promptTokens: msg.promptTokens, completionTokens: msg.completionTokens });
      stream.end();
    } else {
      const message = `transformers.js '${this.config.source}': ${msg.message}`;
      stream.fail(msg.kind === 'bad-request' ? new LlmBadRequestError(message, this.details()) : new LlmFailedError(message, this.details()));
    }
  }

  private startError(kind: 'not-found' | 'not-generative' | 'load', message: string): TarsError {
    if (kind === 'not-found') return new ModelNotFoundError(`${message} (inference.allowRemoteModels is ${this.location.allowRemoteModels})`, this.details());
    if (kind === 'not-generative') return new LlmBadRequestError(`${this.notGenerativeMessage(message)}`, this.details());
    return new LlmUnavailableError(message, this.details());
  }
}
