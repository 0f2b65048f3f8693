import { FINAL_STATES, type QuestionDto, type QuestionState, type SubmitQuestionsResultDto } from '../../contracts/questions/question.dto.js';
import { type Clock, Notifier, systemClock } from './clock.js';
import { LoadRecorder, type LoadReport, summarizeQuestion } from './load-report.js';
import type { LoadQuestion } from './question-file.js';
import { type ApiAnswer, type ApiErrorBody, describeRefusal, type QuestionsApi } from './questions-client.js';
import { type Pace, SubmitScheduler } from './scheduler.js';

export interface LoadRunOptions {
  pace: Pace;
  /** Questions per POST /questions. */
  batch: number;
  /** A question not final is polled again this long after its last poll. */
  pollMs: number;
  /** GET requests open at once. */
  pollConcurrency?: number;
  /** The run stops when the node has answered nothing (submit or poll) for this long. */
  unreachableAfterMs?: number;
  clock?: Clock;
}

/** A question accepted and not yet seen final. */
interface Pending {
  id: string;
  submittedAt: number;
  timeToAcceptedMs: number;
  state: QuestionState | 'missing';
  dueAt: number;
}

/** First in, first out; questions are polled in the order they became due. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    const item = this.items[this.head];
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  values(): T[] {
    return this.items.slice(this.head);
  }
}

const DEFAULT_POLL_CONCURRENCY = 4;
const DEFAULT_UNREACHABLE_AFTER_MS = 60_000;

/** The key was refused: nothing more can be sent, so the run ends with this error instead of a report. */
export class KeyRefusedError extends Error {}

/**
 * One run of `tars load`: sends the questions at the chosen pace, polls the accepted ones (only
 * those not final, oldest due first, a few requests at a time) until each is final, and keeps
 * only the numbers of each final question, so that memory stays small for large files.
 */
export class LoadRun {
  private readonly recorder: LoadRecorder;
  private readonly scheduler: SubmitScheduler<LoadQuestion>;
  private readonly clock: Clock;
  private readonly queue = new Fifo<Pending>();
  private readonly polls = new Set<Promise<void>>();
  private readonly changed = new Notifier();
  private readonly internal = new AbortController();
  private readonly missing: string[] = [];
  private submitting = true;
  private pausedUntil = 0;
  private lastAnswerAt: number;
  private fatal?: Error;

  constructor(
    private readonly api: QuestionsApi,
    planned: number,
    private readonly options: LoadRunOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.recorder = new LoadRecorder(planned);
    this.scheduler = new SubmitScheduler(options.pace, options.batch, this.clock);
    this.lastAnswerAt = this.clock.now();
  }

  /** Counts so far, for a progress line. */
  progress(): { submitted: number; final: number; rejected: number; inFlight: number } {
    return { ...this.recorder.progress(), inFlight: this.queue.size + this.polls.size };
  }

  /** Runs to the end, or until `signal` aborts (its reason, a string, becomes the report's stoppedBy). */
  async run(questions: Iterable<LoadQuestion>, signal: AbortSignal): Promise<LoadReport> {
    const stop = AbortSignal.any([signal, this.internal.signal]);
    const sending = this.scheduler.run(questions, (batch) => this.submit(batch), stop).finally(() => {
      this.submitting = false;
      this.changed.notify();
    });
    await Promise.all([sending, this.pollLoop(stop)]);
    await Promise.all(this.polls);
    if (this.fatal) throw this.fatal;
    const stoppedBy = signal.aborted ? reasonOf(signal) : this.internal.signal.aborted ? reasonOf(this.internal.signal) : null;
    const unfinished = [...this.queue.values().map((p) => p.state), ...this.missing];
    return this.recorder.report(unfinished, stoppedBy);
  }

  private async submit(batch: LoadQuestion[]): Promise<void> {
    const submittedAt = this.clock.now();
    this.recorder.recordSubmitted(batch.length, submittedAt);
    let answer: ApiAnswer<SubmitQuestionsResultDto>;
    try {
      answer = await this.api.submit(batch);
    } catch (err) {
      this.reject((err as Error).message, batch.length);
      this.checkReachable((err as Error).message);
      return;
    }
    const now = this.clock.now();
    this.lastAnswerAt = now;
    if (answer.status === 200 || answer.status === 202) {
      this.accept((answer.body as SubmitQuestionsResultDto).questions, submittedAt, now);
      return;
    }
    if (answer.status === 401 || answer.status === 403) return this.refuseKey(answer, batch.length);
    // A batch that failed half-way names the questions it accepted before failing.
    const acceptedIds = (answer.body as ApiErrorBody)?.details?.accepted;
    const accepted = Array.isArray(acceptedIds) ? acceptedIds.filter((id): id is string => typeof id === 'string') : [];
    this.accept(accepted.map((id) => ({ id, state: 'pending', cached: false, duplicate: false })), submittedAt, now);
    this.reject(describeRefusal(answer), batch.length - accepted.length);
  }

