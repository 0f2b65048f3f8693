import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import { ModuleUnavailableError } from '../../../contracts/errors.js';
import type {
  ImportAnswersCommand,
  ImportAnswersResultDto,
  QuestionDto,
  QuestionIdQuery,
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
@Injectable()
export class QuestionsFacade implements QuestionsContract, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('questions');

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
  }

  /** Before the database closes: running questions finish their step (or are delivered again later). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.stop();
  }

  async submitQuestions(command: SubmitQuestionsCommand): Promise<SubmitQuestionsResultDto> {
    const results: SubmittedQuestionDto[] = [];
    for (const input of command.questions) {
      const cached = await this.store.cachedAnswer(input.question, this.config.questions.cacheTtlHours);
      const submitted = await this.store.submit(input, cached);
      if (!submitted.cached && !submitted.duplicate) {
        try {
          await this.queue.enqueue({ questionId: submitted.id, generation: 1 });
        } catch (err) {
          // Not queued means not accepted: nothing may stay behind that nobody works on.
          await this.store.remove(submitted.id);
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

  questionStats(): Promise<QuestionStatsDto> {
    return this.store.stats();
  }

  importAnswers(command: ImportAnswersCommand): Promise<ImportAnswersResultDto> {
    return this.store.importAnswers(command.answers, this.config.questions.scoreThreshold);
  }
}
