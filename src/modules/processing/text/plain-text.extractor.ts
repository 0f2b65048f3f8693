import { capText, truncationWarning } from './cap-text.js';
import { decodeText } from './decode-text.js';
import type { ExtractedText } from './extracted-text.js';

/** A plain text document as it is; only the first `maxChars` characters are even decoded. */
export function extractPlainText(bytes: Uint8Array, maxChars: number): ExtractedText {
  const decoded = decodeText(bytes, maxChars);
  const capped = capText(decoded.text, maxChars);
  const truncated = capped.truncated || decoded.cut;
  return { text: capped.text, truncated, warnings: [...decoded.warnings, ...(truncated ? [truncationWarning(maxChars)] : [])] };
}
