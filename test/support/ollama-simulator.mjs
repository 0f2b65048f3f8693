// A protocol-faithful stand-in for Ollama's HTTP API, for tests and benchmarks (never used by
// production code). Plain JavaScript so that the bench/*.mjs scripts run it in plain Node; the
// types (and the documentation of every option) are in ollama-simulator.d.mts.
//
// Endpoints: POST /api/chat and /api/generate (NDJSON streaming or one JSON object), POST
// /api/embed, GET /api/tags, POST /api/show, GET /api/version. Chat, generate and embed share
// `parallel` slots and a queue of `maxQueue`; the others answer at once. Errors use Ollama's own
// status codes and texts, and faults (error statuses, slow starts, dropped, garbled or stalled
// streams) can be injected for the next N requests, or at random with given rates (a seeded PRNG:
// the same seed gives the same faults to the same sequence of requests). Every fault applied is
// recorded (injectedFaults, injectedCounts) so that tests can reconcile it with what clients saw.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { clearImmediate, setImmediate } from 'node:timers';

/** Ollama's (and its cloud's) error texts, for injected faults and assertions. */
export const OLLAMA_ERRORS = Object.freeze({
  busy: 'server busy, please try again.  maximum pending requests exceeded',
  quota: 'you (tars) have reached your weekly usage limit, upgrade for higher limits',
  credits: 'insufficient credits',
  runnerTerminated: 'llama runner process has terminated: exit status 2',
});
const STATUS_BODIES = { 402: OLLAMA_ERRORS.credits, 429: OLLAMA_ERRORS.quota, 500: OLLAMA_ERRORS.runnerTerminated, 503: OLLAMA_ERRORS.busy };
const GARBAGE_LINE = '<html><body><h1>502 Bad Gateway</h1></body></html>';
const FILLER = 'and the rest of this reply is filler text that the simulator adds to reach the requested length'.split(' ');

export const DEFAULT_MODELS = Object.freeze([
  Object.freeze({ name: 'nomic-embed-text', dimensions: 768, family: 'nomic-bert', contextLength: 2048, parameterSize: '137M' }),
  Object.freeze({ name: 'llama3.2:3b', family: 'llama', contextLength: 131072, parameterSize: '3.2B' }),
]);

const hrNow = () => process.hrtime.bigint();

export class OllamaSimulator extends EventEmitter {
  #server;
  #routes = new Map();
  #faults = [];
  #waiting = [];
  #live = new Set();
  #counts = new Map();
  #active = 0;
  #maxActive = 0;
  #truncated = 0;
  #stopped = false;
  #faultRates = {};
  #random;
  #injected = [];
  #injectedCounts = new Map();

  constructor(server, options = {}) {
    super();
    this.#server = server;
    this.models = options.models ?? DEFAULT_MODELS.map((m) => ({ ...m }));
    this.ttftMs = options.ttftMs ?? options.latencyMs ?? 0;
    this.tokensPerSecond = options.tokensPerSecond ?? 1000;
    this.replyTokens = options.replyTokens ?? 24;
    this.defaultNumCtx = options.defaultNumCtx ?? 2048;
    this.reply = options.reply;
    this.parallel = options.parallel ?? 1;
    this.maxQueue = options.maxQueue ?? 512;
    this.version = options.version ?? '0.12.6';
    this.faultSeed = options.faultSeed ?? 1;
    this.#random = mulberry32(this.faultSeed);
    if (options.faultRates) this.faultRates = options.faultRates;
    this.received = [];
    this.abortedRequests = [];
    this.#routes.set('GET /api/version', { serve: () => ({ status: 200, body: { version: this.version } }) });
    this.#routes.set('GET /api/tags', { serve: () => ({ status: 200, body: { models: this.models.map((m) => describe(m)) } }) });
    this.#routes.set('POST /api/show', { serve: (req) => this.#show(req) });
    this.#routes.set('POST /api/embed', { usesSlot: true, check: (req) => this.#checkModel(req, 'embed'), serve: (req, ex) => this.#embed(req, ex) });
    this.#routes.set('POST /api/chat', { usesSlot: true, check: (req) => this.#checkModel(req, 'chat'), serve: (req, ex) => this.#complete(req, ex, 'chat') });
    this.#routes.set('POST /api/generate', { usesSlot: true, check: (req) => this.#checkModel(req, 'generate'), serve: (req, ex) => this.#complete(req, ex, 'generate') });
  }

