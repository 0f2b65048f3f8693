import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../page.dto.js';

export const DOCUMENT_STATUSES = ['queued', 'processing', 'indexed', 'failed'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];
export const DOCUMENT_TYPES = ['text', 'markdown', 'html', 'pdf'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** A document as TARS keeps it: what was uploaded and how far its ingestion got. */
export class DocumentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'File name given at upload, if any' }) filename: string;
  @ApiProperty({ description: 'Title found in the content (HTML title, first heading), if any' }) title: string;
  @ApiProperty({ enum: DOCUMENT_TYPES, description: 'Type detected from the content' }) type: DocumentType;
  @ApiProperty() sizeBytes: number;
  @ApiProperty({ description: 'SHA-256 of the content' }) contentHash: string;
  @ApiProperty({ enum: DOCUMENT_STATUSES }) status: DocumentStatus;
  @ApiProperty({ nullable: true, type: String, description: 'Why ingestion failed' }) failureReason: string | null;
  @ApiProperty() chunkCount: number;
  @ApiProperty({ nullable: true, type: String, description: 'Embedding model that made its vectors' }) embeddingModel: string | null;
  @ApiProperty({ description: 'The text was longer than processing.maxDocumentChars and was cut' }) truncated: boolean;
  @ApiProperty({ description: 'Processing attempts so far' }) attempts: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) indexedAt: string | null;
}

/** Contract payload: turn an upload into a document and queue its ingestion. */
export class SubmitDocumentCommand {
  @IsUUID('all') documentId: string;
  @IsUUID('all') uploadId: string;
  @Matches(/^[0-9a-f]{64}$/) contentHash: string;
  @IsInt() @Min(1) sizeBytes: number;
  @IsOptional() @IsString() @MaxLength(255) filename?: string;
  @IsOptional() @IsString() @MaxLength(255) mimeType?: string;
}

export class SubmitDocumentResultDto {
  @ApiProperty({ type: DocumentDto }) document: DocumentDto;
  @ApiProperty({ description: 'True when the same content was already stored: nothing new was queued' }) duplicate: boolean;
}

export class DocumentIdQuery {
  @IsUUID('all') id: string;
}

/** Query string of GET /documents, and the contract payload of listDocuments. */
export class ListDocumentsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DOCUMENT_STATUSES })
  @IsIn(DOCUMENT_STATUSES)
  @IsOptional()
  status?: DocumentStatus;
}

export class DocumentListDto {
  @ApiProperty({ type: [DocumentDto] }) documents: DocumentDto[];
  @ApiProperty({ description: 'Documents matching the filter, in all pages' }) total: number;
}
