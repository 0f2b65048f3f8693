import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDateString, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { SCOPES, type Scope } from '../../platform/auth/scopes.js';

export class CreateApiKeyDto {
  @ApiProperty({ maxLength: 100, example: 'laptop' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['read', 'write'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SCOPES.length)
  @IsIn(SCOPES, { each: true })
  scopes: Scope[];

  @ApiPropertyOptional({ format: 'date-time', description: 'When the key stops working' })
  @IsOptional()
  @IsDateString()
  expiresAt?: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'The first characters of the key, to recognise it', example: 'tars_3fK9a2q' }) prefix: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes: Scope[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt: string | null;
}

export class CreatedApiKeyDto {
  @ApiProperty({ description: 'The key itself. It is shown this once and cannot be recovered.' }) key: string;
  @ApiProperty({ type: ApiKeyDto }) apiKey: ApiKeyDto;
}
