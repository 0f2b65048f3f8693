import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PageQuery } from '../page.dto.js';

export const TURN_ROLES = ['user', 'assistant', 'system'] as const;
export type TurnRole = (typeof TURN_ROLES)[number];

export class TurnDto {
  @ApiProperty() id: number;
  @ApiProperty({ enum: TURN_ROLES }) role: TurnRole;
  @ApiProperty() content: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class ConversationSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'The first words of the first question' }) title: string;
  @ApiProperty() turnCount: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ConversationDto extends ConversationSummaryDto {
  @ApiProperty({ type: [TurnDto], description: 'The most recent turns, oldest first' }) turns: TurnDto[];
}

export class ConversationListDto {
  @ApiProperty({ type: [ConversationSummaryDto] }) conversations: ConversationSummaryDto[];
  @ApiProperty() total: number;
}

/** Contract payload: add a turn to a conversation (created on its first turn). */
export class AppendTurnCommand {
  @IsUUID('all') conversationId: string;
  @IsIn(TURN_ROLES) role: TurnRole;
  @IsString() @MinLength(1) @MaxLength(200_000) content: string;
}

/** Query string of GET /memory/conversations, and its contract payload. */
export class ListConversationsQuery extends PageQuery {}

export class GetConversationQuery {
  @IsUUID('all') id: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) turns?: number;
}
