import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export const SCORE_ANSWER_LIMITS = { answerChars: 20_000, questionChars: 8_000, referenceChars: 20_000, contexts: 20, contextChars: 8_000 } as const;

/** How a score was computed: BERTScore F1 against a reference answer, or relevance to the question and its context. */
export const ANSWER_SCORE_METHODS = ['bertscore_f1', 'relevance'] as const;
export type AnswerScoreMethod = (typeof ANSWER_SCORE_METHODS)[number];

/** Contract payload: rate an answer against its reference when there is one, otherwise for relevance to its question and context. */
export class ScoreAnswerCommand {
  /** The answer to rate (an empty answer scores 0). */
  @MaxLength(SCORE_ANSWER_LIMITS.answerChars) @IsString() answer: string;

  @MaxLength(SCORE_ANSWER_LIMITS.questionChars) @MinLength(1) @IsString() question: string;

  /** A known good answer: when given, the score is BERTScore F1 against it. */
  @MaxLength(SCORE_ANSWER_LIMITS.referenceChars)
  @MinLength(1, { message: 'reference must not be empty when given' })
  @IsString()
  @IsOptional()
  reference?: string;

  /** Passages retrieved for the question; used by the relevance score only. */
  @MaxLength(SCORE_ANSWER_LIMITS.contextChars, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(SCORE_ANSWER_LIMITS.contexts)
  @IsArray()
  @IsOptional()
  context?: string[];

  /** A model id of embeddings.models (default: embeddings.defaults.queries); unknown ids fail with ModelNotFoundError. */
  @MaxLength(200) @IsString() @IsOptional() model?: string;
}

export class AnswerScoreDto {
  @ApiProperty({ minimum: 0, maximum: 1, description: 'bertscore_f1: the F1; relevance: the harmonic mean of grounding and coverage' })
  score: number;

  @ApiProperty({ enum: ANSWER_SCORE_METHODS }) method: AnswerScoreMethod;

  @ApiProperty({ minimum: 0, maximum: 1, description: 'bertscore_f1: BERTScore precision; relevance: grounding of the answer in the question and context' })
  precision: number;

  @ApiProperty({ minimum: 0, maximum: 1, description: "bertscore_f1: BERTScore recall; relevance: coverage of the question's tokens by the answer" })
  recall: number;

  @ApiProperty({ description: 'The embedding model whose token vectors were compared (after any fallback)' }) model: string;

  @ApiPropertyOptional({ description: 'The model that was asked for but could not give token vectors' }) fallbackFrom?: string;

  @ApiProperty({ description: "A text had more tokens than the model reads: only its first maxTokens tokens were compared" })
  truncated: boolean;
}
