import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ChatMessageDto, GENERATION_LIMITS, GenerationOptionsDto } from '../inference/generation.dto.js';
import { HitSourceDto, MEMORY_LAYERS, type MemoryLayer } from '../memory/search.dto.js';

/** Largest question accepted (characters); longer input belongs in a document. */
export const QUESTION_MAX_CHARS = 8000;

export const ROUTES = ['inference_only', 'needs_context', 'synthesis'] as const;
export type RouteName = (typeof ROUTES)[number];

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** A question for the orchestrator: body of POST /chat/query and /chat/stream, and its contract payload. */
export class AskCommand {
  @ApiProperty({ maxLength: QUESTION_MAX_CHARS, example: 'When is the boiler due for its next service?' })
  @Transform(trim)
  @MaxLength(QUESTION_MAX_CHARS, { message: `question must be at most ${QUESTION_MAX_CHARS} characters (put long texts in a document)` })
  @MinLength(1, { message: 'question must not be empty' })
  @IsString()
  question: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Continue this conversation; omit to start a new one' })
  @IsUUID('all')
  @IsOptional()
  conversationId?: string;

  @ApiPropertyOptional({ description: 'Model name (GET /v1/models); omit for the configured default' })
  @MaxLength(GENERATION_LIMITS.modelName)
  @IsString()
  @IsOptional()
  model?: string;

  @ApiPropertyOptional({
    enum: MEMORY_LAYERS,
    isArray: true,
    description: 'Memory layers to retrieve from (default: all)',
  })
  @IsIn(MEMORY_LAYERS, { each: true, message: `layers must be among ${MEMORY_LAYERS.join(', ')}` })
  @IsArray()
  @IsOptional()
  layers?: MemoryLayer[];

  @ApiPropertyOptional({ type: GenerationOptionsDto })
  @ValidateNested()
  @Type(() => GenerationOptionsDto)
  @IsOptional()
  options?: GenerationOptionsDto;

  /**
   * Earlier messages supplied by the caller instead of a stored conversation (the OpenAI-compatible
   * API sends the whole history with every call). Not stored.
   */
  @ApiPropertyOptional({ type: [ChatMessageDto], description: 'Earlier messages, when not continuing a stored conversation' })
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  @ArrayMaxSize(GENERATION_LIMITS.messages)
  @IsArray()
  @IsOptional()
  history?: ChatMessageDto[];

  @ApiPropertyOptional({ default: true, description: 'Store the question and the answer in memory layer 1' })
  @IsBoolean()
  @IsOptional()
  remember?: boolean;
}

export class RouteDecisionDto {
  @ApiProperty({ enum: ROUTES }) name: RouteName;
  @ApiProperty({ description: 'Why the router chose it (the rule or score that decided)' }) reason: string;
  @ApiProperty({ description: 'The query used for retrieval (a follow-up rewritten with the conversation)' })
  retrievalQuery: string;
  @ApiProperty({ type: [String], description: 'Sub-queries retrieved separately (synthesis)' }) subQueries: string[];
  @ApiProperty({ type: [String], description: "The planner's steps, as carried out" }) plan: string[];
}

export class AnswerSourceDto {
  @ApiProperty({ description: 'Number by which the answer cites it, e.g. [1]' }) ref: number;
  @ApiProperty({ enum: MEMORY_LAYERS }) layer: MemoryLayer;
  @ApiProperty() kind: string;
  @ApiProperty() title: string;
  @ApiProperty({ description: 'The passage given to the model (or its start)' }) snippet: string;
  @ApiProperty() score: number;
  @ApiProperty({ type: HitSourceDto }) source: HitSourceDto;
}

export class DegradedDto {
  @ApiProperty({ description: 'Error code of the failure that forced the fallback, e.g. llm_unavailable' }) code: string;
  @ApiProperty() reason: string;
}

export class ChatAnswerDto {
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Null when the turn was not remembered' })
  conversationId: string | null;
  @ApiProperty() answer: string;
  @ApiProperty({ description: 'False when no LLM answered and the text lists retrieved passages instead' }) generated: boolean;
  @ApiProperty({ type: DegradedDto, nullable: true }) degraded: DegradedDto | null;
  @ApiProperty({ type: RouteDecisionDto }) route: RouteDecisionDto;
  @ApiProperty({ type: [AnswerSourceDto] }) sources: AnswerSourceDto[];
  @ApiPropertyOptional() model?: string;
  @ApiPropertyOptional() backend?: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Milliseconds per stage: route, rewrite, retrieve, prompt, firstToken, generate, store, total',
  })
  timings: Record<string, number>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'promptTokens, completionTokens (as the backend counted) and numCtx',
  })
  usage: Record<string, number>;
  @ApiProperty({ type: [String], description: 'What the caller should know: nothing found in memory, passages left out…' })
  notices: string[];
}

/** First item of an answer stream: the question was accepted (its conversation exists, it is routed). */
export class ChatStartDto {
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) conversationId: string | null;
  @ApiProperty({ type: RouteDecisionDto }) route: RouteDecisionDto;
}

/**
 * Items of an answer stream: one `start`, text pieces, then exactly one `done` whose answer holds
 * the whole text again with the metadata. Failures end the stream as an error (a TarsError).
 */
export type ChatEvent =
  | ({ type: 'start' } & ChatStartDto)
  | { type: 'token'; text: string }
  | { type: 'done'; answer: ChatAnswerDto };
