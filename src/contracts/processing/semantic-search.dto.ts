import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

/** Contract payload: the items whose vectors are nearest to the query's embedding. */
export class SemanticSearchQuery {
  @IsString() @MinLength(1) @MaxLength(2000) query: string;
  @Type(() => Number) @IsInt() @Min(1) @Max(200) k: number;
  @IsOptional() @IsIn(['queries', 'documents', 'conversations']) use?: 'queries' | 'documents' | 'conversations';
}

export interface SemanticHit {
  itemId: number;
  /** Cosine similarity (inner product of normalised vectors). */
  score: number;
}

export interface SemanticSearchResult {
  /** The model whose vectors were searched (after any fallback). */
  model: string;
  /** Set when the configured model could not be used. */
  fallbackFrom?: string;
  hits: SemanticHit[];
}
