import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A protocol-faithful stand-in for Ollama's HTTP API, for tests only (never used by production
 * code). Embed part for now: POST /api/embed, GET /api/tags, POST /api/show, GET /api/version.
 * Other endpoints are added with `simulator.route(method, path, handler)` (the inference issue
 * adds /api/chat and /api/generate that way), and they share the same slots, queue, latency,
 * injected failures and request counts.
 *
 * Errors use Ollama's own status codes and texts: 404 `model "x" not found, try pulling it first`,
 * 503 `server busy, please try again.  maximum pending requests exceeded` when the queue is full.
 */

export interface SimulatedModel {
  /** Name as pulled, e.g. `nomic-embed-text` (`:latest` is implied) or `llama3.2:1b`. */
  name: string;
  /** Length of the embedding vectors; models without it cannot embed. */
  dimensions?: number;
  family?: string;
  contextLength?: number;
}

export interface OllamaSimulatorOptions {
  models?: SimulatedModel[];
  /** Extra time every request takes once it holds a slot (ms). */
  latencyMs?: number;
  /** Requests served at once (OLLAMA_NUM_PARALLEL). */
  parallel?: number;
  /** Requests allowed to wait for a slot (OLLAMA_MAX_QUEUE); one more gets 503. */
  maxQueue?: number;
  version?: string;
}

export interface InjectedFailure {
  status: number;
  body: unknown;
}

export type RouteHandler = (request: SimulatorRequest) => Promise<SimulatorResponse> | SimulatorResponse;

export interface SimulatorRequest {
  method: string;
  path: string;
  body: unknown;
  raw: IncomingMessage;
}

/** A JSON answer, or a raw writer for streaming endpoints (NDJSON). */
export type SimulatorResponse = { status: number; body: unknown } | { stream: (res: ServerResponse) => Promise<void> };

const BUSY = 'server busy, please try again.  maximum pending requests exceeded';
const EMBED_MODEL: SimulatedModel = { name: 'nomic-embed-text', dimensions: 768, family: 'nomic-bert', contextLength: 2048 };

export class OllamaSimulator {
  readonly models: SimulatedModel[];
  latencyMs: number;
  private readonly parallel: number;
  private readonly maxQueue: number;
  private readonly version: string;
  private readonly routes = new Map<string, RouteHandler>();
  private readonly failures: InjectedFailure[] = [];
  private readonly waiting: Array<() => void> = [];
  private active = 0;
  private readonly counts = new Map<string, number>();
  /** Bodies of the requests received, in order (for assertions on what a client sent). */
  readonly received: SimulatorRequest[] = [];

  private constructor(
    private readonly server: Server,
    options: OllamaSimulatorOptions,
  ) {
    this.models = options.models ?? [EMBED_MODEL];
    this.latencyMs = options.latencyMs ?? 0;
    this.parallel = options.parallel ?? 1;
    this.maxQueue = options.maxQueue ?? 512;
    this.version = options.version ?? '0.12.6';
    this.route('GET', '/api/version', () => ({ status: 200, body: { version: this.version } }));
    this.route('GET', '/api/tags', () => ({ status: 200, body: { models: this.models.map((m) => this.describe(m)) } }));
    this.route('POST', '/api/show', (req) => this.show(req));
    this.route('POST', '/api/embed', (req) => this.embed(req));
  }

