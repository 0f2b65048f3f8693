import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import type { TurnDto } from './conversation.dto.js';

export const SUMMARY_METHODS = ['llm', 'extractive'] as const;
/** How a conversation summary was made: by the LLM, or extractively (sentences of the conversation itself, when no LLM answered). */
export type SummaryMethod = (typeof SUMMARY_METHODS)[number];

/** Contract payload: conversations idle since before `idleBefore` that have turns newer than their summary (or no summary). */
export class IdleConversationsQuery {
  @IsDateString() idleBefore: string;
  @Type(() => Number) @IsInt() @Min(1) @Max(100_000) limit: number;
}

export interface IdleConversationDto {
  id: string;
  title: string;
  createdAt: string;
  /** The last activity. */
  updatedAt: string;
  /** The newest turn's id. */
  lastTurnId: number;
  /** The last turn the stored summary covers; null when there is none yet. */
  summarisedUntilTurnId: number | null;
  /** The stored summary, which a new one extends. */
  summary: string | null;
  /** Turns the stored summary covers (0 without one). */
  summarisedTurns: number;
}

export interface IdleConversationListDto {
  conversations: IdleConversationDto[];
}

/** Contract payload: turns of a conversation after a turn id, oldest first. */
export class ListTurnsQuery {
  @IsUUID('all') conversationId: string;
  @Type(() => Number) @IsInt() @Min(0) afterTurnId: number;
  @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit: number;
}

export interface TurnPageDto {
  turns: TurnDto[];
}

/** The summary's vector, made by the processing module. */
export class SummaryEmbedding {
  @Matches(/^[A-Za-z0-9._-]+$/) model: string;
  @IsInt() @Min(1) dimensions: number;
  /** Float32 little-endian bytes, base64 (encodeVector). */
  @IsString() @MaxLength(200_000) vector: string;
}

/**
 * Contract payload: store a conversation's summary in layer 2 (a project row, found by full-text
 * search) and layer 3 (a `summary` semantic item with its vector), replacing the previous one.
 * Idempotent: a summary covering no more turns than the stored one changes nothing.
 */
export class StoreConversationSummaryCommand {
  @IsUUID('all') conversationId: string;
  @IsString() @MinLength(1) @MaxLength(20_000) summary: string;
  @IsIn(SUMMARY_METHODS) method: SummaryMethod;
  /** The LLM that wrote it (method llm). */
  @IsString() @MaxLength(200) @IsOptional() model?: string;
  /** The last turn the summary covers: turns up to it may be compacted once old enough. */
  @IsInt() @Min(1) coveredUntilTurnId: number;
  /** Turns summarised in all (earlier summaries included). */
  @IsInt() @Min(0) coveredTurns: number;
  @Matches(/^[^\s,]{1,64}$/, { each: true }) @ArrayMaxSize(32) @IsArray() keywords: string[];
  @ValidateNested() @Type(() => SummaryEmbedding) embedding: SummaryEmbedding;
}

export interface StoredConversationSummaryDto {
  conversationId: string;
  /** The layer-2 row (GET /memory/projects/:id). */
  projectId: string;
  /** The layer-3 item. */
  itemId: number;
  /** False when the stored summary already covered these turns (nothing changed). */
  stored: boolean;
  coveredUntilTurnId: number;
}

/** Contract payload: delete raw turns older than `olderThan` that a stored summary covers. */
export class CompactTurnsCommand {
  @IsDateString() olderThan: string;
}

export interface CompactTurnsResultDto {
  /** Turns deleted. */
  compactedTurns: number;
  /** Conversations they belonged to. */
  conversations: number;
}
