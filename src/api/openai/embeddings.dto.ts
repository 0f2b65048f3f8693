import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, MaxLength, Min, MinLength } from 'class-validator';
import { EMBED_LIMITS } from '../../contracts/processing/embed-texts.dto.js';

export const ENCODING_FORMATS = ['float', 'base64'] as const;
export type EncodingFormat = (typeof ENCODING_FORMATS)[number];

const asList = ({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value);

/** Body of POST /v1/embeddings: OpenAI's request, with texts only (no token arrays). */
export class EmbeddingsRequestDto {
  @ApiProperty({
    oneOf: [
      { type: 'string', minLength: 1, maxLength: EMBED_LIMITS.textChars },
      { type: 'array', items: { type: 'string', minLength: 1, maxLength: EMBED_LIMITS.textChars }, minItems: 1, maxItems: EMBED_LIMITS.texts },
    ],
    description: 'A text or a list of texts',
  })
  @Transform(asList)
  @MinLength(1, { each: true, message: 'input must not contain empty strings' })
  @MaxLength(EMBED_LIMITS.textChars, { each: true })
  @IsString({ each: true, message: 'input must be a string or an array of strings (token arrays are not supported)' })
  @ArrayMaxSize(EMBED_LIMITS.texts)
  @ArrayMinSize(1, { message: 'input must not be empty' })
  @IsArray({ message: 'input must be a string or an array of strings' })
  input: string[];

  @ApiProperty({ description: 'An embedding model id (GET /v1/models, owned_by tars-embeddings)', example: 'minilm' })
  @MaxLength(200)
  @IsString()
  model: string;

  @ApiPropertyOptional({ enum: ENCODING_FORMATS, default: 'float', description: 'base64: the little-endian float32 bytes' })
  @IsIn(ENCODING_FORMATS)
  @IsOptional()
  encoding_format?: EncodingFormat;

  @ApiPropertyOptional({ description: "Must equal the model's own dimensions when given (TARS does not shorten vectors)" })
  @Min(1)
  @IsInt()
  @IsOptional()
  dimensions?: number;

  @ApiPropertyOptional({ description: 'Accepted and ignored' }) @MaxLength(256) @IsString() @IsOptional() user?: string;
}

export class EmbeddingDto {
  @ApiProperty({ enum: ['embedding'] }) object: 'embedding';
  @ApiProperty({ description: 'Position of the text in `input`' }) index: number;
  @ApiProperty({
    oneOf: [{ type: 'array', items: { type: 'number' } }, { type: 'string', format: 'byte' }],
    description: 'Numbers, or base64 of little-endian float32 values',
  })
  embedding: number[] | string;
}

export class EmbeddingUsageDto {
  @ApiProperty() prompt_tokens: number;
  @ApiProperty() total_tokens: number;
}

export class EmbeddingListDto {
  @ApiProperty({ enum: ['list'] }) object: 'list';
  @ApiProperty({ type: [EmbeddingDto] }) data: EmbeddingDto[];
  @ApiProperty({ description: 'The model that embedded (another one only when the requested one was unavailable and embeddings.fallback allowed it)' })
  model: string;
  @ApiProperty({ type: EmbeddingUsageDto }) usage: EmbeddingUsageDto;
}
