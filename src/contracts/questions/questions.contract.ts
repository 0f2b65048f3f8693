import { defineContract } from '../contract.js';
import {
  ImportAnswersCommand,
  type ImportAnswersResultDto,
  ListQuestionsQuery,
  type QuestionDto,
  QuestionIdQuery,
  type QuestionPageDto,
  type QuestionStatsDto,
  QuestionStatsQuery,
  SubmitQuestionsCommand,
  type SubmitQuestionsResultDto,
} from './question.dto.js';

/** The question pipeline (part of the orchestrator module): submit, poll, list, statistics, historical import. */
export interface QuestionsContract {
  /** Stores and queues questions (acknowledged once stored and queued), or answers them from the cache of validated answers. */
  submitQuestions(command: SubmitQuestionsCommand): Promise<SubmitQuestionsResultDto>;
  /** A question with its state, answer, score, attempts and timeline; NotFoundError when unknown. */
  getQuestion(query: QuestionIdQuery): Promise<QuestionDto>;
  /** Questions newest first (optionally in one state), a page of summaries and the total. */
  listQuestions(query: ListQuestionsQuery): Promise<QuestionPageDto>;
  /** Latency per stage (P50/P95/P99), error distribution, regeneration outcomes, counts per state. */
  questionStats(query: QuestionStatsQuery): Promise<QuestionStatsDto>;
  /** Loads previously answered questions as a baseline; importing the same file again changes nothing. */
  importAnswers(command: ImportAnswersCommand): Promise<ImportAnswersResultDto>;
}

export const QUESTIONS_CONTRACT = defineContract<QuestionsContract>({
  module: 'orchestrator',
  token: 'QuestionsContract',
  methods: {
    submitQuestions: { subject: 'questions.submit', request: SubmitQuestionsCommand, timeoutMs: 30_000 },
    getQuestion: { subject: 'questions.get', request: QuestionIdQuery },
    listQuestions: { subject: 'questions.list', request: ListQuestionsQuery },
    questionStats: { subject: 'questions.stats', request: QuestionStatsQuery },
    importAnswers: { subject: 'questions.import', request: ImportAnswersCommand, timeoutMs: 60_000 },
  },
});
