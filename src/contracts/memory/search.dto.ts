import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export const MEMORY_LAYERS = ['conversations', 'projects', 'semantic', 'notes'] as const;
export type MemoryLayer = (typeof MEMORY_LAYERS)[number];

const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((v) => v.trim().toLowerCase()).filter(Boolean) : value;

/** Query string of GET /memory/search, and the contract payload of `search`. */
export class MemorySearchQuery {
  @ApiProperty({ description: 'What to find: words, a phrase or a question', maxLength: 500 })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @MaxLength(500)
  @MinLength(1, { message: 'q must not be empty' })
  @IsString()
  q: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10, description: 'How many hits' })
  @Type(() => Number)
  @Max(100)
  @Min(1)
  @IsInt()
  @IsOptional()
  k?: number;

  @ApiPropertyOptional({
    description: `Comma list of layers to search (default: all): ${MEMORY_LAYERS.join(', ')}`,
    example: 'semantic,projects',
  })
  @Transform(splitList)
  @IsIn(MEMORY_LAYERS, { each: true, message: `layers must be among ${MEMORY_LAYERS.join(', ')}` })
  @IsArray()
  @IsOptional()
  layers?: MemoryLayer[];

  @ApiPropertyOptional({ default: false, description: 'Include the whole text of each hit (as given to the LLM)' })
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  @IsOptional()
  withText?: boolean;
}

/** Where a hit comes from, for citations. Only the fields of its layer are set. */
export class HitSourceDto {
  @ApiPropertyOptional({ format: 'uuid' }) documentId?: string;
  @ApiPropertyOptional({ description: 'File name or title of the document' }) documentTitle?: string;
  @ApiPropertyOptional() chunkIndex?: number;
  @ApiPropertyOptional({ description: 'Character offsets of the chunk in the cleaned document text' }) charStart?: number;
  @ApiPropertyOptional() charEnd?: number;
  @ApiPropertyOptional() pageStart?: number;
  @ApiPropertyOptional() pageEnd?: number;
  @ApiPropertyOptional({ format: 'uuid' }) projectId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) conversationId?: string;
  @ApiPropertyOptional({ description: 'Turn id in the conversation' }) turnId?: number;
  @ApiPropertyOptional({ format: 'uuid' }) noteId?: string;
  @ApiPropertyOptional({ description: 'Semantic item id' }) itemId?: number;
}

export class MemoryHitDto {
  @ApiProperty({ enum: MEMORY_LAYERS }) layer: MemoryLayer;
  @ApiProperty({ description: 'chunk, summary, answer, note, project or turn' }) kind: string;
  @ApiProperty() title: string;
  @ApiProperty({ description: 'Excerpt with the matched words marked as **word**' }) snippet: string;
  @ApiProperty({ description: 'Fused score (reciprocal rank fusion of the vector and full-text rankings); higher is better' })
  score: number;
  @ApiPropertyOptional({ description: 'Cosine similarity of the vector search, when it found this hit' }) similarity?: number;
  @ApiPropertyOptional({ description: 'PostgreSQL full-text rank, when full-text search found this hit' }) textRank?: number;
  @ApiProperty({ type: HitSourceDto }) source: HitSourceDto;
  @ApiPropertyOptional({ description: 'The whole passage (only when asked for with withText)' }) text?: string;
}

export class MemorySearchResultDto {
  @ApiProperty() query: string;
  @ApiProperty({ enum: MEMORY_LAYERS, isArray: true }) layers: MemoryLayer[];
  @ApiProperty({ type: [MemoryHitDto] }) hits: MemoryHitDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Embedding model used for the vector part, if any' })
  vectorModel: string | null;
  @ApiProperty({
    type: [String],
    description: 'What the caller should know: nothing found, vector search unavailable (full-text only), a fallback model…',
  })
  notices: string[];
}
