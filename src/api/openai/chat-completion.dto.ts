import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { GENERATION_LIMITS } from '../../contracts/inference/generation.dto.js';

/** OpenAI's roles that TARS accepts; `developer` is OpenAI's newer name for `system`. */
export const OPENAI_MESSAGE_ROLES = ['system', 'developer', 'user', 'assistant'] as const;
export type OpenAiMessageRole = (typeof OPENAI_MESSAGE_ROLES)[number];

/** Text parts one message may be split into. */
export const MAX_CONTENT_PARTS = 64;

/** A content part: TARS reads text only (no images, audio or files). */
export interface OpenAiContentPart {
  type: 'text';
  text: string;
}

/** Why a message content is unacceptable, or undefined when it is a string or a list of text parts. */
function contentProblem(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value.length > GENERATION_LIMITS.messageChars ? `must be at most ${GENERATION_LIMITS.messageChars} characters` : undefined;
  }
  if (!Array.isArray(value)) return 'must be a string or an array of text parts';
  if (value.length > MAX_CONTENT_PARTS) return `must have at most ${MAX_CONTENT_PARTS} parts`;
  let chars = 0;
  for (const part of value as unknown[]) {
    const { type, text } = (part ?? {}) as { type?: unknown; text?: unknown };
    if (type !== 'text') return `must hold text parts only (TARS does not read '${String(type)}' parts)`;
    if (typeof text !== 'string') return 'parts must have a string `text`';
    chars += text.length;
  }
  return chars > GENERATION_LIMITS.messageChars ? `must be at most ${GENERATION_LIMITS.messageChars} characters` : undefined;
}

const IsMessageContent = () =>
  ValidateBy({
    name: 'isMessageContent',
    validator: {
      validate: (value: unknown) => contentProblem(value) === undefined,
      defaultMessage: (args) => `${args?.property ?? 'content'} ${contentProblem(args?.value) ?? 'is invalid'}`,
    },
  });

/** One chat message, as OpenAI's clients send it. */
export class OpenAiChatMessageDto {
  @ApiProperty({ enum: OPENAI_MESSAGE_ROLES })
  @IsIn(OPENAI_MESSAGE_ROLES, {
    message: `role must be one of ${OPENAI_MESSAGE_ROLES.join(', ')} (TARS runs no tools, so there are no tool messages)`,
  })
  role: OpenAiMessageRole;

  @ApiProperty({
    oneOf: [
      { type: 'string' },
      {
        type: 'array',
        maxItems: MAX_CONTENT_PARTS,
        items: { type: 'object', required: ['type', 'text'], properties: { type: { type: 'string', enum: ['text'] }, text: { type: 'string' } } },
      },
    ],
    description: 'The text, or text parts (joined with newlines)',
  })
  @IsMessageContent()
  content: string | OpenAiContentPart[];

  @ApiPropertyOptional({ description: 'Accepted and ignored' })
  @MaxLength(256)
  @IsString()
  @IsOptional()
  name?: string;
}

export class StreamOptionsDto {
  @ApiPropertyOptional({ description: 'Send a last chunk with the token usage (and `usage: null` in the others)' })
  @IsBoolean()
  @IsOptional()
  include_usage?: boolean;

  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @IsBoolean() @IsOptional() include_obfuscation?: boolean;
}

export class ResponseFormatDto {
  @ApiProperty({ enum: ['text'] })
  @IsIn(['text'], { message: 'response_format.type must be text: TARS cannot constrain answers to JSON' })
  type: 'text';
}

