import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { DocumentStatus, DocumentType } from '../../../contracts/processing/document.dto.js';

/** A document and the state of its ingestion. */
@Entity({ name: 'documents' })
export class DocumentEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'upload_id' }) uploadId: string;
  @Column('text', { name: 'content_hash' }) contentHash: string;
  @Column('text') filename: string;
  @Column('text', { name: 'declared_type' }) declaredType: string;
  @Column('text', { name: 'detected_type' }) detectedType: DocumentType;
  @Column('integer', { name: 'size_bytes' }) sizeBytes: number;
  @Column('text') title: string;
  @Column('text') status: DocumentStatus;
  @Column('text', { name: 'failure_reason', nullable: true }) failureReason: string | null;
  @Column('integer', { name: 'chunk_count' }) chunkCount: number;
  @Column('text', { name: 'embedding_model', nullable: true }) embeddingModel: string | null;
  @Column('boolean') truncated: boolean;
  @Column('integer') attempts: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
  @Column('timestamptz', { name: 'indexed_at', nullable: true }) indexedAt: Date | null;
}
