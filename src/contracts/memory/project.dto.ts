import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDateString,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { PageQuery } from '../page.dto.js';

const normaliseWords = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? [...new Set(value.map((w) => (typeof w === 'string' ? w.trim().toLowerCase() : w)))] : value;

/** What a caller sends to record a project (memory layer 2). */
export class ProjectInputDto {
  @ApiProperty({ maxLength: 200, example: 'Kitchen renovation' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @MaxLength(200)
  @MinLength(1, { message: 'name must not be empty' })
  @IsString()
  name: string;

  @ApiPropertyOptional({ maxLength: 20_000, description: 'What the project was about and how it ended' })
  @MaxLength(20_000)
  @IsString()
  @IsOptional()
  summary?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 32 })
  @Transform(normaliseWords)
  @Matches(/^[^\s,]{1,64}$/, { each: true, message: 'each tag must be one word of at most 64 characters' })
  @ArrayMaxSize(32)
  @IsArray()
  @IsOptional()
  tags?: string[];

  @ApiPropertyOptional({ type: [String], maxItems: 64, description: 'Words or short phrases to find the project by' })
  @Transform(normaliseWords)
  @MaxLength(100, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(64)
  @IsArray()
  @IsOptional()
  keywords?: string[];

  @ApiPropertyOptional({ format: 'date-time' }) @IsDateString() @IsOptional() startedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsDateString() @IsOptional() endedAt?: string;
}

export class CreateProjectCommand extends ProjectInputDto {
  @IsUUID('all') id: string;
}

export class ProjectDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() summary: string;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ type: [String] }) keywords: string[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) startedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) endedAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class ProjectListDto {
  @ApiProperty({ type: [ProjectDto] }) projects: ProjectDto[];
  @ApiProperty() total: number;
}

export class ListProjectsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only projects with this tag' })
  @MaxLength(64)
  @IsString()
  @IsOptional()
  tag?: string;
}

export class ProjectIdQuery {
  @IsUUID('all') id: string;
}
