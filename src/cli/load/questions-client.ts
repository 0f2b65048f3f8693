import type {
  ImportAnswersResultDto,
  QuestionDto,
  QuestionStatsDto,
  SubmitQuestionsResultDto,
} from '../../contracts/questions/question.dto.js';
import type { ImportedAnswer } from './answer-file.js';
import type { LoadQuestion } from './question-file.js';

/** The error body of every TARS route. */
export interface ApiErrorBody {
  statusCode?: number;
  message?: string | string[];
  code?: string;
  details?: Record<string, unknown>;
}

/** An HTTP answer: its status, parsed body, and the wait a 429 asks for. */
export interface ApiAnswer<T> {
  status: number;
  body: T | ApiErrorBody;
  retryAfterMs?: number;
}

/** The request never got an HTTP answer (connection refused, time limit…). */
export class UnreachableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnreachableError';
  }
}

/** The question routes `tars load` and `tars import` drive; tests give a fake. */
export interface QuestionsApi {
  submit(questions: LoadQuestion[]): Promise<ApiAnswer<SubmitQuestionsResultDto>>;
  get(id: string): Promise<ApiAnswer<QuestionDto>>;
}

/** "429 too_many_requests: slow down": what a refusal says, short enough for a table. */
export function describeRefusal(answer: ApiAnswer<unknown>): string {
  const body = answer.body as ApiErrorBody | undefined;
  const raw = body?.message;
  const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : 'no message';
  return `${answer.status}${body?.code ? ` ${body.code}` : ''}: ${message}`;
}

/** Requests that should answer quickly; an import batch of 1000 answers gets longer. */
const REQUEST_MS = 30_000;
const IMPORT_MS = 120_000;

/** The question routes of one node, with one key. Refusals are answers, not exceptions; only unreachability throws. */
export class QuestionsClient implements QuestionsApi {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {}

  submit(questions: LoadQuestion[]): Promise<ApiAnswer<SubmitQuestionsResultDto>> {
    return this.send('POST', '/questions', { questions });
  }

  get(id: string): Promise<ApiAnswer<QuestionDto>> {
    return this.send('GET', `/questions/${encodeURIComponent(id)}`);
  }

  stats(): Promise<ApiAnswer<QuestionStatsDto>> {
    return this.send('GET', '/questions/stats');
  }

  importAnswers(answers: ImportedAnswer[]): Promise<ApiAnswer<ImportAnswersResultDto>> {
    return this.send('POST', '/questions/import', { answers }, IMPORT_MS);
  }

  /** True when a TARS node answers /health/live. */
  async isUp(): Promise<boolean> {
    try {
      const response = await fetch(new URL('/health/live', this.baseUrl), { signal: AbortSignal.timeout(3000) });
      return response.ok;
    } catch {
      return false;
    }
  }

  private async send<T>(method: string, path: string, body?: unknown, timeoutMs = REQUEST_MS): Promise<ApiAnswer<T>> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          accept: 'application/json',
          ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new UnreachableError(`${method} ${path}: no answer within ${timeoutMs / 1000} s`, { cause: err });
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new UnreachableError(`cannot reach ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    return {
      status: response.status,
      body: parsed as T | ApiErrorBody,
      ...(response.status === 429 ? { retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000 } : {}),
    };
  }
}
