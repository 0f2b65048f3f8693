import { truncationWarning } from './cap-text.js';
import { decodeText } from './decode-text.js';
import type { ExtractedText } from './extracted-text.js';
import { htmlToText } from './html-to-text.js';

/** An HTML page as text (see htmlToText), its title from <title> or else the first <h1>. */
export function extractHtml(bytes: Uint8Array, maxChars: number): ExtractedText {
  const decoded = decodeText(bytes);
  let source = decoded.text;
  const warnings = decoded.warnings;
  if (decoded.encoding === 'windows-1252') {
    // Not UTF-8: the page may say what it is (Shift_JIS, ISO-8859-2...), and then that wins.
    const declared = declaredCharset(bytes);
    if (declared && declared.encoding !== 'utf-8') {
      source = declared.decode(bytes);
      warnings.splice(0, warnings.length, `the page was read as ${declared.encoding}, as its <meta charset> says`);
    }
  }
  const { text, title, truncated } = htmlToText(source, maxChars);
  return { text, ...(title ? { title } : {}), truncated, warnings: [...warnings, ...(truncated ? [truncationWarning(maxChars)] : [])] };
}

function declaredCharset(bytes: Uint8Array): InstanceType<typeof TextDecoder> | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 2048)).toString('latin1');
  const label = /<meta[^>]{0,200}?charset\s*=\s*["']?([\w.:-]{1,40})/i.exec(head)?.[1];
  if (!label) return undefined;
  try {
    return new TextDecoder(label);
  } catch {
    return undefined;
  }
}