  static async start(options = {}) {
    const server = createServer();
    const simulator = new OllamaSimulator(server, options);
    server.on('request', (req, res) => {
      simulator.#handle(req, res).catch((err) => sendJson(res, 500, { error: err.message }));
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
    });
    return simulator;
  }

  /** Rough token count the simulator uses for prompts: one token per four characters. */
  static estimateTokens(text) {
    return Math.ceil((text ?? '').length / 4);
  }

  /** The vector this simulator gives `text` with `model`: deterministic, unit length. */
  static embedding(model, text, dimensions) {
    const vector = [];
    let block = Buffer.alloc(0);
    for (let i = 0; vector.length < dimensions; i++) {
      if (i % 8 === 0) block = createHash('sha256').update(`${model}\u0000${text}\u0000${i / 8}`).digest();
      vector.push(block.readInt32LE((i % 8) * 4) / 2 ** 31);
    }
    return normalize(vector);
  }

  get url() {
    const { address, port } = this.#server.address();
    const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
    return `http://${host}:${port}`;
  }

  get latencyMs() {
    return this.ttftMs;
  }
  set latencyMs(ms) {
    this.ttftMs = ms;
  }

  get activeCount() {
    return this.#active;
  }
  get queuedCount() {
    return this.#waiting.length;
  }
  get maxActiveSeen() {
    return this.#maxActive;
  }
  get truncatedRequests() {
    return this.#truncated;
  }

  /** Random faults per path ('*': every path without its own entry); see the .d.mts for the rules. */
  get faultRates() {
    return this.#faultRates;
  }
  set faultRates(rates) {
    this.#faultRates = validateFaultRates(rates ?? {});
  }

  /** Every fault applied so far (queued or drawn), in order (cleared by reset()). */
  get injectedFaults() {
    return this.#injected;
  }

