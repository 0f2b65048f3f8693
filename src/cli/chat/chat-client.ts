import type { ChatAnswerDto, ChatStartDto } from '../../contracts/orchestrator/chat.dto.js';
import type { ProjectListDto } from '../../contracts/memory/project.dto.js';
import type { MemorySearchResultDto } from '../../contracts/memory/search.dto.js';
import type { NodeInfoDto } from '../../platform/health/node-info.dto.js';
import type { ReadinessDto } from '../../platform/health/readiness.dto.js';
import { readSse } from './sse-reader.js';

/** What `tars chat` sends with a question (a subset of AskCommand). */
export interface Question {
  question: string;
  conversationId?: string;
}

/** What an answer stream yields; a failure ends it as a thrown ChatApiError instead. */
export type StreamItem =
  | ({ type: 'start' } & ChatStartDto)
  | { type: 'token'; text: string }
  | { type: 'done'; answer: ChatAnswerDto };

/** The node refused or failed a request: its status, error code and message. */
export class ChatApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ChatApiError';
  }
}

/** Readiness with the HTTP status it came with (503 when a check is down). */
export interface Readiness {
  status: number;
  body: ReadinessDto;
}

/** Time limit of the short requests (memory, projects, health); answers have none of their own here. */
const SHORT_REQUEST_MS = 30_000;

/** The REST calls of `tars chat`, against one node with one key. */
export class ChatClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  /** POST /chat/query: the whole answer at once. */
  ask(question: Question, signal?: AbortSignal): Promise<ChatAnswerDto> {
    return this.json('POST', '/chat/query', { body: question, signal });
  }

  /** POST /chat/stream: `start`, tokens as they come, then `done`. Aborting the signal cancels the answer. */
  async *stream(question: Question, signal?: AbortSignal): AsyncGenerator<StreamItem> {
    const response = await this.send('POST', '/chat/stream', { body: question, signal, accept: 'text/event-stream' });
    if (!response.ok) throw await errorOf(response);
    if (!response.body || !/^text\/event-stream/.test(response.headers.get('content-type') ?? '')) {
      throw new ChatApiError(`POST /chat/stream did not answer with an event stream (${response.headers.get('content-type')})`);
    }
    for await (const event of readSse(response.body)) {
      if (event.event === 'token') yield { type: 'token', text: (parse(event.data) as { text: string }).text };
      else if (event.event === 'start') yield { type: 'start', ...(parse(event.data) as ChatStartDto) };
      else if (event.event === 'done') {
        yield { type: 'done', answer: parse(event.data) as ChatAnswerDto };
        return;
      } else if (event.event === 'error') {
        const error = parse(event.data) as { statusCode?: number; code?: string; message?: string };
        throw new ChatApiError(error.message ?? 'the answer failed', error.statusCode, error.code);
      }
    }
    throw new ChatApiError('the answer stream ended before the answer was complete');
  }

  /** GET /memory/search. */
  searchMemory(query: string, k = 5, signal?: AbortSignal): Promise<MemorySearchResultDto> {
    return this.json('GET', `/memory/search?${new URLSearchParams({ q: query, k: String(k) })}`, { signal });
  }

  /** GET /projects. */
  listProjects(signal?: AbortSignal): Promise<ProjectListDto> {
    return this.json('GET', '/projects', { signal });
  }

  /** GET /health: which node answers. */
  nodeInfo(signal?: AbortSignal): Promise<NodeInfoDto> {
    return this.json('GET', '/health', { signal });
  }

  /** GET /health/ready: every check, also when one is down. */
  async readiness(signal?: AbortSignal): Promise<Readiness> {
    const response = await this.send('GET', '/health/ready', { signal: withTimeout(signal, SHORT_REQUEST_MS) });
    if (response.status !== 200 && response.status !== 503) throw await errorOf(response);
    return { status: response.status, body: (await response.json()) as ReadinessDto };
  }

  private async json<T>(method: string, path: string, options: { body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    // Answers may take minutes (the node enforces the model's own time limits); other calls should not.
    const signal = path.startsWith('/chat/') ? options.signal : withTimeout(options.signal, SHORT_REQUEST_MS);
    const response = await this.send(method, path, { body: options.body, signal });
    if (!response.ok) throw await errorOf(response);
    return (await response.json()) as T;
  }

  private async send(
    method: string,
    path: string,
    options: { body?: unknown; signal?: AbortSignal; accept?: string },
  ): Promise<Response> {
    try {
      return await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          accept: options.accept ?? 'application/json',
          ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
        signal: options.signal,
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ChatApiError(`cannot reach ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
  }
}

function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  return signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new ChatApiError(`the answer stream sent data that is not JSON: ${data.slice(0, 100)}`);
  }
}

async function errorOf(response: Response): Promise<ChatApiError> {
  const text = await response.text().catch(() => '');
  let body: { message?: unknown; code?: string } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const raw = body?.message;
  const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : text.slice(0, 200) || response.statusText;
  return new ChatApiError(message, response.status, body?.code);
}