  private accept(questions: SubmitQuestionsResultDto['questions'], submittedAt: number, now: number): void {
    const timeToAcceptedMs = now - submittedAt;
    for (const q of questions) {
      if (q.cached) {
        this.recorder.recordCached(q.state, timeToAcceptedMs, now);
        this.scheduler.release(1);
        continue;
      }
      this.recorder.recordAccepted(timeToAcceptedMs, q.duplicate);
      this.queue.push({ id: q.id, submittedAt, timeToAcceptedMs, state: q.state, dueAt: now + this.options.pollMs });
    }
    this.changed.notify();
  }

  private reject(reason: string, count: number): void {
    if (count <= 0) return;
    this.recorder.recordRejected(reason, count);
    this.scheduler.release(count);
  }

  private refuseKey(answer: ApiAnswer<unknown>, count: number): void {
    this.reject(describeRefusal(answer), count);
    this.fatal ??= new KeyRefusedError(
      `the node refused the key (${describeRefusal(answer)}); ` +
        (answer.status === 401 ? 'give a key with --api-key or TARS_API_KEY' : 'submitting needs a key with the write scope'),
    );
    this.internal.abort('key refused');
  }

  /** Gives up when nothing has answered for a while: a node that went away should not keep the run until --timeout. */
  private checkReachable(lastError: string): void {
    const limit = this.options.unreachableAfterMs ?? DEFAULT_UNREACHABLE_AFTER_MS;
    if (this.clock.now() - this.lastAnswerAt >= limit) this.internal.abort(`unreachable for ${Math.round(limit / 1000)} s (${lastError})`);
  }

  private async pollLoop(stop: AbortSignal): Promise<void> {
    const concurrency = this.options.pollConcurrency ?? DEFAULT_POLL_CONCURRENCY;
    while (!stop.aborted) {
      const head = this.queue.peek();
      if (!head) {
        if (!this.submitting && this.polls.size === 0) return;
        await this.changed.wait(stop);
        continue;
      }
      if (this.polls.size >= concurrency) {
        await this.changed.wait(stop);
        continue;
      }
      const wait = Math.max(head.dueAt, this.pausedUntil) - this.clock.now();
      if (wait > 0) {
        await this.clock.sleep(wait, stop);
        continue;
      }
      this.queue.shift();
      const poll: Promise<void> = this.poll(head).finally(() => {
        this.polls.delete(poll);
        this.changed.notify();
      });
      this.polls.add(poll);
    }
  }

  private async poll(pending: Pending): Promise<void> {
    const counts = this.recorder.polls;
    counts.requests += 1;
    let answer: ApiAnswer<QuestionDto>;
    try {
      answer = await this.api.get(pending.id);
    } catch (err) {
      counts.failed += 1;
      this.checkReachable((err as Error).message);
      return this.pollAgain(pending);
    }
    this.lastAnswerAt = this.clock.now();
    if (answer.status === 200) {
      const question = answer.body as QuestionDto;
      if (!FINAL_STATES.has(question.state)) {
        pending.state = question.state;
        return this.pollAgain(pending);
      }
      this.recorder.recordFinal(summarizeQuestion(question), pending.submittedAt, pending.timeToAcceptedMs);
      this.scheduler.release(1);
      return;
    }
    if (answer.status === 429) {
      counts.throttled += 1;
      this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + (answer.retryAfterMs ?? 1000));
      return this.pollAgain(pending);
    }
    if (answer.status === 404) {
      // Removed on the node (a submission rolled back): it will never be final.
      this.missing.push('missing');
      this.scheduler.release(1);
      return;
    }
    counts.failed += 1;
    if (answer.status === 401 || answer.status === 403) {
      this.queue.push(pending);
      this.fatal ??= new KeyRefusedError(`the node refused to show a question (${describeRefusal(answer)}); polling needs a key with the read scope`);
      this.internal.abort('key refused');
      return;
    }
    this.pollAgain(pending);
  }

  private pollAgain(pending: Pending): void {
    pending.dueAt = this.clock.now() + this.options.pollMs;
    this.queue.push(pending);
  }
}

function reasonOf(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'aborted';
}
