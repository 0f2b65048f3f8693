import { describe, expect, it } from 'vitest';
import type { QuestionDto, QuestionState, SubmitQuestionsResultDto, SubmittedQuestionDto } from '../../contracts/questions/question.dto.js';
import { KeyRefusedError, LoadRun } from './load-run.js';
import type { LoadQuestion } from './question-file.js';
import { type ApiAnswer, type QuestionsApi, UnreachableError } from './questions-client.js';
import { FakeClock } from './testing/fake-clock.js';

const at = (ms: number) => new Date(Date.UTC(2025, 0, 1) + ms).toISOString();
const never = new AbortController().signal;
const questions = (...texts: string[]): LoadQuestion[] => texts.map((question) => ({ question }));

/** A question as GET /questions/:id shows it: final after `serverMs` on the node's clock. */
function questionDto(id: string, state: QuestionState, serverMs = 2000, attempts: QuestionDto['attempts'] = []): QuestionDto {
  return {
    id,
    question: id,
    state,
    attempts,
    timeline: [
      { state: 'pending', at: at(0) },
      { state, at: at(serverMs) },
    ],
    createdAt: at(0),
    updatedAt: at(serverMs),
  };
}

const submitted = (id: string, extra: Partial<SubmittedQuestionDto> = {}): SubmittedQuestionDto => ({
  id,
  state: 'pending',
  cached: false,
  duplicate: false,
  ...extra,
});

/**
 * A node: each question is accepted with the id `id-<question>`; `polls(id, n)` says what the
 * n-th poll of it shows (default: generating on the first poll, validated from the second).
 */
class FakeNode implements QuestionsApi {
  readonly batches: string[][] = [];
  readonly pollCounts = new Map<string, number>();
  mostInFlight = 0;
  private inFlight = new Set<string>();

  constructor(
    readonly options: {
      submit?: (batch: LoadQuestion[]) => ApiAnswer<SubmitQuestionsResultDto> | undefined;
      poll?: (id: string, n: number) => ApiAnswer<QuestionDto> | undefined;
    } = {},
  ) {}

  async submit(batch: LoadQuestion[]): Promise<ApiAnswer<SubmitQuestionsResultDto>> {
    this.batches.push(batch.map((q) => q.question));
    const scripted = this.options.submit?.(batch);
    if (scripted) return scripted;
    for (const q of batch) this.inFlight.add(`id-${q.question}`);
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight.size);
    return { status: 202, body: { questions: batch.map((q) => submitted(`id-${q.question}`)) } };
  }

  async get(id: string): Promise<ApiAnswer<QuestionDto>> {
    const n = (this.pollCounts.get(id) ?? 0) + 1;
    this.pollCounts.set(id, n);
    const answer = this.options.poll?.(id, n) ?? { status: 200, body: questionDto(id, n === 1 ? 'generating' : 'validated') };
    if (answer.status === 200 && ['validated', 'low_quality', 'failed'].includes((answer.body as QuestionDto).state)) this.inFlight.delete(id);
    return answer;
  }
}

