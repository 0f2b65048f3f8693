import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDateString,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { QUESTION_MAX_CHARS } from '../orchestrator/chat.dto.js';
import { PageQuery } from '../page.dto.js';
import { ANSWER_SCORE_METHODS as SCORE_METHODS, type AnswerScoreMethod as ScoreMethod } from '../processing/score-answer.dto.js';

/** Most questions one POST /questions may carry. */
export const QUESTION_BATCH_MAX = 500;
export const REFERENCE_MAX_CHARS = 20_000;

export const QUESTION_STATES = ['pending', 'generating', 'scoring', 'retrying', 'validated', 'low_quality', 'failed'] as const;
export type QuestionState = (typeof QUESTION_STATES)[number];
/** States a question never leaves. */
export const FINAL_STATES: ReadonlySet<QuestionState> = new Set(['validated', 'low_quality', 'failed']);

/** How a failure of the LLM is treated: retried with backoff, retried after a fixed delay, or final. */
export const ERROR_TYPES = ['overload', 'quota', 'timeout', 'permanent'] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

export { ANSWER_SCORE_METHODS as SCORE_METHODS, type AnswerScoreMethod as ScoreMethod } from '../processing/score-answer.dto.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** One question of POST /questions. */
export class QuestionInputDto {
  @ApiProperty({ maxLength: QUESTION_MAX_CHARS, example: 'What is the capital of Australia?' })
  @Transform(trim)
  @MaxLength(QUESTION_MAX_CHARS)
  @MinLength(1, { message: 'question must not be empty' })
  @IsString()
  question: string;

  @ApiPropertyOptional({ maxLength: REFERENCE_MAX_CHARS, description: 'A known good answer: the answer is scored against it' })
  @MaxLength(REFERENCE_MAX_CHARS)
  @MinLength(1, { message: 'reference must not be empty when given' })
  @IsString({ message: 'reference must be a string' })
  @IsOptional()
  reference?: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'Submitting the same key again returns the question already submitted' })
  @MaxLength(200)
  @MinLength(1)
  @IsString()
  @IsOptional()
  idempotencyKey?: string;
}

/** Body of POST /questions, and its contract payload. */
export class SubmitQuestionsCommand {
  @ApiProperty({ type: [QuestionInputDto], minItems: 1, maxItems: QUESTION_BATCH_MAX })
  @ValidateNested({ each: true })
  @Type(() => QuestionInputDto)
  @ArrayMaxSize(QUESTION_BATCH_MAX, { message: `a batch holds at most ${QUESTION_BATCH_MAX} questions` })
  @ArrayMinSize(1, { message: 'questions must not be empty' })
  @IsArray()
  questions: QuestionInputDto[];
}

export class SubmittedQuestionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: QUESTION_STATES }) state: QuestionState;
  @ApiProperty({ description: 'Answered from the cache of validated answers (no generation)' }) cached: boolean;
  @ApiProperty({ description: 'An earlier submission with the same idempotency key' }) duplicate: boolean;
  @ApiPropertyOptional() answer?: string;
  @ApiPropertyOptional() score?: number;
}

export class SubmitQuestionsResultDto {
  @ApiProperty({ type: [SubmittedQuestionDto] }) questions: SubmittedQuestionDto[];
}

export class QuestionIdQuery {
  @IsUUID('all') id: string;
}

export class AttemptDto {
  @ApiProperty({ description: 'Generation number (1 = first answer; more when regenerated for a low score)' }) generation: number;
  @ApiProperty({ description: 'Try of this generation (more when retried after an LLM error)' }) try: number;
  @ApiProperty({ enum: ['answered', 'error'] }) outcome: 'answered' | 'error';
  @ApiPropertyOptional({ enum: ERROR_TYPES }) errorType?: ErrorType;
  @ApiPropertyOptional() error?: string;
  @ApiPropertyOptional() answer?: string;
  @ApiPropertyOptional() score?: number;
  @ApiPropertyOptional({ enum: SCORE_METHODS }) scoreMethod?: ScoreMethod;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Milliseconds per stage' })
  timings: Record<string, number>;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ format: 'date-time' }) finishedAt: string;
}

export class TimelineEntryDto {
  @ApiProperty({ enum: QUESTION_STATES }) state: QuestionState;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiPropertyOptional() detail?: string;
}

