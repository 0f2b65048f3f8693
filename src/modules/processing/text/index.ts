// The text building blocks of ingestion, in the order the ingestion job uses them:
// detectDocumentType → extractText → cleanText → chunkText.
export { chunkText, type ChunkOptions, type TextChunk } from './chunk-text.js';
export { cleanText, type CleanedText } from './clean-text.js';
export { detectDocumentType } from './detect-document-type.js';
export { DOCUMENT_TYPES, type DocumentHints, type DocumentType } from './document-type.js';
export { extractText } from './extract-text.js';
export type { ExtractedText, ExtractionLimits, ExtractionOptions, PageRange } from './extracted-text.js';
export { DocumentUnreadableError, EmptyDocumentError, isExtractionError, UnsupportedMediaTypeError } from './extraction.errors.js';
export type { PdfUnreadableReason } from './pdf-worker-runner.js';
export { approximateTokenCounter, type TokenCounter } from './token-counter.js';
