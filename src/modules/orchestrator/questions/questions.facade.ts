import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import { ModuleUnavailableError } from '../../../contracts/errors.js';
import type {
  ImportAnswersCommand,
  ImportAnswersResultDto,
  ListQuestionsQuery,
  QuestionDto,
  QuestionIdQuery,
  QuestionPageDto,
  QuestionStatsDto,
  SubmitQuestionsCommand,
  SubmitQuestionsResultDto,
  SubmittedQuestionDto,
} from '../../../contracts/questions/question.dto.js';
import type { QuestionsContract } from '../../../contracts/questions/questions.contract.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import { QUESTION_QUEUE, type QuestionQueue } from './question-queue.js';
import { QuestionWorker } from './question-worker.js';
import { QuestionStore } from './question.store.js';

/**
 * The question pipeline's contract, and the worker loop of this node: questions are stored, then
 * queued (a submission is acknowledged only once both happened), and worked on by every node that
 * runs the orchestrator.
 */
/** How often a node looks for questions whose message was lost. */
const SWEEP_INTERVAL_MS = 60_000;

@Injectable()
export class QuestionsFacade implements QuestionsContract, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('questions');
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: TarsConfig,
    private readonly store: QuestionStore,
    private readonly worker: QuestionWorker,
    @Inject(QUESTION_QUEUE) private readonly queue: QuestionQueue,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Without NATS the queue lives in this process: what was left unfinished is queued again.
    if (!this.queue.durable) {
      for (const q of await this.store.unfinished()) await this.queue.enqueue({ questionId: q.id, generation: q.generation });
    }
    this.queue.start((job, context) => this.worker.handle(job, context)).catch((err: unknown) => {
      this.logger.error(`the question workers could not start: ${(err as Error).message}`);
    });
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /**
   * Queues again the questions that have not moved for much longer than any planned wait: their
   * message is gone (its last delivery died with its worker). A copy of a message still queued is
   * harmless: work is stored per try, once.
   */
  async sweep(): Promise<number> {
    const { queue, retry } = this.config.questions;
    const staleMs = Math.max(5 * queue.ackWaitMs, retry.quota.delayMs + 2 * queue.ackWaitMs, 10 * retry.overload.baseMs * retry.overload.factor ** retry.overload.maxRetries);
    try {
      const stale = await this.store.stale(staleMs);
      for (const q of stale) {
        // JetStream would drop the original message id within its de-duplication window; the
        // in-process queue skips a question it still holds (same id).
        const messageId = this.queue.durable ? `${q.id}:${q.generation}:sweep:${Date.now()}` : undefined;
        await this.queue.enqueue({ questionId: q.id, generation: q.generation }, messageId);
      }
      if (stale.length > 0) this.logger.warn(`${stale.length} question(s) had not moved for ${Math.round(staleMs / 1000)} s: queued again`);
      return stale.length;
    } catch (err) {
      this.logger.warn(`the sweep for stale questions failed: ${(err as Error).message}`);
      return 0;
    }
  }

  /** Before the database closes: running questions finish their step (or are delivered again later). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.queue.stop();
  }

  async submitQuestions(command: SubmitQuestionsCommand): Promise<SubmitQuestionsResultDto> {
    const results: SubmittedQuestionDto[] = [];
    for (const input of command.questions) {
      const cached = await this.store.cachedAnswer(input.question, this.config.questions.cacheTtlHours);
      const submitted = await this.store.submit(input, cached);
      // A duplicate still pending may never have been queued: its first submission was stored, then its
      // node died before publishing it, and the client, answered nothing, submits it again. Queueing it
      // again is harmless: the message id is the same, so JetStream keeps one message.
      if (!submitted.cached && (!submitted.duplicate || submitted.state === 'pending')) {
        try {
          await this.queue.enqueue({ questionId: submitted.id, generation: 1 });
        } catch (err) {
          // Not queued means not accepted: nothing may stay behind that nobody works on.
          if (!submitted.duplicate) await this.store.remove(submitted.id);
          throw new ModuleUnavailableError(
            `the question queue cannot be reached (${(err as Error).message}); ${results.length} of ${command.questions.length} questions were accepted before this one`,
            { accepted: results.map((r) => r.id), reason: 'queue_unavailable' },
          );
        }
      }
      this.metrics.observeQuestionState(submitted.cached ? 'cached' : 'pending');
      results.push(submitted);
    }
    return { questions: results };
  }

  getQuestion(query: QuestionIdQuery): Promise<QuestionDto> {
    return this.store.get(query.id);
  }

  listQuestions(query: ListQuestionsQuery): Promise<QuestionPageDto> {
    return this.store.list(query);
  }

  questionStats(): Promise<QuestionStatsDto> {
    return this.store.stats();
  }

  importAnswers(command: ImportAnswersCommand): Promise<ImportAnswersResultDto> {
    return this.store.importAnswers(command.answers, this.config.questions.scoreThreshold);
  }
}
