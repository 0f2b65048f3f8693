import { EmptyDocumentError, UnsupportedMediaTypeError } from '../../../contracts/errors.js';
import { htmlEvidence, isSvg, markdownScore } from './content-heuristics.js';
import { decodeText } from './decode-text.js';
import { type DocumentHints, type DocumentType, hintedDocumentType } from './document-type.js';
import { isPdf, matchFileSignature } from './file-signature.js';

/** The heuristics look at this many characters from the start of the text. */
const SAMPLE_CHARS = 64 * 1024;

/** Kinds of Markdown syntax needed to call a text Markdown: fewer without a name, more if named .txt. */
const MARKDOWN_THRESHOLD = { unnamed: 2, namedText: 3 } as const;

const SUPPORTED = 'TARS ingests plain text, Markdown, HTML and PDF';

/**
 * Finds what a document is from its bytes; the file name and MIME type only break ties
 * (Markdown or plain text, HTML fragment or text). Throws EmptyDocumentError (HTTP 400) for
 * no content and UnsupportedMediaTypeError (HTTP 415) for anything that is not one of the
 * supported types, with `details.detected` naming what it is.
 */
export function detectDocumentType(bytes: Uint8Array, hints: DocumentHints = {}): DocumentType {
  if (bytes.length === 0) throw new EmptyDocumentError('the document is empty (0 bytes)');
  const signature = matchFileSignature(bytes);
  if (signature) {
    throw new UnsupportedMediaTypeError(`unsupported content: ${signature.description}; ${SUPPORTED}`, {
      detected: signature.name,
    });
  }
  if (isPdf(bytes)) return 'pdf';
  // The whole text passes the binary check (binary data may start with a text header).
  const text = decodeText(bytes).text;
  if (text.trim() === '') throw new EmptyDocumentError('the document contains only whitespace');
  const sample = text.slice(0, SAMPLE_CHARS);
  if (isSvg(sample)) throw new UnsupportedMediaTypeError(`unsupported content: an SVG image; ${SUPPORTED}`, { detected: 'svg' });

  const hinted = hintedDocumentType(hints);
  if (looksLikeHtml(sample, hinted)) return 'html';
  return looksLikeMarkdown(sample, hinted) ? 'markdown' : 'text';
}

function looksLikeHtml(sample: string, hinted: DocumentType | undefined): boolean {
  const html = htmlEvidence(sample);
  if (html.declared) return true;
  if (hinted === 'html') return html.distinctTags >= 1;
  if (hinted === 'markdown') return false;
  // Markdown may embed HTML (a README opening with <p align="center">): syntax of its own wins.
  const markdown = markdownScore(sample);
  if (html.startsWithTag && html.distinctTags >= 2) return markdown < 2;
  return html.distinctTags >= 4 && markdown === 0;
}

function looksLikeMarkdown(sample: string, hinted: DocumentType | undefined): boolean {
  // Plain text is valid Markdown, so a name saying Markdown settles it.
  if (hinted === 'markdown') return true;
  const threshold = hinted === 'text' ? MARKDOWN_THRESHOLD.namedText : MARKDOWN_THRESHOLD.unnamed;
  return markdownScore(sample) >= threshold;
}
