import { describe, expect, it } from 'vitest';
import type { AttemptDto, QuestionDto } from '../../contracts/questions/question.dto.js';
import { type FinalQuestion, LoadRecorder, percentile, summarize, summarizeQuestion } from './load-report.js';

const at = (ms: number) => new Date(Date.UTC(2025, 0, 1) + ms).toISOString();

function attempt(generation: number, tryNumber: number, errorType?: AttemptDto['errorType']): AttemptDto {
  return {
    generation,
    try: tryNumber,
    outcome: errorType ? 'error' : 'answered',
    ...(errorType ? { errorType, error: `${errorType} error` } : {}),
    timings: {},
    startedAt: at(0),
    finishedAt: at(0),
  };
}

function question(overrides: Partial<QuestionDto>): QuestionDto {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    question: 'Why?',
    state: 'validated',
    attempts: [attempt(1, 1)],
    timeline: [
      { state: 'pending', at: at(0) },
      { state: 'validated', at: at(1500) },
    ],
    createdAt: at(0),
    updatedAt: at(1600),
    ...overrides,
  };
}

const finalQuestion = (overrides: Partial<FinalQuestion> = {}): FinalQuestion => ({
  state: 'validated',
  serverMs: 1000,
  errorTypes: {},
  retried: false,
  generations: 1,
  ...overrides,
});

describe('percentile', () => {
  it('is the nearest rank: the smallest value with at least p% of the values at or below it', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(hundred, 50), percentile(hundred, 95), percentile(hundred, 99), percentile(hundred, 100)]).toEqual([50, 95, 99, 100]);
    expect([percentile([7], 50), percentile([7], 99)]).toEqual([7, 7]);
    expect([percentile([1, 2, 3, 4], 50), percentile([1, 2, 3, 4], 95)]).toEqual([2, 4]);
    expect(percentile([10, 20], 0)).toBe(10);
  });

  it('summarises unsorted durations, and nothing as null', () => {
    expect(summarize([300, 100, 200.04, 1000])).toEqual({ count: 4, p50: 200, p95: 1000, p99: 1000, max: 1000 });
    expect(summarize([])).toBeNull();
  });
});

describe('summarizeQuestion', () => {
  it('measures the node time from creation to the final state of the timeline, not the last update', () => {
    expect(summarizeQuestion(question({}))).toEqual({ state: 'validated', serverMs: 1500, errorTypes: {}, retried: false, generations: 1 });
  });

  it('counts failed attempts by type, retries, generations, and why a question failed', () => {
    const summary = summarizeQuestion(
      question({
        state: 'failed',
        failure: 'permanent: invalid options',
        attempts: [attempt(1, 1), attempt(2, 1, 'overload'), attempt(2, 2, 'overload'), attempt(2, 3, 'permanent')],
        timeline: [
          { state: 'pending', at: at(0) },
          { state: 'failed', at: at(4000) },
        ],
      }),
    );
    expect(summary).toEqual({
      state: 'failed',
      serverMs: 4000,
      errorTypes: { overload: 2, permanent: 1 },
      retried: true,
      generations: 2,
      failureType: 'permanent',
    });
  });
});

describe('LoadRecorder', () => {
  it('adds up submissions, acceptances, cache answers, rejections and final states', () => {
    const recorder = new LoadRecorder(10);
    recorder.recordSubmitted(4, 1000);
    recorder.recordSubmitted(4, 1100);
    for (const tta of [10, 20, 30]) recorder.recordAccepted(tta, false);
    recorder.recordAccepted(40, true);
    recorder.recordCached('validated', 5, 1105);
    recorder.recordRejected('429 too_many_requests: slow down', 1);
    recorder.recordRejected('503 module_unavailable: queue down', 1);
    recorder.recordRejected('429 too_many_requests: slow down', 1);
    recorder.recordFinal(finalQuestion({ serverMs: 1990 }), 1000, 10);
    recorder.recordFinal(finalQuestion({ state: 'low_quality', serverMs: 3980, generations: 4 }), 1000, 20);
    recorder.recordFinal(finalQuestion({ state: 'failed', serverMs: 500, errorTypes: { overload: 4 }, retried: true, failureType: 'overload' }), 1100, 30);

    const report = recorder.report(['generating'], null);
    expect(report.questions).toEqual({
      planned: 10,
      submitted: 8,
      accepted: 3,
      cached: 1,
      duplicates: 1,
      rejected: 3,
      notSubmitted: 2,
      final: 4,
      unfinished: 1,
    });
    const q = report.questions;
    expect(q.accepted + q.cached + q.duplicates + q.rejected).toBe(q.submitted);
    expect(q.final + q.unfinished).toBe(q.accepted + q.cached + q.duplicates);
    expect(report.states).toEqual({ validated: 2, low_quality: 1, failed: 1, generating: 1 });
    expect(report.rejections).toEqual([
      { reason: '429 too_many_requests: slow down', count: 2 },
      { reason: '503 module_unavailable: queue down', count: 1 },
    ]);
    expect(report.timeToAcceptedMs).toEqual({ count: 5, p50: 20, p95: 40, p99: 40, max: 40 });
    // Time to final = time to accepted + the node's own time: 2000, 4000, 530, and 5 for the cached one.
    expect(report.timeToFinalMs).toEqual({ count: 4, p50: 530, p95: 4000, p99: 4000, max: 4000 });
    // From the first submission (1000) to the last final (1000 + 4000).
    expect(report.durationMs).toBe(4000);
    expect(report.throughput).toEqual({ perSecond: 1, perMinute: 60 });
    expect(report.errors).toEqual({ byType: { overload: 4 }, questionsRetried: 1, failedByType: { overload: 1 } });
    expect(report.regenerations).toEqual({ questions: 1, total: 3, validated: 0, lowQuality: 1 });
    expect(report.stoppedBy).toBeNull();
  });

  it('has no throughput or latencies before anything became final', () => {
    const report = new LoadRecorder(3).report([], 'timeout');
    expect(report).toMatchObject({ durationMs: null, throughput: null, timeToAcceptedMs: null, timeToFinalMs: null, stoppedBy: 'timeout' });
    expect(report.questions.notSubmitted).toBe(3);
  });
});
