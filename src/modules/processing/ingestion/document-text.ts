import type { TarsConfigValues } from '../../../config/config.schema.js';
import { ValidationFailedError } from '../../../contracts/errors.js';
import type { DocumentType } from '../../../contracts/processing/document.dto.js';
import { chunkText, type TextChunk } from '../text/chunk-text.js';
import { cleanText } from '../text/clean-text.js';
import { extractText } from '../text/extract-text.js';
import type { PageRange } from '../text/extracted-text.js';
import { isExtractionError } from '../text/extraction.errors.js';
import type { TokenCounter } from '../text/token-counter.js';

/** A document's text, extracted and cleaned, with page ranges valid in the cleaned text. */
export interface DocumentText {
  text: string;
  title?: string;
  pages?: PageRange[];
  truncated: boolean;
}

/** Extraction (in a worker for PDFs, with limits) then cleaning. */
export async function readDocumentText(
  bytes: Uint8Array,
  type: DocumentType,
  limits: TarsConfigValues['processing'],
): Promise<DocumentText> {
  const extracted = await extractText(bytes, type, { maxDocumentChars: limits.maxDocumentChars, pdf: limits.pdf });
  const cleaned = cleanText(extracted.text, extracted.pages);
  return { text: cleaned.text, title: extracted.title, pages: cleaned.pages, truncated: extracted.truncated };
}

/** The chunks of a document, each with its character range (and pages) for citations. */
export function splitIntoChunks(
  document: DocumentText,
  counter: TokenCounter,
  chunking: TarsConfigValues['processing']['chunking'],
): TextChunk[] {
  return chunkText(document.text, { ...chunking, counter, pages: document.pages });
}

/** Errors that retrying cannot fix: the content itself cannot be read. */
export function isPermanentIngestionError(err: unknown): boolean {
  return isExtractionError(err) || err instanceof ValidationFailedError;
}