const asList = ({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value);

/**
 * Body of POST /v1/chat/completions: OpenAI's request, minus what TARS cannot do (tools, several
 * choices, log probabilities, JSON mode), which is refused with a 400 rather than silently ignored.
 * Other OpenAI sampling fields are accepted and ignored, so that existing clients work unchanged.
 */
export class ChatCompletionRequestDto {
  @ApiProperty({ description: '`tars` answers with memory; any other name (GET /v1/models) goes straight to that model', example: 'tars' })
  @MaxLength(GENERATION_LIMITS.modelName)
  @IsString()
  model: string;

  @ApiProperty({ type: [OpenAiChatMessageDto], maxItems: GENERATION_LIMITS.messages })
  @ValidateNested({ each: true })
  @Type(() => OpenAiChatMessageDto)
  @ArrayMaxSize(GENERATION_LIMITS.messages)
  @ArrayMinSize(1, { message: 'messages must not be empty' })
  @IsArray()
  messages: OpenAiChatMessageDto[];

  @ApiPropertyOptional({ default: false, description: 'Answer as server-sent events (chat.completion.chunk objects, then [DONE])' })
  @IsBoolean()
  @IsOptional()
  stream?: boolean;

  @ApiPropertyOptional({ type: StreamOptionsDto })
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  @IsObject()
  @IsOptional()
  stream_options?: StreamOptionsDto;

  @ApiPropertyOptional({ minimum: 0, maximum: 2 }) @Max(2) @Min(0) @IsNumber() @IsOptional() temperature?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'Most tokens to generate (values above 32768 are capped)' })
  @Min(1)
  @IsInt()
  @IsOptional()
  max_tokens?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'The newer name of max_tokens; wins when both are given' })
  @Min(1)
  @IsInt()
  @IsOptional()
  max_completion_tokens?: number;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: GENERATION_LIMITS.stops }],
    description: 'Where to stop generating',
  })
  @Transform(asList)
  @MaxLength(GENERATION_LIMITS.stopChars, { each: true })
  @IsString({ each: true, message: 'stop must be a string or an array of strings' })
  @ArrayMaxSize(GENERATION_LIMITS.stops)
  @IsArray({ message: 'stop must be a string or an array of strings' })
  @IsOptional()
  stop?: string[];

  @ApiPropertyOptional() @IsInt() @IsOptional() seed?: number;

  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @MaxLength(256) @IsString() @IsOptional() user?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1, description: 'TARS gives one choice: only 1 is accepted' })
  @Max(1, { message: 'n must be 1: TARS gives one choice per request' })
  @Min(1)
  @IsInt()
  @IsOptional()
  n?: number;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object' }, maxItems: 0, description: 'Not supported: must be empty' })
  @ArrayMaxSize(0, { message: 'tools are not supported: TARS does not call functions' })
  @IsArray()
  @IsOptional()
  tools?: unknown[];

  @ApiPropertyOptional({ type: 'array', items: { type: 'object' }, maxItems: 0, description: 'Not supported: must be empty' })
  @ArrayMaxSize(0, { message: 'functions are not supported: TARS does not call functions' })
  @IsArray()
  @IsOptional()
  functions?: unknown[];

  @ApiPropertyOptional({ enum: ['none', 'auto'] })
  @IsIn(['none', 'auto'], { message: 'tool_choice must be none or auto: TARS does not call functions' })
  @IsOptional()
  tool_choice?: string;

  @ApiPropertyOptional({ enum: ['none', 'auto'] })
  @IsIn(['none', 'auto'], { message: 'function_call must be none or auto: TARS does not call functions' })
  @IsOptional()
  function_call?: string;

  @ApiPropertyOptional({ type: ResponseFormatDto })
  @ValidateNested()
  @Type(() => ResponseFormatDto)
  @IsObject()
  @IsOptional()
  response_format?: ResponseFormatDto;

  @ApiPropertyOptional({ enum: [false] })
  @IsIn([false], { message: 'logprobs are not supported' })
  @IsOptional()
  logprobs?: boolean;

  @ApiPropertyOptional({ enum: ['text'], isArray: true })
  @IsIn(['text'], { each: true, message: 'modalities must be ["text"]: TARS answers with text only' })
  @IsArray()
  @IsOptional()
  modalities?: string[];

  // Accepted so that clients which always send them work; they do not change the answer.
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @IsNumber() @IsOptional() top_p?: number;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @IsNumber() @IsOptional() frequency_penalty?: number;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @IsNumber() @IsOptional() presence_penalty?: number;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @IsObject() @IsOptional() logit_bias?: Record<string, number>;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @IsInt() @IsOptional() top_logprobs?: number;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @IsBoolean() @IsOptional() parallel_tool_calls?: boolean;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @IsBoolean() @IsOptional() store?: boolean;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @IsObject() @IsOptional() metadata?: Record<string, string>;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @MaxLength(64) @IsString() @IsOptional() service_tier?: string;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @MaxLength(64) @IsString() @IsOptional() reasoning_effort?: string;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @MaxLength(64) @IsString() @IsOptional() verbosity?: string;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @MaxLength(256) @IsString() @IsOptional() prompt_cache_key?: string;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @MaxLength(256) @IsString() @IsOptional() safety_identifier?: string;
  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @Allow() prediction?: unknown;
}
