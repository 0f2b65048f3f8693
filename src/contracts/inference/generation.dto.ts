import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export const MESSAGE_ROLES = ['system', 'user', 'assistant'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** Limits of what one generation may ask for (every call costs LLM time). */
export const GENERATION_LIMITS = { messages: 200, messageChars: 400_000, modelName: 200, stops: 8, stopChars: 64 } as const;

/** One message of a chat prompt. */
export class ChatMessageDto {
  @ApiProperty({ enum: MESSAGE_ROLES }) @IsIn(MESSAGE_ROLES) role: MessageRole;
  @ApiProperty({ maxLength: GENERATION_LIMITS.messageChars })
  @MaxLength(GENERATION_LIMITS.messageChars)
  @IsString()
  content: string;
}

/** Sampling and size options of one generation; unset ones take the configured defaults. */
export class GenerationOptionsDto {
  @ApiPropertyOptional({ minimum: 0, maximum: 2 }) @Max(2) @Min(0) @IsNumber() @IsOptional() temperature?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 32768, description: 'Most tokens to generate' })
  @Max(32768)
  @Min(1)
  @IsInt()
  @IsOptional()
  maxTokens?: number;
  @ApiPropertyOptional({ minimum: 256, maximum: 1_048_576, description: 'Context window to ask the backend for (Ollama num_ctx)' })
  @Max(1_048_576)
  @Min(256)
  @IsInt()
  @IsOptional()
  numCtx?: number;
  @ApiPropertyOptional({ type: [String], maxItems: GENERATION_LIMITS.stops })
  @MaxLength(GENERATION_LIMITS.stopChars, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(GENERATION_LIMITS.stops)
  @IsArray()
  @IsOptional()
  stop?: string[];
  @ApiPropertyOptional() @IsInt() @IsOptional() seed?: number;
}

/** Contract payload of generate/streamGenerate: a chat prompt for one model (or the default chain). */
export class GenerateCommand {
  @ApiPropertyOptional({ description: 'Model name; empty: the default model of each backend of the fallback chain' })
  @MaxLength(GENERATION_LIMITS.modelName)
  @IsString()
  @IsOptional()
  model?: string;

  @ApiProperty({ type: [ChatMessageDto] })
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  @ArrayMaxSize(GENERATION_LIMITS.messages)
  @ArrayMinSize(1)
  @IsArray()
  messages: ChatMessageDto[];

  @ApiPropertyOptional({ type: GenerationOptionsDto })
  @ValidateNested()
  @Type(() => GenerationOptionsDto)
  @IsOptional()
  options?: GenerationOptionsDto;
}

/** What a finished generation reports besides its text. */
export class GenerationSummaryDto {
  @ApiProperty({ description: 'Backend id from inference.backends that produced the answer' }) backend: string;
  @ApiProperty() model: string;
  @ApiProperty({ description: 'stop (the model ended), length (maxTokens reached) or cancelled' }) doneReason: string;
  @ApiPropertyOptional({ description: 'Prompt tokens as the backend counted them' }) promptTokens?: number;
  @ApiPropertyOptional() completionTokens?: number;
  @ApiProperty({ description: 'Context window requested from the backend (num_ctx)' }) numCtx: number;
  @ApiProperty({ description: 'Time waiting for a free slot of the backend (ms)' }) queuedMs: number;
  @ApiProperty({ description: 'From the request to the first token (ms)' }) firstTokenMs: number;
  @ApiProperty({ description: 'From the request to the last token (ms)' }) totalMs: number;
  @ApiProperty({ type: [String], description: 'Backends tried before this one, with why they were skipped' })
  fallbacks: string[];
}

/** One item of a generation stream: a piece of text, then exactly one `done`. */
export type GenerationEvent = { type: 'token'; text: string } | { type: 'done'; summary: GenerationSummaryDto };

export class GenerationResultDto {
  @ApiProperty() text: string;
  @ApiProperty({ type: GenerationSummaryDto }) summary: GenerationSummaryDto;
}

export class ListModelsQuery {}

export class ModelInfoDto {
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Backend id that serves it' }) backend: string;
  @ApiPropertyOptional() family?: string;
  @ApiPropertyOptional() contextLength?: number;
  @ApiPropertyOptional() sizeBytes?: number;
}

export class ModelListDto {
  @ApiProperty({ type: [ModelInfoDto] }) models: ModelInfoDto[];
  @ApiProperty({ type: [String], description: 'Backends that could not be asked, with the reason' }) unavailable: string[];
}

export class InferenceStatusQuery {}

export class BackendStatusDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['ollama', 'llamacpp', 'transformers'] }) kind: string;
  @ApiProperty() up: boolean;
  @ApiProperty() detail: string;
  @ApiProperty({ description: 'Generations running now' }) active: number;
  @ApiProperty({ description: 'Generations waiting for a slot' }) queued: number;
}

export class InferenceStatusDto {
  @ApiProperty({ description: 'At least one backend is up' }) up: boolean;
  @ApiProperty({ type: [BackendStatusDto] }) backends: BackendStatusDto[];
}