  /** Faults applied so far, by status code for status faults ('503') and by kind for the others ('drop'). */
  get injectedCounts() {
    return Object.fromEntries(this.#injectedCounts);
  }

  route(method, path, handler) {
    this.#routes.set(`${method} ${path}`, { usesSlot: true, serve: handler });
  }

  inject(fault, count = 1) {
    for (let i = 0; i < count; i++) this.#faults.push(fault);
  }
  failNext(count, failure) {
    this.inject({ kind: 'status', ...failure }, count);
  }
  slowStart(ms, { count = 1, path } = {}) {
    this.inject({ kind: 'slowStart', ms, path }, count);
  }
  dropAfterTokens(tokens, { count = 1, path } = {}) {
    this.inject({ kind: 'drop', afterTokens: tokens, path }, count);
  }
  stallAfterTokens(tokens, { count = 1, path } = {}) {
    this.inject({ kind: 'stall', afterTokens: tokens, path }, count);
  }
  garbage({ count = 1, path, afterTokens } = {}) {
    this.inject({ kind: 'garbage', afterTokens, path }, count);
  }

  requestCount(path) {
    if (path) return this.#counts.get(path) ?? 0;
    return [...this.#counts.values()].reduce((a, b) => a + b, 0);
  }

  waitForAbort({ timeoutMs = 5000, count = 1 } = {}) {
    if (this.abortedRequests.length >= count) return Promise.resolve(this.abortedRequests[count - 1]);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (this.abortedRequests.length < count) return;
        cleanup();
        resolve(this.abortedRequests[count - 1]);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the Ollama simulator saw ${this.abortedRequests.length} aborted request(s) within ${timeoutMs} ms, expected ${count}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('abort', onAbort);
      };
      this.on('abort', onAbort);
    });
  }

  reset() {
    this.received.length = 0;
    this.abortedRequests.length = 0;
    this.#counts.clear();
    this.#faults.length = 0;
    this.#truncated = 0;
    this.#injected = [];
    this.#injectedCounts.clear();
    this.#random = mulberry32(this.faultSeed);
    this.#maxActive = this.#active;
  }

  async stop() {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const ex of this.#live) ex.shutdown();
    for (const waiter of this.#waiting.splice(0)) waiter.resolve(false);
    const closed = new Promise((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }
  close() {
    return this.stop();
  }

  /** The model of this name, accepting `name` for `name:latest` as Ollama does. */
  findModel(name) {
    if (typeof name !== 'string' || name === '') return undefined;
    const full = (n) => (n.includes(':') ? n : `${n}:latest`);
    return this.models.find((m) => full(m.name) === full(name));
  }

  async #handle(req, res) {
    const arrived = hrNow();
    res.on('error', () => {}); // a client that went away is recorded through 'close'
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    this.#counts.set(path, (this.#counts.get(path) ?? 0) + 1);
    const route = this.#routes.get(`${req.method} ${path}`);
    if (!route) return sendRaw(res, 404, '404 page not found', 'text/plain');
    let body;
    try {
      body = await readJson(req);
    } catch (err) {
      return sendJson(res, 400, { error: err.message });
    }
    if (req.method === 'POST' && body === undefined) return sendJson(res, 400, { error: 'missing request body' });
    const request = { method: req.method ?? 'GET', path, body, raw: req, model: stringField(body, 'model'), numCtx: requestedNumCtx(body), receivedAt: new Date() };
    this.received.push(request);
    this.emit('request', request);
    const fault = this.#takeFault(path) ?? this.#drawFault(path);
    if (fault) this.#recordFault(fault, request);
    if (fault?.kind === 'status') return sendJson(res, fault.status, fault.body ?? { error: STATUS_BODIES[fault.status] ?? `status ${fault.status}` });
    const refusal = route.check?.(request);
    if (refusal) return sendJson(res, refusal.status, refusal.body);

    const ex = new Exchange(request, res, fault, arrived, (record) => this.#recordAbort(record));
    this.#live.add(ex);
    let holdsSlot = false;
    try {
      if (route.usesSlot) {
        holdsSlot = await this.#acquire(ex);
        if (!holdsSlot) return;
      }
      ex.slotAt = hrNow();
      ex.phase = 'loading';
      const startMs = (route.usesSlot ? this.ttftMs : 0) + (fault?.kind === 'slowStart' ? fault.ms : 0);
      if (startMs > 0 && !(await ex.sleep(startMs))) return;
      ex.firstTokenAt = hrNow();
      ex.phase = 'generating';
      const answer = await route.serve(request, ex);
      if (!answer || ex.closed) return;
      if ('stream' in answer) await answer.stream(res);
      else await ex.answer(answer.status, answer.body);
    } finally {
      if (holdsSlot) this.#release();
      this.#live.delete(ex);
    }
  }

  #takeFault(path) {
    const i = this.#faults.findIndex((f) => !f.path || f.path === path);
    return i < 0 ? undefined : { ...this.#faults.splice(i, 1)[0], source: 'queued' };
  }

  /** One draw per request of a path with fault rates: the first rule whose cumulative rate exceeds it applies. */
  #drawFault(path) {
    const rules = this.#faultRates[path] ?? this.#faultRates['*'];
    if (!rules?.length) return undefined;
    const draw = this.#random();
    let cumulative = 0;
    for (const { rate, ...fault } of rules) {
      cumulative += rate;
      if (draw < cumulative) return { ...fault, source: 'rate' };
    }
    return undefined;
  }

  #recordFault(fault, request) {
    const { source, path: _path, ...rest } = fault;
    const record = { seq: this.#injected.length + 1, source, path: request.path, ...rest, request, at: new Date() };
    this.#injected.push(record);
    const key = fault.kind === 'status' ? String(fault.status) : fault.kind;
    this.#injectedCounts.set(key, (this.#injectedCounts.get(key) ?? 0) + 1);
    this.emit('fault', record);
  }

  /** Resolves true once the request holds a slot, false when refused (queue full) or gone while queued. */
  #acquire(ex) {
    if (this.#active < this.parallel) {
      this.#active++;
      this.#maxActive = Math.max(this.#maxActive, this.#active);
      return Promise.resolve(true);
    }
    if (this.#waiting.length >= this.maxQueue) {
      ex.send(503, { error: OLLAMA_ERRORS.busy });
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const waiter = { resolve };
      this.#waiting.push(waiter);
      ex.onGone(() => {
        const i = this.#waiting.indexOf(waiter);
        if (i >= 0) this.#waiting.splice(i, 1);
        resolve(false);
      });
    });
  }

  #release() {
    const next = this.#waiting.shift();
    if (next) next.resolve(true); // the slot passes straight to the next waiting request
    else this.#active--;
  }

  #recordAbort(record) {
    this.abortedRequests.push(record);
    this.emit('abort', record);
  }

  #checkModel({ body }, use) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return { status: 400, body: { error: 'invalid request body' } };
    if (typeof body.model !== 'string' || body.model === '') return { status: 400, body: { error: 'model is required' } };
    const model = this.findModel(body.model);
    if (!model) return { status: 404, body: { error: `model "${body.model}" not found, try pulling it first` } };
    if (use === 'embed' && !model.dimensions) return { status: 400, body: { error: `"${body.model}" does not support embeddings` } };
    if (use !== 'embed' && kindOf(model) !== 'chat') return { status: 400, body: { error: `"${body.model}" does not support ${use}` } };
    if (use === 'chat' && body.messages != null && !Array.isArray(body.messages)) return { status: 400, body: { error: 'messages must be an array' } };
    return undefined;
  }

  async #complete(request, ex, use) {
    const { body } = request;
    const model = this.findModel(body.model);
    const frame = (content) => ({
      model: body.model,
      created_at: new Date().toISOString(),
      ...(use === 'chat' ? { message: { role: 'assistant', content } } : { response: content }),
      done: false,
    });
    const empty = use === 'chat' ? !body.messages?.length : !body.prompt;
    if (empty) return { status: 200, body: { ...frame(''), done: true, done_reason: 'load' } }; // Ollama only loads the model

    const promptText = use === 'chat' ? body.messages.map((m) => m?.content ?? '').join('\n') : [body.system, body.prompt].filter(Boolean).join('\n');
    const promptTokens = OllamaSimulator.estimateTokens(promptText);
    const effectiveNumCtx = Math.min(request.numCtx ?? this.defaultNumCtx, model.contextLength ?? Infinity);
    Object.assign(request, { promptTokens, effectiveNumCtx, truncated: promptTokens > effectiveNumCtx });
    if (request.truncated) this.#truncated++;
    const { tokens, doneReason } = this.#plan(request, use);
    const last = (extra) => {
      const end = hrNow();
      const promptEval = (ex.firstTokenAt - ex.slotAt) / 2n + 1n;
      return {
        ...frame(''),
        done: true,
        done_reason: doneReason,
        ...(use === 'generate' ? { context: Array.from({ length: Math.min(promptTokens, effectiveNumCtx) + tokens.length }, (_, i) => 128_000 + (i % 1000)) } : {}),
        total_duration: Number(end - ex.arrived),
        load_duration: Math.max(1, Number(ex.firstTokenAt - ex.arrived - promptEval)),
        prompt_eval_count: Math.min(promptTokens, effectiveNumCtx),
        prompt_eval_duration: Number(promptEval),
        eval_count: tokens.length,
        eval_duration: Number(end - ex.firstTokenAt + 1n),
        ...extra,
      };
    };

    if (body.stream === false) {
      if (!(await ex.sleep(tokens.length * this.#tokenIntervalMs()))) return undefined;
      const text = tokens.join('');
      return { status: 200, body: last(use === 'chat' ? { message: { role: 'assistant', content: text } } : { response: text }) };
    }
    const fault = ex.fault && ex.fault.kind !== 'slowStart' ? ex.fault : undefined;
    const faultAt = fault ? Math.min(fault.afterTokens ?? 2, tokens.length) : Infinity;
    ex.startStream();
    for (let i = 0; i <= tokens.length; i++) {
      if (i > 0 && !(await ex.sleepUntil(ex.firstTokenAt, i * this.#tokenIntervalMs()))) return undefined;
      if (i === faultAt) return ex.streamFault(fault);
      if (i === tokens.length) break;
      ex.writeLine(frame(tokens[i]));
      ex.tokensSent++;
    }
    ex.writeLine(last());
    ex.end();
    return undefined;
  }

  #tokenIntervalMs() {
    return this.tokensPerSecond > 0 && Number.isFinite(this.tokensPerSecond) ? 1000 / this.tokensPerSecond : 0;
  }

  /** The tokens to answer with: scripted by `reply`, or a deterministic text about the prompt. */
  #plan(request, use) {
    const { body } = request;
    const options = body.options ?? {};
    const scripted = this.reply?.(request);
    let text = typeof scripted === 'string' ? scripted : defaultReply(lastUserText(body, use), this.replyTokens);
    for (const stop of Array.isArray(options.stop) ? options.stop : []) {
      const at = typeof stop === 'string' && stop !== '' ? text.indexOf(stop) : -1;
      if (at >= 0) text = text.slice(0, at);
    }
    const tokens = text.match(/\s*\S+|\s+$/g) ?? [];
    const limit = options.num_predict;
    if (typeof limit === 'number' && limit > 0 && tokens.length > limit) return { tokens: tokens.slice(0, limit), doneReason: 'length' };
    return { tokens, doneReason: 'stop' };
  }

  async #embed({ body }, ex) {
    const model = this.findModel(body.model);
    const input = body.input;
    let texts;
    if (typeof input === 'string') texts = input === '' ? [] : [input];
    else if (Array.isArray(input) && input.every((t) => typeof t === 'string')) texts = input;
    else if (input === undefined || input === null) texts = [];
    else return { status: 400, body: { error: 'invalid input type' } };
    const dimensions = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.min(body.dimensions, model.dimensions) : model.dimensions;
    const embeddings = texts.map((text) => normalize(OllamaSimulator.embedding(model.name, text, model.dimensions).slice(0, dimensions)));
    const promptEvalCount = texts.reduce((sum, text) => sum + (text.match(/\S+/g)?.length ?? 0) + 2, 0);
    return {
      status: 200,
      body: {
        model: body.model,
        embeddings,
        total_duration: Number(hrNow() - ex.arrived),
        load_duration: Number(ex.firstTokenAt - ex.arrived) + 1_000,
        prompt_eval_count: promptEvalCount,
      },
    };
  }

  #show({ body }) {
    const name = stringField(body, 'model') || stringField(body, 'name');
    if (!name) return { status: 400, body: { error: 'model is required' } };
    const model = this.findModel(name);
    if (!model) return { status: 404, body: { error: `model '${name}' not found` } };
    const family = model.family ?? 'llama';
    const chat = kindOf(model) === 'chat';
    return {
      status: 200,
      body: {
        modelfile: `# Modelfile generated by "ollama show"\nFROM ${model.name}\n`,
        parameters: '',
        template: chat ? '{{ .Prompt }}' : '',
        details: describe(model).details,
        model_info: {
          'general.architecture': family,
          [`${family}.context_length`]: model.contextLength ?? 2048,
          ...(model.dimensions ? { [`${family}.embedding_length`]: model.dimensions } : {}),
        },
        capabilities: [...(chat ? ['completion'] : []), ...(model.dimensions ? ['embedding'] : [])],
        modified_at: '2026-11-01T00:00:00Z',
      },
    };
  }
}

