// Types of ollama-simulator.mjs (plain JavaScript so that bench/*.mjs can run it without a TS loader).
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Ollama's (and its cloud's) error texts, for injected faults and assertions. */
export declare const OLLAMA_ERRORS: Readonly<{
  /** 503 when more than maxQueue requests wait (note the two spaces). */
  busy: 'server busy, please try again.  maximum pending requests exceeded';
  /** 429 of Ollama Cloud when the quota is used up. */
  quota: string;
  /** 402 (OpenRouter-like; not an Ollama code). */
  credits: 'insufficient credits';
  /** 500 when the model runner crashed. */
  runnerTerminated: 'llama runner process has terminated: exit status 2';
}>;

/** The models a simulator has unless told otherwise: `nomic-embed-text` (768 dimensions) and the chat model `llama3.2:3b`. */
export declare const DEFAULT_MODELS: readonly Readonly<SimulatedModel>[];

export interface SimulatedModel {
  /** Name as pulled, e.g. `nomic-embed-text` (`:latest` is implied) or `llama3.2:3b`. */
  name: string;
  /** What the model does: `chat` answers /api/chat and /api/generate; `embed` only /api/embed. Default: `embed` when `dimensions` is set, else `chat`. */
  kind?: 'chat' | 'embed';
  /** Length of the embedding vectors; models without it cannot embed. */
  dimensions?: number;
  family?: string;
  /** The model's trained context: the most num_ctx can give (default 2048). */
  contextLength?: number;
  /** As `ollama list` shows it, e.g. `3.2B`. */
  parameterSize?: string;
}

export interface OllamaSimulatorOptions {
  /** Default: DEFAULT_MODELS. */
  models?: SimulatedModel[];
  /** Time to first token once a request holds a slot (also its load time; for /api/embed the whole latency), ms. Default 0. */
  ttftMs?: number;
  /** @deprecated old name of ttftMs. */
  latencyMs?: number;
  /** Token rate after the first token; 0 or Infinity: no delay. Default 1000. */
  tokensPerSecond?: number;
  /** Length of the generated default reply, in tokens (words). Default 24. */
  replyTokens?: number;
  /** Scripts the answer text of /api/chat and /api/generate; `undefined` falls back to the default reply. */
  reply?: (request: SimulatorRequest) => string | undefined;
  /** Context size when a request sets no options.num_ctx (Ollama truncates silently to it). Default 2048. */
  defaultNumCtx?: number;
  /** Requests served at once (OLLAMA_NUM_PARALLEL), shared by chat, generate and embed. Default 1. */
  parallel?: number;
  /** Requests allowed to wait for a slot (OLLAMA_MAX_QUEUE); one more gets 503. Default 512. */
  maxQueue?: number;
  /** Answer of /api/version. Default 0.12.6. */
  version?: string;
  /** Faults applied at random, per path (see FaultRates). Default none. */
  faultRates?: FaultRates;
  /** Seed of the PRNG that draws the random faults: the same seed gives the same faults to the same sequence of requests. Default 1. */
  faultSeed?: number;
  /** Default 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

/** A request as received, in order, including refused ones. */
export interface SimulatorRequest {
  method: string;
  path: string;
  /** Parsed JSON body (undefined for none). */
  body: unknown;
  raw: IncomingMessage;
  /** `body.model` when it is a string. */
  model: string | undefined;
  /** `body.options.num_ctx` as the client asked for it; undefined when it set none. */
  numCtx: number | undefined;
  receivedAt: Date;
  /** Chat and generate only (set before `reply` is called): prompt size estimate (OllamaSimulator.estimateTokens). */
  promptTokens?: number;
  /** Chat and generate only: the context used, min(numCtx ?? defaultNumCtx, model contextLength). */
  effectiveNumCtx?: number;
  /** Chat and generate only: the prompt did not fit the context and was cut, as Ollama does silently. */
  truncated?: boolean;
}

export interface InjectedFailure {
  status: number;
  /** Default: Ollama's body for that status (OLLAMA_ERRORS), e.g. `{"error":"insufficient credits"}` for 402. */
  body?: unknown;
}

/**
 * A fault for the next request (of `path` when given, else of any path). Token faults apply to
 * streamed chat/generate after `afterTokens` tokens (default 2); to a JSON answer they apply
 * instead of it (drop/truncate: socket destroyed; stall: no answer; garbage: a non-JSON 200 body;
 * streamError: 500).
 */
export type SimulatorFault = { path?: string } & (
  | ({ kind: 'status' } & InjectedFailure)
  /** Headers (and the first token) come `ms` later than usual. */
  | { kind: 'slowStart'; ms: number }
  /** The socket is destroyed mid-stream, without the done line. */
  | { kind: 'drop'; afterTokens?: number }
  /** The stream ends cleanly but without the done line. */
  | { kind: 'truncate'; afterTokens?: number }
  /** A line that is not JSON (`line`, default an HTML 502 page), then the end. */
  | { kind: 'garbage'; afterTokens?: number; line?: string }
  /** Nothing more is sent; the connection stays open (and the slot held) until the client goes away or stop(). */
  | { kind: 'stall'; afterTokens?: number }
  /** An `{"error": …}` line inside the stream, as Ollama sends when the runner fails mid-answer, then the end. */
  | { kind: 'streamError'; afterTokens?: number; error?: string }
);

/** A fault drawn at random: applied to a request with probability `rate` (0..1). */
export type RandomFault = DistributiveOmit<SimulatorFault, 'path'> & { rate: number };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Random faults by request path (e.g. `/api/chat`; `*` for every path without its own entry).
 * Each request of such a path draws one number u in [0, 1) from the seeded PRNG; the first rule
 * whose cumulative rate exceeds u applies (so the rules of one path are exclusive and their rates
 * add up to at most 1), none otherwise. A fault queued with inject() is served first and then no
 * number is drawn. Example: 20 % busy and 5 % quota errors on chat:
 * `{ '/api/chat': [{ kind: 'status', status: 503, rate: 0.2 }, { kind: 'status', status: 429, body: { error: OLLAMA_ERRORS.quota }, rate: 0.05 }] }`.
 */
export type FaultRates = Record<string, readonly RandomFault[]>;

/** A fault as it was applied to one request (event `fault`, list `injectedFaults`). */
export type InjectedFault = DistributiveOmit<SimulatorFault, 'path'> & {
  /** 1 for the first fault applied since start or reset(), 2 for the next, … */
  seq: number;
  /** `queued`: from inject() and its helpers; `rate`: drawn from faultRates. */
  source: 'queued' | 'rate';
  path: string;
  /** The request that got it (its body tells which question or prompt it was). */
  request: SimulatorRequest;
  at: Date;
};

export interface FaultTarget {
  /** How many requests get it. Default 1. */
  count?: number;
  path?: string;
}

/** A request whose client closed the connection before the answer was complete. */
export interface AbortedRequest {
  path: string;
  model: string | undefined;
  tokensSent: number;
  /** Where it was: waiting for a slot, before its first token, or answering. */
  phase: 'queued' | 'loading' | 'generating';
  at: Date;
  /** The request as received (its body tells which prompt it was). */
  request: SimulatorRequest;
}

/** A JSON answer, or a raw writer for streaming endpoints (NDJSON). */
export type SimulatorResponse = { status: number; body: unknown } | { stream: (res: ServerResponse) => Promise<void> };
export type RouteHandler = (request: SimulatorRequest) => Promise<SimulatorResponse> | SimulatorResponse;

/**
 * A protocol-faithful stand-in for Ollama's HTTP API: /api/chat, /api/generate (NDJSON streaming
 * or not), /api/embed, /api/tags, /api/show, /api/version, with slots, a queue, injected faults
 * and records of what clients sent and abandoned. Events: `request` (SimulatorRequest), `abort` (AbortedRequest), `fault` (InjectedFault).
 */
export declare class OllamaSimulator extends EventEmitter {
  private constructor();
  /** Starts listening (on a free 127.0.0.1 port unless told otherwise). */
  static start(options?: OllamaSimulatorOptions): Promise<OllamaSimulator>;
  /** Prompt size estimate the simulator uses: one token per four characters. */
  static estimateTokens(text: string | undefined): number;
  /** The vector this simulator gives `text` with `model`: deterministic, unit length. */
  static embedding(model: string, text: string, dimensions: number): number[];

