import { DocumentUnreadableError } from '../../../contracts/errors.js';
import { capText, truncationWarning } from './cap-text.js';
import type { ExtractedText, ExtractionLimits, PageRange } from './extracted-text.js';
import { type PdfWorkerOptions, runPdfWorker } from './pdf-worker-runner.js';

/** Pages are joined by a blank line, so each page starts a paragraph. */
const PAGE_SEPARATOR = '\n\n';

/**
 * A PDF's text, page by page, read in a child process under the limits of `processing.pdf`.
 * Throws DocumentUnreadableError with `details.reason` 'encrypted', 'malformed', 'timeout',
 * 'memory_limit' or 'parser_failed'.
 */
export async function extractPdf(bytes: Uint8Array, limits: ExtractionLimits, options: PdfWorkerOptions = {}): Promise<ExtractedText> {
  const reply = await runPdfWorker(bytes, limits, options);
  if (!reply.ok) throw new DocumentUnreadableError(reply.message, { reason: reply.reason });

  const parts: string[] = [];
  const pages: PageRange[] = [];
  let length = 0;
  for (const { page, text } of reply.pages) {
    if (parts.length > 0) {
      parts.push(PAGE_SEPARATOR);
      length += PAGE_SEPARATOR.length;
    }
    parts.push(text);
    pages.push({ page, start: length, end: length + text.length });
    length += text.length;
  }
  const capped = capText(parts.join(''), limits.maxDocumentChars);
  const keptPages = capped.truncated
    ? pages.filter((range) => range.start < capped.text.length).map((range) => ({ ...range, end: Math.min(range.end, capped.text.length) }))
    : pages;
  const cut = capped.truncated || reply.cutAtChars;
  return {
    text: capped.text,
    ...(reply.title ? { title: reply.title } : {}),
    pages: keptPages,
    truncated: cut || reply.pageLimitHit,
    warnings: [...reply.warnings, ...(cut ? [truncationWarning(limits.maxDocumentChars)] : [])],
  };
}
