import { capText, truncationWarning } from './cap-text.js';
import { decodeText } from './decode-text.js';
import type { ExtractedText } from './extracted-text.js';
import { markdownToText } from './markdown-to-text.js';

/** Markdown syntax takes room: decode this many source characters per character kept. */
const SOURCE_CHARS_PER_KEPT_CHAR = 2;

/** A Markdown document as readable text, with its title (front matter `title:` or first heading). */
export function extractMarkdown(bytes: Uint8Array, maxChars: number): ExtractedText {
  const decoded = decodeText(bytes, maxChars * SOURCE_CHARS_PER_KEPT_CHAR);
  const { text, title } = markdownToText(decoded.text);
  const capped = capText(text, maxChars);
  const truncated = capped.truncated || decoded.cut;
  return {
    text: capped.text,
    ...(title ? { title } : {}),
    truncated,
    warnings: [...decoded.warnings, ...(truncated ? [truncationWarning(maxChars)] : [])],
  };
}