export class QuestionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() question: string;
  @ApiPropertyOptional() reference?: string;
  @ApiProperty({ enum: QUESTION_STATES }) state: QuestionState;
  @ApiPropertyOptional({ description: 'The validated answer, or the best one (low_quality)' }) answer?: string;
  @ApiPropertyOptional() score?: number;
  @ApiPropertyOptional({ enum: SCORE_METHODS }) scoreMethod?: ScoreMethod;
  @ApiPropertyOptional({ description: 'Why it failed (state failed)' }) failure?: string;
  @ApiProperty({ type: [AttemptDto] }) attempts: AttemptDto[];
  @ApiProperty({ type: [TimelineEntryDto] }) timeline: TimelineEntryDto[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

/** Characters of a question's text in a list item (the whole text: GET /questions/{id}). */
export const QUESTION_SUMMARY_CHARS = 200;

/** Query string of GET /questions, and the contract payload of listQuestions: newest first. */
export class ListQuestionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: QUESTION_STATES })
  @IsIn(QUESTION_STATES)
  @IsOptional()
  state?: QuestionState;
}

/** A question in a list: enough to show and follow it. */
export class QuestionSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ maxLength: QUESTION_SUMMARY_CHARS, description: `The question, cut to ${QUESTION_SUMMARY_CHARS} characters` }) question: string;
  @ApiProperty({ description: 'The question was longer and was cut' }) truncated: boolean;
  @ApiProperty({ enum: QUESTION_STATES }) state: QuestionState;
  @ApiProperty({ description: 'Attempts so far (every generation and try)' }) attempts: number;
  @ApiPropertyOptional({ description: 'Score of the final answer' }) score?: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class QuestionPageDto {
  @ApiProperty({ type: [QuestionSummaryDto] }) questions: QuestionSummaryDto[];
  @ApiProperty({ description: 'Questions matching the filter, in all pages' }) total: number;
}

export class QuestionStatsQuery {}

export class StageLatencyDto {
  @ApiProperty() stage: string;
  @ApiProperty() count: number;
  @ApiProperty() p50: number;
  @ApiProperty() p95: number;
  @ApiProperty() p99: number;
}

export class ErrorCountDto {
  @ApiProperty({ enum: ERROR_TYPES }) errorType: ErrorType;
  @ApiProperty() count: number;
}

export class RegenerationOutcomeDto {
  @ApiProperty({ description: 'Questions regenerated at least once' }) regenerated: number;
  @ApiProperty({ description: 'Of those, validated in the end' }) validated: number;
  @ApiProperty({ description: 'Of those, kept as low quality' }) lowQuality: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean score of the first answer of regenerated questions; null when none was regenerated' }) meanFirstScore: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean best score of regenerated questions; null when none was regenerated' }) meanBestScore: number | null;
}

export class QuestionStatsDto {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Questions per state' })
  states: Record<string, number>;
  @ApiProperty({ type: [StageLatencyDto] }) latencyByStage: StageLatencyDto[];
  @ApiProperty({ type: [ErrorCountDto] }) errors: ErrorCountDto[];
  @ApiProperty({ type: RegenerationOutcomeDto }) regenerations: RegenerationOutcomeDto;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Answers per source: live, import' })
  answersBySource: Record<string, number>;
}

/** One previously answered question of `tars import answers` (a line of its JSON-lines file). */
export class ImportedAnswerDto {
  @Transform(trim)
  @MaxLength(QUESTION_MAX_CHARS)
  @MinLength(1, { message: 'question must not be empty' })
  @IsString()
  question: string;

  @MaxLength(REFERENCE_MAX_CHARS)
  @MinLength(1, { message: 'answer must not be empty' })
  @IsString()
  answer: string;

  @Max(1) @Min(0) @IsNumber() @IsOptional() score?: number;
  @IsDateString() @IsOptional() askedAt?: string;
  @IsDateString() @IsOptional() answeredAt?: string;
}

export const IMPORT_BATCH_MAX = 1000;

/** Contract payload (and body of POST /questions/import): a batch of historical answers. */
export class ImportAnswersCommand {
  @ValidateNested({ each: true })
  @Type(() => ImportedAnswerDto)
  @ArrayMaxSize(IMPORT_BATCH_MAX)
  @ArrayMinSize(1)
  @IsArray()
  answers: ImportedAnswerDto[];
}

export class ImportAnswersResultDto {
  @ApiProperty({ description: 'Answers stored now' }) imported: number;
  @ApiProperty({ description: 'Answers already imported earlier (same question and answer): left as they were' }) skipped: number;
}
