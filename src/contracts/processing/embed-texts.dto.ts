import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export const EMBED_LIMITS = { texts: 256, textChars: 32_000 } as const;

/** Contract payload: embed texts with a registry model (the default of the use when none is named). */
export class EmbedTextsCommand {
  @MaxLength(EMBED_LIMITS.textChars, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(EMBED_LIMITS.texts)
  @ArrayMinSize(1)
  @IsArray()
  texts: string[];

  /** A model id of embeddings.models; unknown ids fail with ModelNotFoundError. */
  @MaxLength(200) @IsString() @IsOptional() model?: string;

  @IsIn(['queries', 'documents', 'conversations']) @IsOptional() use?: 'queries' | 'documents' | 'conversations';
}

export class EmbedTextsResultDto {
  @ApiProperty({ description: 'The model that embedded (after any fallback)' }) model: string;
  @ApiProperty() dimensions: number;
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'number' } } }) vectors: number[][];
  @ApiProperty({ description: 'Tokens counted by the model tokenizer (estimated when it has none)' }) tokens: number;
}

export class ListEmbeddingModelsQuery {}

export class EmbeddingModelInfoDto {
  @ApiProperty() id: string;
  @ApiProperty() provider: string;
  @ApiProperty() dimensions: number;
}
