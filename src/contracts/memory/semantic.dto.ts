import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** One chunk of a document with its vector, as the processing module hands it to memory. */
export class ChunkToStore {
  @IsInt() @Min(0) index: number;
  @IsString() @MinLength(1) @MaxLength(100_000) text: string;
  @IsInt() @Min(0) start: number;
  @IsInt() @Min(0) end: number;
  @IsOptional() @IsInt() @Min(1) pageStart?: number;
  @IsOptional() @IsInt() @Min(1) pageEnd?: number;
  /** Float32 little-endian bytes of the vector, base64. */
  @IsString() @MaxLength(200_000) vector: string;
}

/** Contract payload: store chunks of a document in layer 3. Idempotent per (document, chunk index, model). */
export class StoreChunksCommand {
  @IsUUID('all') documentId: string;
  @IsString() @MaxLength(500) title: string;
  @Matches(/^[A-Za-z0-9._-]+$/) model: string;
  @IsInt() @Min(1) dimensions: number;
  @IsArray() @ArrayMaxSize(500) @ValidateNested({ each: true }) @Type(() => ChunkToStore) chunks: ChunkToStore[];
}

export class DocumentItemsCommand {
  @IsUUID('all') documentId: string;
}

/** Contract payload: vectors of one model changed after a sequence number (for FAISS to catch up). */
export class ScanVectorsQuery {
  @Matches(/^[A-Za-z0-9._-]+$/) model: string;
  @Type(() => Number) @IsInt() @Min(0) afterSequence: number;
  @Type(() => Number) @IsInt() @Min(1) @Max(2000) limit: number;
}

export interface ScannedVector {
  itemId: number;
  sequence: number;
  /** Base64 float32 bytes; null for a deleted vector (tombstone). */
  vector: string | null;
  deleted: boolean;
}

export interface ScanVectorsResult {
  vectors: ScannedVector[];
  /** The highest sequence of this model's vectors right now. */
  latestSequence: number;
}

export interface StoreChunksResult {
  /** Ids of the semantic items, in the order of the chunks given. */
  itemIds: number[];
}

/** Encodes a vector for the wire: float32 little-endian, base64. */
export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

/** Decodes a vector from the wire form. */
export function decodeVector(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