  /** Starts on a free 127.0.0.1 port. */
  static async start(options: OllamaSimulatorOptions = {}): Promise<OllamaSimulator> {
    const server = createServer();
    const simulator = new OllamaSimulator(server, options);
    server.on('request', (req, res) => void simulator.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return simulator;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Adds or replaces an endpoint. */
  route(method: string, path: string, handler: RouteHandler): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  /** The next `count` requests (of any endpoint) get this answer instead of being served. */
  failNext(count: number, failure: InjectedFailure): void {
    for (let i = 0; i < count; i++) this.failures.push(failure);
  }

  /** Requests received, all or for one path (e.g. `/api/embed`), including refused ones. */
  requestCount(path?: string): number {
    if (path) return this.counts.get(path) ?? 0;
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  /** The vector this simulator gives `text` with `model`: deterministic, unit length. */
  static embedding(model: string, text: string, dimensions: number): number[] {
    const vector: number[] = [];
    let block = Buffer.alloc(0);
    for (let i = 0; vector.length < dimensions; i++) {
      if (i % 8 === 0) block = createHash('sha256').update(`${model}\u0000${text}\u0000${i / 8}`).digest();
      vector.push(block.readInt32LE((i % 8) * 4) / 2 ** 31);
    }
    const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
    return vector.map((x) => x / norm);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    this.counts.set(path, (this.counts.get(path) ?? 0) + 1);
    const handler = this.routes.get(`${req.method} ${path}`);
    if (!handler) return send(res, 404, '404 page not found', 'text/plain');
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      return send(res, 400, { error: (err as Error).message });
    }
    if (req.method === 'POST' && body === undefined) return send(res, 400, { error: 'missing request body' });
    const request: SimulatorRequest = { method: req.method ?? 'GET', path, body, raw: req };
    this.received.push(request);
    const failure = this.failures.shift();
    if (failure) return send(res, failure.status, failure.body);

    if (this.active >= this.parallel) {
      if (this.waiting.length >= this.maxQueue) return send(res, 503, { error: BUSY });
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      const answer = await handler(request);
      if ('stream' in answer) await answer.stream(res);
      else send(res, answer.status, answer.body);
    } catch (err) {
      send(res, 500, { error: (err as Error).message });
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next waiting request
      else this.active--;
    }
  }

  /** The model of this name, accepting `name` for `name:latest` as Ollama does. */
  findModel(name: unknown): SimulatedModel | undefined {
    if (typeof name !== 'string' || name === '') return undefined;
    const full = (n: string) => (n.includes(':') ? n : `${n}:latest`);
    return this.models.find((m) => full(m.name) === full(name));
  }

  private embed({ body }: SimulatorRequest): SimulatorResponse {
    const started = process.hrtime.bigint();
    const request = (body ?? {}) as { model?: unknown; input?: unknown; dimensions?: unknown };
    if (typeof request.model !== 'string' || request.model === '') return { status: 400, body: { error: 'model is required' } };
    const model = this.findModel(request.model);
    if (!model) return notFound(request.model);
    if (!model.dimensions) return { status: 400, body: { error: `"${request.model}" does not support embeddings` } };
    const input = request.input;
    let texts: string[];
    if (typeof input === 'string') texts = input === '' ? [] : [input];
    else if (Array.isArray(input) && input.every((t) => typeof t === 'string')) texts = input as string[];
    else if (input === undefined || input === null) texts = [];
    else return { status: 400, body: { error: 'invalid input type' } };
    const dimensions = typeof request.dimensions === 'number' && request.dimensions > 0 ? Math.min(request.dimensions, model.dimensions) : model.dimensions;
    const embeddings = texts.map((text) => renormalize(OllamaSimulator.embedding(model.name, text, model.dimensions!).slice(0, dimensions)));
    const promptEvalCount = texts.reduce((sum, text) => sum + (text.match(/\S+/g)?.length ?? 0) + 2, 0);
    const total = Number(process.hrtime.bigint() - started) + this.latencyMs * 1e6;
    return {
      status: 200,
      body: { model: request.model, embeddings, total_duration: total, load_duration: 1_000, prompt_eval_count: promptEvalCount },
    };
  }

  private show({ body }: SimulatorRequest): SimulatorResponse {
    const request = (body ?? {}) as { model?: unknown; name?: unknown };
    const name = request.model || request.name;
    if (typeof name !== 'string' || name === '') return { status: 400, body: { error: 'model is required' } };
    const model = this.findModel(name);
    if (!model) return { status: 404, body: { error: `model '${name}' not found` } };
    const family = model.family ?? 'llama';
    return {
      status: 200,
      body: {
        modelfile: `# Modelfile generated by "ollama show"\nFROM ${model.name}\n`,
        parameters: '',
        template: model.dimensions ? '' : '{{ .Prompt }}',
        details: this.describe(model).details,
        model_info: {
          'general.architecture': family,
          [`${family}.context_length`]: model.contextLength ?? 2048,
          ...(model.dimensions ? { [`${family}.embedding_length`]: model.dimensions } : {}),
        },
        capabilities: model.dimensions ? ['embedding'] : ['completion'],
        modified_at: '2026-11-01T00:00:00Z',
      },
    };
  }

  private describe(model: SimulatedModel) {
    const name = model.name.includes(':') ? model.name : `${model.name}:latest`;
    const family = model.family ?? 'llama';
    return {
      name,
      model: name,
      modified_at: '2026-11-01T00:00:00Z',
      size: 274_302_450,
      digest: createHash('sha256').update(name).digest('hex'),
      details: { parent_model: '', format: 'gguf', family, families: [family], parameter_size: '137M', quantization_level: 'F16' },
    };
  }
}

function notFound(model: string): SimulatorResponse {
  return { status: 404, body: { error: `model "${model}" not found, try pulling it first` } };
}

function renormalize(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return vector.map((x) => x / norm);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('invalid character in request body: not JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json; charset=utf-8'): void {
  if (res.headersSent) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
