import { type ErrorType, FINAL_STATES, type QuestionDto, type QuestionState } from '../../contracts/questions/question.dto.js';

/** Count, P50/P95/P99 and maximum of a set of durations, in ms. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** What `tars load` reports (also its --json output). */
export interface LoadReport {
  questions: {
    /** Questions the run meant to send: the file (--limit) times --repeat. */
    planned: number;
    submitted: number;
    /** Stored and queued (202). */
    accepted: number;
    /** Answered at once from the cache of validated answers (200). */
    cached: number;
    /** An earlier question with the same idempotency key. */
    duplicates: number;
    /** Refused by the node (4xx/5xx) or never delivered. */
    rejected: number;
    /** Not sent: the run was stopped first. */
    notSubmitted: number;
    final: number;
    /** Accepted but not final when the run ended. */
    unfinished: number;
  };
  rejections: { reason: string; count: number }[];
  /** Questions per state: the final ones, and the last seen state of unfinished ones. */
  states: Record<string, number>;
  /** From the first submission to the last question that became final (ms). */
  durationMs: number | null;
  throughput: { perSecond: number; perMinute: number } | null;
  /** Round trip of the POST that carried the question. */
  timeToAcceptedMs: LatencySummary | null;
  /** Time to accepted, plus the node's own time from storing the question to its final state. */
  timeToFinalMs: LatencySummary | null;
  errors: {
    /** Failed attempts by error type, over every attempt of every final question. */
    byType: Partial<Record<ErrorType, number>>;
    /** Questions with at least one retried attempt. */
    questionsRetried: number;
    /** Questions that ended failed, by the error type of their last attempt. */
    failedByType: Record<string, number>;
  };
  regenerations: {
    /** Questions regenerated at least once for a low score. */
    questions: number;
    /** Regenerations in all. */
    total: number;
    validated: number;
    lowQuality: number;
  };
  polls: { requests: number; failed: number; throttled: number };
  /** Why the run ended early: `timeout` or `interrupted`; null when it ran to the end. */
  stoppedBy: string | null;
}

/** What the report keeps of a final question (its answer and attempts are dropped at once). */
export interface FinalQuestion {
  state: QuestionState;
  /** The node's time from storing the question to its final state (ms). */
  serverMs: number;
  errorTypes: Partial<Record<ErrorType, number>>;
  retried: boolean;
  generations: number;
  failureType?: string;
}

/** Nearest-rank percentile of values sorted in ascending order. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('no values');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export function summarize(values: readonly number[]): LatencySummary | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  return {
    count: list.length,
    p50: round(percentile(list, 50)),
    p95: round(percentile(list, 95)),
    p99: round(percentile(list, 99)),
    max: round(list[list.length - 1]),
  };
}

/** The numbers the report needs of a final question, from GET /questions/:id. */
export function summarizeQuestion(question: QuestionDto): FinalQuestion {
  const finalEntry = [...question.timeline].reverse().find((entry) => FINAL_STATES.has(entry.state));
  const finishedAt = Date.parse(finalEntry?.at ?? question.updatedAt);
  const errorTypes: Partial<Record<ErrorType, number>> = {};
  let generations = 0;
  for (const attempt of question.attempts) {
    generations = Math.max(generations, attempt.generation);
    if (attempt.outcome === 'error' && attempt.errorType) errorTypes[attempt.errorType] = (errorTypes[attempt.errorType] ?? 0) + 1;
  }
  const summary: FinalQuestion = {
    state: question.state,
    serverMs: Math.max(0, finishedAt - Date.parse(question.createdAt)),
    errorTypes,
    retried: question.attempts.some((attempt) => attempt.try > 1),
    generations,
  };
  if (question.state === 'failed') {
    summary.failureType = question.attempts.at(-1)?.errorType ?? question.failure?.match(/^(\w+):/)?.[1] ?? 'unknown';
  }
  return summary;
}

const increment = (counts: Record<string, number>, key: string, by = 1) => (counts[key] = (counts[key] ?? 0) + by);