  readonly models: SimulatedModel[];
  /** Settable at any time; applies to requests that have not reached that point yet. */
  ttftMs: number;
  /** @deprecated old name of ttftMs. */
  latencyMs: number;
  tokensPerSecond: number;
  replyTokens: number;
  defaultNumCtx: number;
  reply: ((request: SimulatorRequest) => string | undefined) | undefined;
  readonly parallel: number;
  readonly maxQueue: number;
  readonly version: string;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Requests received, in order (cleared by reset()). */
  readonly received: SimulatorRequest[];
  /** Requests whose client went away before the answer was complete, in order. */
  readonly abortedRequests: AbortedRequest[];
  /** Requests holding a slot now. */
  readonly activeCount: number;
  /** Requests waiting for a slot now. */
  readonly queuedCount: number;
  /** Most requests that held a slot at once (since start or reset()). */
  readonly maxActiveSeen: number;
  /** Chat/generate requests whose prompt estimate exceeded their effective num_ctx. */
  readonly truncatedRequests: number;
  /** Random faults (validated when set: known kinds, rates within [0, 1] adding up to at most 1 per path; TypeError/RangeError otherwise). Settable at any time. */
  faultRates: FaultRates;
  /** Seed of the random faults; reset() starts its sequence again. */
  readonly faultSeed: number;
  /** Every fault applied since start or reset() (queued or drawn), in order. */
  readonly injectedFaults: readonly InjectedFault[];
  /** Faults applied since start or reset(): by status code for status faults (`'503'`), by kind for the others (`'drop'`). A fresh object on each read. */
  readonly injectedCounts: Readonly<Record<string, number>>;

  /** Adds or replaces an endpoint; it takes a slot and waits ttftMs like the model endpoints. */
  route(method: string, path: string, handler: RouteHandler): void;
  /** Queues a fault for the next `count` requests (matching its path, if any). */
  inject(fault: SimulatorFault, count?: number): void;
  /** The next `count` requests (of any endpoint) get this status and body instead of being served. */
  failNext(count: number, failure: InjectedFailure): void;
  slowStart(ms: number, target?: FaultTarget): void;
  dropAfterTokens(tokens: number, target?: FaultTarget): void;
  stallAfterTokens(tokens: number, target?: FaultTarget): void;
  garbage(target?: FaultTarget & { afterTokens?: number }): void;
  /** Requests received, all or for one path (e.g. `/api/chat`), including refused ones. */
  requestCount(path?: string): number;
  /** Resolves with the `count`-th aborted request (default 1, counted since start or reset()), at once if already seen; rejects after timeoutMs (default 5000). */
  waitForAbort(options?: { timeoutMs?: number; count?: number }): Promise<AbortedRequest>;
  /** The model of this name, accepting `name` for `name:latest` as Ollama does. */
  findModel(name: unknown): SimulatedModel | undefined;
  /** Clears records, counters, queued faults and the record of applied ones (not the settings), and starts the random faults' sequence again from faultSeed. */
  reset(): void;
  /** Closes the server, destroying open connections (stalled streams included). */
  stop(): Promise<void>;
  /** Same as stop(). */
  close(): Promise<void>;
}
