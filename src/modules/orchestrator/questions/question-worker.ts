import { Inject, Injectable, Logger } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import { PROCESSING_CONTRACT, type ProcessingContract } from '../../../contracts/processing/processing.contract.js';
import { FINAL_STATES } from '../../../contracts/questions/question.dto.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import type { JobContext, JobOutcome } from '../../../platform/queue/work-queue.js';
import { AnswerPipeline } from '../answer-pipeline.js';
import { QUESTION_QUEUE, type QuestionJob, type QuestionQueue } from './question-queue.js';
import { type AnsweredAttempt, type AttemptKey, QuestionStore, type ScoreDecision } from './question.store.js';
import { classifyFailure, nextRetry } from './retry-policy.js';

/** When scoring cannot run (the processing module is away), the answer waits this long and is scored then. */
const SCORING_RETRY_MS = 5000;

/**
 * Works on one delivery of a question: generate (unless this try's answer is already stored),
 * score, then validate, regenerate or keep the best answer; an LLM failure is retried per its type
 * or ends the question as failed. Every step is stored before the message is acknowledged, so a
 * worker killed at any point leaves work that the next delivery finishes, once.
 */
@Injectable()
export class QuestionWorker {
  private readonly logger = new Logger('questions');

  constructor(
    private readonly config: TarsConfig,
    private readonly store: QuestionStore,
    private readonly pipeline: AnswerPipeline,
    @Inject(PROCESSING_CONTRACT.token) private readonly processing: ProcessingContract,
    @Inject(QUESTION_QUEUE) private readonly queue: QuestionQueue,
    private readonly metrics: MetricsService,
  ) {}

  async handle(job: QuestionJob, context: JobContext): Promise<JobOutcome> {
    const question = await this.store.load(job.questionId);
    if (!question) {
      this.logger.warn(`question ${job.questionId} does not exist (deleted?); its job is dropped`);
      return { kind: 'done' };
    }
    if (FINAL_STATES.has(question.state)) return { kind: 'done' };
    if (job.generation < question.generation) {
      // The message of an older generation, delivered again after its worker stored the regeneration
      // but died before queueing it: make sure the current generation is queued (de-duplicated).
      await this.queue.enqueue({ questionId: question.id, generation: question.generation });
      return { kind: 'done' };
    }
    if (job.generation > question.generation) return { kind: 'done' };

    const key: AttemptKey = { questionId: question.id, generation: question.generation, try: question.try };
    const queueMs = Math.max(0, Date.now() - question.updatedAt.getTime());
    const attemptStart = performance.now();
    let answered = await this.store.answeredAttempt(key);
    if (!answered) {
      const outcome = await this.generate(key, question.text, context);
      if ('kind' in outcome) return outcome;
      answered = outcome;
    }

    const scoreStart = performance.now();
    let score;
    try {
      score = await this.processing.scoreAnswer({
        answer: answered.answer,
        question: question.text,
        ...(question.reference ? { reference: question.reference } : {}),
        ...(answered.context.length > 0 ? { context: answered.context.slice(0, 20) } : {}),
      });
    } catch (err) {
      this.logger.warn(`scoring question ${question.id} failed (${(err as Error).message}); it is scored again later`);
      return { kind: 'retry', delayMs: SCORING_RETRY_MS };
    }
    const scoreMs = performance.now() - scoreStart;
    const generateMs = answered.timings.total ?? 0;
    const latencies = {
      queue: queueMs,
      retrieve: answered.timings.retrieve ?? 0,
      generate: answered.timings.generate ?? 0,
      score: scoreMs,
      overhead: Math.max(0, performance.now() - attemptStart - (answered.timings.generate ?? generateMs)),
    };
    const decision = this.decide(score.score, key.generation);
    await this.store.recordScore(key, { value: score.score, method: score.method }, latencies, decision);
    this.metrics.observeQuestionStages(latencies);
    this.metrics.observeQuestionState(decision.kind === 'regenerate' ? 'regenerated' : decision.kind);
    if (decision.kind === 'regenerate') await this.queue.enqueue({ questionId: key.questionId, generation: key.generation + 1 });
    return { kind: 'done' };
  }

  /** Generates this try's answer and stores it; on failure, stores the error and says when to retry. */
  private async generate(key: AttemptKey, text: string, context: JobContext): Promise<AnsweredAttempt | JobOutcome> {
    await this.store.setState(key.questionId, 'generating', `generation ${key.generation}, try ${key.try}`);
    const startedAt = new Date();
    const started = performance.now();
    try {
      const answer = await this.pipeline.answerOnce(text);
      const answered: AnsweredAttempt = {
        answer: answer.answer,
        model: answer.model ?? null,
        score: null,
        timings: answer.timings,
        context: answer.sources.map((s) => s.snippet),
      };
      await this.store.recordAnswer(key, answered, startedAt);
      return answered;
    } catch (err) {
      const errorType = classifyFailure(err);
      const counts = await this.store.errorCounts(key.questionId, key.generation);
      counts[errorType] = (counts[errorType] ?? 0) + 1;
      const retry = context.lastAttempt ? undefined : nextRetry(errorType, counts, this.config.questions.retry);
      const message = (err as Error)?.message ?? String(err);
      await this.store.recordError(
        key,
        { errorType, message, timings: { generate: performance.now() - started }, startedAt },
        retry ? { kind: 'retry', delayMs: retry.delayMs } : { kind: 'fail' },
      );
      this.metrics.observeQuestionError(errorType);
      this.metrics.observeQuestionState(retry ? 'retrying' : 'failed');
      return retry ? { kind: 'retry', delayMs: retry.delayMs } : { kind: 'done' };
    }
  }

  private decide(score: number, generation: number): ScoreDecision {
    const { scoreThreshold, maxRegenerations } = this.config.questions;
    if (score >= scoreThreshold) return { kind: 'validated' };
    const detail = `score ${score.toFixed(3)} < ${scoreThreshold}`;
    if (generation <= maxRegenerations) return { kind: 'regenerate', detail: `${detail}: regenerating (generation ${generation + 1})` };
    return { kind: 'low_quality', detail: `${detail} after ${generation} generations: the best answer is kept` };
  }
}