/** Collects what happens to the questions of a run, in small numbers; `report` turns them into a LoadReport. */
export class LoadRecorder {
  private submitted = 0;
  private accepted = 0;
  private cached = 0;
  private duplicates = 0;
  private rejected = 0;
  private final = 0;
  private firstSubmitAt?: number;
  private lastFinalAt?: number;
  private readonly rejections = new Map<string, number>();
  private readonly states: Record<string, number> = {};
  private readonly timeToAccepted: number[] = [];
  private readonly timeToFinal: number[] = [];
  private readonly errorTypes: Partial<Record<ErrorType, number>> = {};
  private readonly failedByType: Record<string, number> = {};
  private retried = 0;
  private readonly regenerations = { questions: 0, total: 0, validated: 0, lowQuality: 0 };
  readonly polls = { requests: 0, failed: 0, throttled: 0 };

  constructor(private readonly planned: number) {}

  /** `count` questions leave in one request at `at` (ms, the run's clock). */
  recordSubmitted(count: number, at: number): void {
    this.submitted += count;
    this.firstSubmitAt ??= at;
  }

  recordAccepted(timeToAcceptedMs: number, duplicate: boolean): void {
    if (duplicate) this.duplicates += 1;
    else this.accepted += 1;
    this.timeToAccepted.push(timeToAcceptedMs);
  }

  /** Answered from the cache: final as soon as accepted. */
  recordCached(state: QuestionState, timeToAcceptedMs: number, at: number): void {
    this.cached += 1;
    this.timeToAccepted.push(timeToAcceptedMs);
    this.recordFinalState(state, timeToAcceptedMs, at);
  }

  recordRejected(reason: string, count: number): void {
    this.rejected += count;
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + count);
  }

  /** A question found final; `submittedAt` and `timeToAcceptedMs` come from its POST. */
  recordFinal(question: FinalQuestion, submittedAt: number, timeToAcceptedMs: number): void {
    const timeToFinal = timeToAcceptedMs + question.serverMs;
    this.recordFinalState(question.state, timeToFinal, submittedAt + timeToFinal);
    for (const [type, count] of Object.entries(question.errorTypes) as [ErrorType, number][]) {
      this.errorTypes[type] = (this.errorTypes[type] ?? 0) + count;
    }
    if (question.retried) this.retried += 1;
    if (question.failureType) increment(this.failedByType, question.failureType);
    if (question.generations > 1) {
      this.regenerations.questions += 1;
      this.regenerations.total += question.generations - 1;
      if (question.state === 'validated') this.regenerations.validated += 1;
      if (question.state === 'low_quality') this.regenerations.lowQuality += 1;
    }
  }

  private recordFinalState(state: QuestionState, timeToFinalMs: number, at: number): void {
    this.final += 1;
    increment(this.states, state);
    this.timeToFinal.push(timeToFinalMs);
    this.lastFinalAt = Math.max(this.lastFinalAt ?? at, at);
  }

  /** Counts so far, for a progress line. */
  progress(): { submitted: number; final: number; rejected: number } {
    return { submitted: this.submitted, final: this.final, rejected: this.rejected };
  }

  /** The report, given the last seen state of each question still unfinished. */
  report(unfinished: readonly QuestionState[] | readonly string[], stoppedBy: string | null): LoadReport {
    const states = { ...this.states };
    for (const state of unfinished) increment(states, state);
    const durationMs = this.firstSubmitAt !== undefined && this.lastFinalAt !== undefined ? this.lastFinalAt - this.firstSubmitAt : null;
    const perSecond = durationMs && durationMs > 0 ? (this.final * 1000) / durationMs : null;
    return {
      questions: {
        planned: this.planned,
        submitted: this.submitted,
        accepted: this.accepted,
        cached: this.cached,
        duplicates: this.duplicates,
        rejected: this.rejected,
        notSubmitted: this.planned - this.submitted,
        final: this.final,
        unfinished: unfinished.length,
      },
      rejections: [...this.rejections].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
      states,
      durationMs: durationMs === null ? null : round(durationMs),
      throughput: perSecond === null ? null : { perSecond: Math.round(perSecond * 1000) / 1000, perMinute: Math.round(perSecond * 60 * 10) / 10 },
      timeToAcceptedMs: summarize(this.timeToAccepted),
      timeToFinalMs: summarize(this.timeToFinal),
      errors: { byType: { ...this.errorTypes }, questionsRetried: this.retried, failedByType: { ...this.failedByType } },
      regenerations: { ...this.regenerations },
      polls: { ...this.polls },
      stoppedBy,
    };
  }
}
