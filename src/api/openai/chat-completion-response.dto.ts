import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AnswerSourceDto, DegradedDto, RouteDecisionDto } from '../../contracts/orchestrator/chat.dto.js';

export class CompletionUsageDto {
  @ApiProperty() prompt_tokens: number;
  @ApiProperty() completion_tokens: number;
  @ApiProperty() total_tokens: number;
}

export class CompletionMessageDto {
  @ApiProperty({ enum: ['assistant'] }) role: 'assistant';
  @ApiProperty() content: string;
  @ApiProperty({ nullable: true, type: String, description: 'Always null' }) refusal: null;
}

export class CompletionChoiceDto {
  @ApiProperty({ example: 0 }) index: number;
  @ApiProperty({ type: CompletionMessageDto }) message: CompletionMessageDto;
  @ApiProperty({ enum: ['stop', 'length'], description: 'length: max_tokens was reached' }) finish_reason: 'stop' | 'length';
  @ApiProperty({ nullable: true, type: Object, description: 'Always null' }) logprobs: null;
}

/** What TARS adds to answers of model `tars` (OpenAI clients ignore unknown fields). */
export class TarsCompletionExtrasDto {
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The stored conversation, when the turn was remembered' })
  conversationId: string | null;
  @ApiProperty({ type: RouteDecisionDto }) route: RouteDecisionDto;
  @ApiProperty({ type: [AnswerSourceDto], description: 'The passages the answer cites as [1], [2]…' }) sources: AnswerSourceDto[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Milliseconds per stage' })
  timings: Record<string, number>;
  @ApiProperty({ type: DegradedDto, nullable: true, description: 'Set when no LLM answered and the text lists passages instead' })
  degraded: DegradedDto | null;
  @ApiProperty({ type: [String] }) notices: string[];
  @ApiPropertyOptional({ description: 'The LLM that wrote the answer' }) model?: string;
  @ApiPropertyOptional({ description: 'Its backend id' }) backend?: string;
}

/** OpenAI's `chat.completion` object. */
export class ChatCompletionDto {
  @ApiProperty({ example: 'chatcmpl-3f1c0e4b9a7d4c2e8b6a5d4c3b2a1f0e' }) id: string;
  @ApiProperty({ enum: ['chat.completion'] }) object: 'chat.completion';
  @ApiProperty({ description: 'Unix time (seconds)' }) created: number;
  @ApiProperty({ description: '`tars`, or the model that answered' }) model: string;
  @ApiProperty({ type: [CompletionChoiceDto] }) choices: CompletionChoiceDto[];
  @ApiProperty({ type: CompletionUsageDto }) usage: CompletionUsageDto;
  @ApiPropertyOptional({ type: TarsCompletionExtrasDto, description: 'Model `tars` only (not part of OpenAI’s API)' })
  tars?: TarsCompletionExtrasDto;
}

export class CompletionDeltaDto {
  @ApiPropertyOptional({ enum: ['assistant'], description: 'First chunk only' }) role?: 'assistant';
  @ApiPropertyOptional() content?: string;
}

export class CompletionChunkChoiceDto {
  @ApiProperty({ example: 0 }) index: number;
  @ApiProperty({ type: CompletionDeltaDto }) delta: CompletionDeltaDto;
  @ApiProperty({ enum: ['stop', 'length'], nullable: true, type: String, description: 'Set in the last content chunk' })
  finish_reason: 'stop' | 'length' | null;
  @ApiProperty({ nullable: true, type: Object }) logprobs: null;
}

/** OpenAI's `chat.completion.chunk`, sent as `data: {...}` lines of a text/event-stream. */
export class ChatCompletionChunkDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['chat.completion.chunk'] }) object: 'chat.completion.chunk';
  @ApiProperty() created: number;
  @ApiProperty() model: string;
  @ApiProperty({ type: [CompletionChunkChoiceDto], description: 'Empty in the usage chunk' }) choices: CompletionChunkChoiceDto[];
  @ApiPropertyOptional({ type: CompletionUsageDto, nullable: true, description: 'With stream_options.include_usage: null except in the last chunk' })
  usage?: CompletionUsageDto | null;
  @ApiPropertyOptional({ type: TarsCompletionExtrasDto, description: 'Model `tars`: in the chunk with finish_reason' })
  tars?: TarsCompletionExtrasDto;
}