/** One request in flight: its response, timing, tokens sent, and whether the client went away. */
class Exchange {
  tokensSent = 0;
  phase = 'queued';
  slotAt = 0n;
  firstTokenAt = 0n;
  #gone = false;
  #ended = false;
  #wakers = new Set();

  constructor(request, res, fault, arrived, onAbort) {
    this.request = request;
    this.res = res;
    this.fault = fault;
    this.arrived = arrived;
    res.on('close', () => {
      if (res.writableFinished || this.#ended) return;
      this.#gone = true;
      onAbort({ path: request.path, model: request.model, tokensSent: this.tokensSent, phase: this.phase, at: new Date(), request });
      this.#wakeAll();
    });
  }

  /** True once nothing more may be written: the client went away, or the simulator ended it. */
  get closed() {
    return this.#gone || this.#ended;
  }

  /** Waits `ms`; resolves false at once if the exchange closes meanwhile. */
  sleep(ms) {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      // Infinity waits until the exchange closes (a stalled stream); 0 still yields to I/O.
      const timer = ms > 0 && Number.isFinite(ms) ? setTimeout(() => wake(true), ms) : undefined;
      const immediate = ms > 0 ? undefined : setImmediate(() => wake(true));
      const wake = (ok) => {
        clearTimeout(timer);
        clearImmediate(immediate);
        this.#wakers.delete(wake);
        resolve(ok && !this.closed);
      };
      this.#wakers.add(wake);
    });
  }

  /** Waits until `ms` after `start` (hrtime), so that token times do not drift. */
  sleepUntil(start, ms) {
    return this.sleep(Math.max(0, ms - Number(hrNow() - start) / 1e6));
  }

  onGone(callback) {
    this.#wakers.add(() => callback());
  }

  /** Ends this exchange from the simulator's side (stop()); not counted as a client abort. */
  shutdown() {
    this.#ended = true;
    this.#wakeAll();
  }

  send(status, body) {
    if (this.closed) return;
    sendJson(this.res, status, body);
  }

  /** A JSON answer, unless a fault says otherwise. */
  async answer(status, body) {
    switch (this.fault?.kind) {
      case 'drop':
      case 'truncate':
        return this.destroy();
      case 'stall':
        return this.sleep(Infinity);
      case 'garbage':
        return sendRaw(this.res, 200, this.fault.line ?? GARBAGE_LINE, 'application/json; charset=utf-8');
      case 'streamError':
        return this.send(500, { error: this.fault.error ?? OLLAMA_ERRORS.runnerTerminated });
      default:
        return this.send(status, body);
    }
  }

  startStream() {
    if (this.closed) return;
    this.res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  }

  writeLine(value) {
    if (this.closed) return;
    this.res.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
  }

  async streamFault(fault) {
    switch (fault.kind) {
      case 'drop':
        return this.destroy();
      case 'stall':
        return this.sleep(Infinity);
      case 'garbage':
        this.writeLine(fault.line ?? GARBAGE_LINE);
        return this.end();
      case 'streamError':
        this.writeLine({ error: fault.error ?? OLLAMA_ERRORS.runnerTerminated });
        return this.end();
      default: // truncate: a clean end without the done line
        return this.end();
    }
  }

  end() {
    if (this.closed) return;
    this.#ended = true;
    this.res.end();
  }

  destroy() {
    this.#ended = true;
    this.res.destroy();
  }

  #wakeAll() {
    for (const wake of [...this.#wakers]) wake(false);
  }
}

