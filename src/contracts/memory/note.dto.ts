import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';

export const NOTE_LIMITS = { title: 200, text: 100_000, tags: 32, tag: 64 } as const;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const normaliseTags = ({ value }: { value: unknown }) =>
  Array.isArray(value)
    ? [...new Set(value.map((tag) => (typeof tag === 'string' ? tag.trim().toLowerCase() : tag)))]
    : value;

/** What a caller sends to store a note. */
export class NoteInputDto {
  @ApiProperty({ maxLength: NOTE_LIMITS.title, example: 'Boiler service' })
  @Transform(trim)
  @MaxLength(NOTE_LIMITS.title)
  @MinLength(1, { message: 'title must not be empty' })
  @IsString()
  title: string;

  @ApiProperty({ maxLength: NOTE_LIMITS.text, example: 'The boiler was serviced on 3 March; next visit in spring.' })
  @MaxLength(NOTE_LIMITS.text)
  @MinLength(1, { message: 'text must not be empty' })
  @IsString()
  text: string;

  @ApiPropertyOptional({ type: [String], maxItems: NOTE_LIMITS.tags, example: ['house', 'maintenance'] })
  @Transform(normaliseTags)
  @Matches(/^[^\s,]+$/, { each: true, message: 'each tag must be one word without spaces or commas' })
  @MaxLength(NOTE_LIMITS.tag, { each: true })
  @MinLength(1, { each: true, message: 'tags must not be empty' })
  @IsString({ each: true })
  @ArrayMaxSize(NOTE_LIMITS.tags)
  @IsArray()
  @IsOptional()
  tags?: string[];
}

/** Contract payload: store a note under an id chosen by the caller, so that a retry cannot store it twice. */
export class CreateNoteCommand extends NoteInputDto {
  @IsUUID('all')
  id: string;
}

/** Contract payload: read one note. */
export class GetNoteQuery {
  @IsUUID('all')
  id: string;
}

/** A stored note. Dates are ISO strings so that the local and the NATS binding return the same data. */
export class NoteDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() text: string;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