describe('LoadRun', () => {
  it('sends every question, polls each until it is final, and reports the times on both clocks', async () => {
    const node = new FakeNode();
    const run = new LoadRun(node, 5, { pace: { kind: 'concurrency', limit: 2 }, batch: 1, pollMs: 100, clock: new FakeClock() });
    const report = await run.run(questions('a', 'b', 'c', 'd', 'e'), never);

    expect(node.batches.flat()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(node.mostInFlight).toBe(2);
    // Polled until final, then never again.
    expect([...node.pollCounts.values()]).toEqual([2, 2, 2, 2, 2]);
    expect(report.questions).toEqual({ planned: 5, submitted: 5, accepted: 5, cached: 0, duplicates: 0, rejected: 0, notSubmitted: 0, final: 5, unfinished: 0 });
    expect(report.states).toEqual({ validated: 5 });
    // The fake node answers at once (time to accepted 0); the node's own clock says 2 s to final.
    expect(report.timeToAcceptedMs).toEqual({ count: 5, p50: 0, p95: 0, p99: 0, max: 0 });
    expect(report.timeToFinalMs).toEqual({ count: 5, p50: 2000, p95: 2000, p99: 2000, max: 2000 });
    expect(report.polls).toEqual({ requests: 10, failed: 0, throttled: 0 });
    expect(report.stoppedBy).toBeNull();
  });

  it('counts answers from the cache as final at once, and refusals with their reasons', async () => {
    const node = new FakeNode({
      submit: (batch) => {
        const text = batch[0].question;
        if (text === 'cached') return { status: 200, body: { questions: [submitted('id-cached', { state: 'validated', cached: true, answer: 'x' })] } };
        if (text === 'busy') return { status: 429, body: { statusCode: 429, code: 'too_many_requests', message: 'slow down' }, retryAfterMs: 1000 };
        return undefined;
      },
    });
    const run = new LoadRun(node, 4, { pace: { kind: 'rate', perSecond: 100 }, batch: 1, pollMs: 50, clock: new FakeClock() });
    const report = await run.run(questions('cached', 'busy', 'fine', 'busy'), never);

    expect(report.questions).toMatchObject({ submitted: 4, accepted: 1, cached: 1, rejected: 2, final: 2, unfinished: 0 });
    expect(report.rejections).toEqual([{ reason: '429 too_many_requests: slow down', count: 2 }]);
    expect(report.states).toEqual({ validated: 2 });
    expect(node.pollCounts.has('id-cached')).toBe(false);
  });

  it('follows the questions a failing batch accepted before it failed, and rejects the rest', async () => {
    const node = new FakeNode({
      submit: () => ({
        status: 503,
        body: { statusCode: 503, code: 'module_unavailable', message: 'the question queue cannot be reached', details: { accepted: ['id-x'] } },
      }),
    });
    const run = new LoadRun(node, 3, { pace: { kind: 'concurrency', limit: 3 }, batch: 3, pollMs: 10, clock: new FakeClock() });
    const report = await run.run(questions('x', 'y', 'z'), never);
    expect(report.questions).toMatchObject({ submitted: 3, accepted: 1, rejected: 2, final: 1 });
    expect(report.rejections).toEqual([{ reason: '503 module_unavailable: the question queue cannot be reached', count: 2 }]);
  });

  it('collects the error mix, retries and regenerations from the attempts of each final question', async () => {
    const attempt = (generation: number, tryNumber: number, errorType?: 'overload' | 'quota') => ({
      generation,
      try: tryNumber,
      outcome: errorType ? ('error' as const) : ('answered' as const),
      ...(errorType ? { errorType } : {}),
      timings: {},
      startedAt: at(0),
      finishedAt: at(0),
    });
    const node = new FakeNode({
      poll: (id) => {
        if (id === 'id-retried') return { status: 200, body: questionDto(id, 'validated', 900, [attempt(1, 1, 'overload'), attempt(1, 2, 'overload'), attempt(1, 3)]) };
        if (id === 'id-regenerated') return { status: 200, body: questionDto(id, 'low_quality', 900, [1, 2, 3, 4].map((g) => attempt(g, 1))) };
        return { status: 200, body: questionDto(id, 'failed', 900, [attempt(1, 1, 'quota'), attempt(1, 2, 'quota')]) };
      },
    });
    const run = new LoadRun(node, 3, { pace: { kind: 'concurrency', limit: 8 }, batch: 1, pollMs: 10, clock: new FakeClock() });
    const report = await run.run(questions('retried', 'regenerated', 'failed'), never);
    expect(report.errors).toEqual({ byType: { overload: 2, quota: 2 }, questionsRetried: 2, failedByType: { quota: 1 } });
    expect(report.regenerations).toEqual({ questions: 1, total: 3, validated: 0, lowQuality: 1 });
    expect(report.states).toEqual({ validated: 1, low_quality: 1, failed: 1 });
  });

  it('pauses polling when the node throttles, and keeps polling after a failed poll', async () => {
    const clock = new FakeClock();
    const pollTimes: number[] = [];
    const node = new FakeNode({
      poll: (id, n) => {
        pollTimes.push(clock.now());
        if (n === 1) return { status: 429, body: { statusCode: 429, message: 'slow down' }, retryAfterMs: 5000 };
        if (n === 2) return { status: 502, body: { message: 'bad gateway' } };
        return { status: 200, body: questionDto(id, 'validated') };
      },
    });
    const run = new LoadRun(node, 1, { pace: { kind: 'concurrency', limit: 1 }, batch: 1, pollMs: 100, clock });
    const report = await run.run(questions('q'), never);
    expect(pollTimes).toEqual([100, 5100, 5200]);
    expect(report.polls).toEqual({ requests: 3, failed: 1, throttled: 1 });
    expect(report.states).toEqual({ validated: 1 });
  });

  it('stops when the signal aborts, reporting questions not final with their last state and those not sent', async () => {
    const controller = new AbortController();
    const node = new FakeNode({
      poll: (id, n) => {
        if (n === 3) controller.abort('timeout');
        return { status: 200, body: questionDto(id, 'retrying') };
      },
    });
    const run = new LoadRun(node, 5, { pace: { kind: 'concurrency', limit: 1 }, batch: 1, pollMs: 100, clock: new FakeClock() });
    const report = await run.run(questions('a', 'b', 'c', 'd', 'e'), controller.signal);
    expect(report.stoppedBy).toBe('timeout');
    expect(report.questions).toMatchObject({ planned: 5, submitted: 1, notSubmitted: 4, final: 0, unfinished: 1 });
    expect(report.states).toEqual({ retrying: 1 });
  });

  it('ends with an error when the node refuses the key', async () => {
    const node = new FakeNode({ submit: () => ({ status: 401, body: { statusCode: 401, code: 'unauthorized', message: 'unknown API key' } }) });
    const run = new LoadRun(node, 3, { pace: { kind: 'concurrency', limit: 1 }, batch: 1, pollMs: 100, clock: new FakeClock() });
    await expect(run.run(questions('a', 'b', 'c'), never)).rejects.toThrow(KeyRefusedError);
    expect(node.batches).toHaveLength(1);
  });

  it('gives up when the node has answered nothing for a while, and says why', async () => {
    const clock = new FakeClock();
    const node = new FakeNode({
      poll: () => {
        clock.time += 1000;
        throw new UnreachableError('cannot reach http://127.0.0.1:1: ECONNREFUSED');
      },
    });
    const run = new LoadRun(node, 1, { pace: { kind: 'concurrency', limit: 1 }, batch: 1, pollMs: 100, clock, unreachableAfterMs: 5000 });
    const report = await run.run(questions('a'), never);
    expect(report.stoppedBy).toBe('unreachable for 5 s (cannot reach http://127.0.0.1:1: ECONNREFUSED)');
    expect(report.questions.unfinished).toBe(1);
    expect(report.polls.failed).toBe(5);
  });
});
