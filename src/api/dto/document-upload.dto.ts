import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** JSON form of POST /documents: the text itself (a file upload uses multipart/form-data instead). */
export class DocumentTextDto {
  @ApiPropertyOptional({ description: 'The document text (JSON uploads; send files as multipart field `file`)' })
  @MinLength(1, { message: 'text must not be empty' })
  @IsString()
  text: string;

  @ApiPropertyOptional({ description: 'A file name; its extension helps tell Markdown from plain text', example: 'notes.md' })
  @MaxLength(255)
  @IsString()
  @IsOptional()
  filename?: string;
}