const FAULT_KINDS = new Set(['status', 'slowStart', 'drop', 'truncate', 'garbage', 'stall', 'streamError']);

/** Checks fault rates ({ path: [{ kind, rate, ... }] }): known kinds, rates in [0, 1], at most 1 per path. */
function validateFaultRates(rates) {
  if (typeof rates !== 'object' || Array.isArray(rates)) throw new TypeError('faultRates must be an object of path -> rules');
  const checked = {};
  for (const [path, rules] of Object.entries(rates)) {
    if (!Array.isArray(rules)) throw new TypeError(`faultRates['${path}'] must be an array of rules`);
    let total = 0;
    checked[path] = rules.map((rule) => {
      if (!FAULT_KINDS.has(rule?.kind)) throw new TypeError(`faultRates['${path}']: unknown fault kind ${JSON.stringify(rule?.kind)}`);
      if (rule.kind === 'status' && !Number.isInteger(rule.status)) throw new TypeError(`faultRates['${path}']: a status fault needs a status`);
      if (typeof rule.rate !== 'number' || !(rule.rate >= 0 && rule.rate <= 1)) throw new RangeError(`faultRates['${path}']: rate must be within [0, 1]`);
      total += rule.rate;
      const { path: _ignored, ...copy } = rule;
      return Object.freeze(copy);
    });
    if (total > 1 + 1e-9) throw new RangeError(`faultRates['${path}']: the rates add up to ${total}, more than 1`);
    Object.freeze(checked[path]);
  }
  return Object.freeze(checked);
}

