import type { DocumentType } from '../../../contracts/processing/document.dto.js';

// The kinds of document TARS can ingest are defined once, by the processing contract.
export { DOCUMENT_TYPES, type DocumentType } from '../../../contracts/processing/document.dto.js';

/** What the uploader said about the file; content decides, these only break ties. */
export interface DocumentHints {
  filename?: string;
  mimeType?: string;
}

// Maps, not object literals: a file named "x.constructor" must not find Object.prototype.
const TYPE_BY_EXTENSION: ReadonlyMap<string, DocumentType> = new Map([
  ['txt', 'text'],
  ['text', 'text'],
  ['log', 'text'],
  ['md', 'markdown'],
  ['markdown', 'markdown'],
  ['mdown', 'markdown'],
  ['mkd', 'markdown'],
  ['mdx', 'markdown'],
  ['html', 'html'],
  ['htm', 'html'],
  ['xhtml', 'html'],
  ['pdf', 'pdf'],
]);

const TYPE_BY_MIME: ReadonlyMap<string, DocumentType> = new Map([
  ['text/plain', 'text'],
  ['text/markdown', 'markdown'],
  ['text/x-markdown', 'markdown'],
  ['text/html', 'html'],
  ['application/xhtml+xml', 'html'],
  ['application/pdf', 'pdf'],
]);

/** The type the hints claim, if any: a known file extension first, then a known MIME type. */
export function hintedDocumentType(hints: DocumentHints = {}): DocumentType | undefined {
  const extension = hints.filename?.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  const byName = extension ? TYPE_BY_EXTENSION.get(extension) : undefined;
  if (byName) return byName;
  const mime = hints.mimeType?.toLowerCase().split(';')[0]?.trim();
  return mime ? TYPE_BY_MIME.get(mime) : undefined;
}
