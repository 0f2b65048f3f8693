import type { InferenceBackendConfig } from '../../../config/config.schema.js';
import type { BackendChatRequest, BackendEvent, BackendModel, BackendProbe, InferenceBackend } from '../backends/inference-backend.js';

/** How a fake backend answers one chat call. */
export type Reply = (request: BackendChatRequest) => AsyncIterable<BackendEvent>;

/** Resolves when `signal` aborts (at once if it already has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Tokens then an `end`, stopping early (as a real backend must) when the request is aborted. */
export function replyWith(tokens: string[], end: Partial<Extract<BackendEvent, { type: 'end' }>> = {}): Reply {
  return async function* (request) {
    for (const text of tokens) {
      if (request.signal.aborted) return;
      yield { type: 'token', text };
    }
    yield { type: 'end', doneReason: 'stop', promptTokens: 11, completionTokens: tokens.length, ...end };
  };
}

/** Some tokens (maybe none), then a failure. */
export function failWith(error: Error, tokensFirst: string[] = []): Reply {
  return async function* () {
    for (const text of tokensFirst) yield { type: 'token', text };
    throw error;
  };
}

/**
 * Some tokens, then silence: until the request is aborted (`honoursAbort`), or for ever (a backend
 * stuck in a read that ignores its signal).
 */
export function silentAfter(tokens: string[], options: { honoursAbort: boolean } = { honoursAbort: true }): Reply {
  return async function* (request) {
    for (const text of tokens) yield { type: 'token', text };
    await (options.honoursAbort ? untilAborted(request.signal) : new Promise<never>(() => {}));
  };
}

/** A reply that starts only when released (to hold a slot), then answers `tokens`. */
export function held(tokens: string[] = ['held']) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const reply: Reply = async function* (request) {
    await Promise.race([released, untilAborted(request.signal)]);
    if (request.signal.aborted) return;
    yield* replyWith(tokens)(request);
  };
  return { reply, release };
}

/** A scriptable backend: replies are taken in order from `script`, then `defaultReply`; every call is recorded. */
export class FakeBackend implements InferenceBackend {
  readonly requests: BackendChatRequest[] = [];
  models: BackendModel[];
  listError?: Error;
  probeResult: BackendProbe | (() => Promise<BackendProbe>) = { up: true, detail: 'fake backend answers' };
  listCalls = 0;
  probeCalls = 0;
  closed = false;
  defaultReply: Reply = replyWith(['Hello', ',', ' world']);
  private readonly script: Reply[] = [];
  private readonly callWaiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(readonly config: InferenceBackendConfig) {
    this.models = config.model ? [{ name: config.model }] : [];
  }

  /** Queues replies for the next calls. */
  answer(...replies: Reply[]): this {
    this.script.push(...replies);
    return this;
  }

  /** Resolves once the backend has received `count` chat calls in all. */
  waitForCalls(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.callWaiters.push({ count, resolve }));
  }

  chat(request: BackendChatRequest): AsyncIterable<BackendEvent> {
    this.requests.push(request);
    for (const waiter of this.callWaiters.filter((w) => this.requests.length >= w.count)) {
      this.callWaiters.splice(this.callWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    return (this.script.shift() ?? this.defaultReply)(request);
  }

  async listModels(): Promise<BackendModel[]> {
    this.listCalls++;
    if (this.listError) throw this.listError;
    return [...this.models];
  }

  async probe(): Promise<BackendProbe> {
    this.probeCalls++;
    return typeof this.probeResult === 'function' ? this.probeResult() : this.probeResult;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