/** A small seeded PRNG (mulberry32): floats in [0, 1), the same sequence for the same seed. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function kindOf(model) {
  return model.kind ?? (model.dimensions ? 'embed' : 'chat');
}

function describe(model) {
  const name = model.name.includes(':') ? model.name : `${model.name}:latest`;
  const family = model.family ?? 'llama';
  const parameterSize = model.parameterSize ?? (kindOf(model) === 'chat' ? '3.2B' : '137M');
  return {
    name,
    model: name,
    modified_at: '2026-11-01T00:00:00Z',
    size: 274_302_450,
    digest: createHash('sha256').update(name).digest('hex'),
    details: { parent_model: '', format: 'gguf', family, families: [family], parameter_size: parameterSize, quantization_level: kindOf(model) === 'chat' ? 'Q4_K_M' : 'F16' },
  };
}

function lastUserText(body, use) {
  if (use === 'generate') return typeof body.prompt === 'string' ? body.prompt : '';
  const user = body.messages.filter((m) => m?.role === 'user').at(-1);
  return typeof user?.content === 'string' ? user.content : '';
}

function defaultReply(topic, count) {
  const words = ['Simulated', 'answer', 'about', ...(topic.match(/[\p{L}\p{N}][\p{L}\p{N}'.-]*/gu) ?? []).slice(0, 8)];
  for (let i = 0; words.length < count; i++) words.push(FILLER[i % FILLER.length]);
  return words.slice(0, count).join(' ');
}

function stringField(body, field) {
  return body && typeof body === 'object' && typeof body[field] === 'string' ? body[field] : undefined;
}

function requestedNumCtx(body) {
  const numCtx = body && typeof body === 'object' ? body.options?.num_ctx : undefined;
  return typeof numCtx === 'number' ? numCtx : undefined;
}

function normalize(vector) {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return vector.map((x) => x / norm);
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('invalid character in request body: not JSON');
  }
}

function sendJson(res, status, body) {
  sendRaw(res, status, JSON.stringify(body), 'application/json; charset=utf-8');
}

function sendRaw(res, status, text, contentType) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
