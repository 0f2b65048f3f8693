import { EmptyDocumentError } from '../../../contracts/errors.js';
import type { DocumentType } from './document-type.js';
import type { ExtractedText, ExtractionLimits, ExtractionOptions } from './extracted-text.js';
import { extractHtml } from './html.extractor.js';
import { extractMarkdown } from './markdown.extractor.js';
import { extractPdf } from './pdf.extractor.js';
import { extractPlainText } from './plain-text.extractor.js';

/**
 * The text of a document of a detected type, at most `limits.maxDocumentChars` characters.
 * Throws EmptyDocumentError when nothing readable remains (a scanned PDF, a page of scripts),
 * UnsupportedMediaTypeError for binary content, and DocumentUnreadableError for a PDF that
 * cannot be read (`details.reason`: malformed, encrypted, timeout, memory_limit, parser_failed).
 */
export async function extractText(
  bytes: Uint8Array,
  type: DocumentType,
  limits: ExtractionLimits,
  options: ExtractionOptions = {},
): Promise<ExtractedText> {
  const extracted = await extractByType(bytes, type, limits, options);
  if (!/\S/.test(extracted.text)) {
    const message =
      type === 'pdf'
        ? 'the PDF has no text layer (scanned pages would need OCR, which TARS does not do)'
        : 'the document has no text once its markup is removed';
    throw new EmptyDocumentError(message, { type });
  }
  return extracted;
}

function extractByType(bytes: Uint8Array, type: DocumentType, limits: ExtractionLimits, options: ExtractionOptions): Promise<ExtractedText> {
  switch (type) {
    case 'pdf':
      return extractPdf(bytes, limits, options);
    case 'html':
      return Promise.resolve(extractHtml(bytes, limits.maxDocumentChars));
    case 'markdown':
      return Promise.resolve(extractMarkdown(bytes, limits.maxDocumentChars));
    case 'text':
      return Promise.resolve(extractPlainText(bytes, limits.maxDocumentChars));
  }
}
