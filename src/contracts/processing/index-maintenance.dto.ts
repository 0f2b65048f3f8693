import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** Contract payload of compactIndexes: rebuild the FAISS index of one model (or all) without removed items. */
export class CompactIndexesCommand {
  @Matches(/^[A-Za-z0-9._-]+$/) @IsOptional() model?: string;
}

/** Vector counts of one index. */
export interface IndexCountsDto {
  /** Searchable vectors. */
  live: number;
  /** Vectors in the faiss index, removed ones included. */
  stored: number;
  tombstones: number;
}

export interface IndexCompactionDto {
  model: string;
  /** compacted, or failed (the index was not available: `error` says why). */
  state: 'compacted' | 'failed';
  before?: IndexCountsDto;
  after?: IndexCountsDto;
  error?: string;
}

export interface IndexCompactionResultDto {
  /** The processing node that compacted its indexes. */
  node: string;
  models: IndexCompactionDto[];
}

/** Contract payload of backupIndexes: snapshot every index into <dataDir>/backups/index/<timestamp>/, keeping the newest `keep`. */
export class BackupIndexesCommand {
  @Type(() => Number) @IsInt() @Min(1) @Max(1000) keep: number;
}

export interface BackupFileDto {
  /** Relative to the backup folder, e.g. `minilm/index-3.faiss`. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface BackupModelDto {
  model: string;
  /** saved: its files are in the backup; missing: the model had no saved index to copy (`reason`). */
  state: 'saved' | 'missing';
  reason?: string;
  /** The highest vector change the saved index includes. */
  watermark?: number;
  live?: number;
  files: BackupFileDto[];
}

export interface IndexBackupResultDto {
  node: string;
  /** The backup folder on that node. */
  path: string;
  createdAt: string;
  models: BackupModelDto[];
  /** Older backup folders deleted to keep `keep`. */
  removed: string[];
}
