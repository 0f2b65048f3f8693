import { isPageNumberLine, removeRunningLines } from './boilerplate.js';
import type { PageRange } from './extracted-text.js';

/** A cleaned text; `pages` (when pages were given) are ranges of the cleaned text. */
export interface CleanedText {
  text: string;
  pages?: PageRange[];
}

/** Separates cleaned pages (and form-feed sections): each starts a paragraph. */
const SEGMENT_SEPARATOR = '\n\n';

/**
 * Cleans extracted text for chunking: Unicode NFKC; line breaks unified; control and invisible
 * format characters removed (tab and line feed kept); horizontal whitespace runs collapsed and
 * lines trimmed; running headers/footers repeated across pages and "Page 3 of 10" lines removed;
 * words hyphenated across a line break rejoined; at most one blank line in a row.
 *
 * Pages (from a PDF) are cleaned one by one so that their ranges stay exact: the result's
 * `pages` point into the cleaned text. Without pages, form feeds split the text into pages for
 * header/footer detection (text exported from PDFs uses them).
 */
export function cleanText(text: string, pages?: ReadonlyArray<PageRange>): CleanedText {
  const segments: Segment[] = pages ? pageSegments(text, pages) : text.split('\f').map((part) => ({ text: part }));
  const lines = segments.map((segment) => toLines(segment.text));
  const paged = segments.map((segment) => segment.page !== undefined || !pages);
  const cleanedPages = removeRunningLines(lines.filter((_, i) => paged[i]));

  let nextPage = 0;
  const parts: string[] = [];
  const ranges: PageRange[] = [];
  let length = 0;
  segments.forEach((segment, i) => {
    const body = finishSegment(paged[i] ? cleanedPages[nextPage++]! : lines[i]!);
    if (body !== '') {
      if (parts.length > 0) {
        parts.push(SEGMENT_SEPARATOR);
        length += SEGMENT_SEPARATOR.length;
      }
      parts.push(body);
    }
    if (segment.page !== undefined) ranges.push({ page: segment.page, start: length, end: length + body.length });
    length += body.length;
  });
  return { text: parts.join(''), ...(pages ? { pages: ranges } : {}) };
}

interface Segment {
  text: string;
  page?: number;
}

/** The pages and whatever text lies between them, in order (ranges sorted and clamped). */
function pageSegments(text: string, pages: ReadonlyArray<PageRange>): Segment[] {
  const segments: Segment[] = [];
  let position = 0;
  for (const range of [...pages].sort((a, b) => a.start - b.start)) {
    const start = Math.min(Math.max(range.start, position), text.length);
    const end = Math.min(Math.max(range.end, start), text.length);
    if (start > position) segments.push({ text: text.slice(position, start) });
    segments.push({ text: text.slice(start, end), page: range.page });
    position = end;
  }
  if (position < text.length) segments.push({ text: text.slice(position) });
  return segments;
}

// Invisible format characters except the joiners (ZWJ builds emoji, ZWNJ is spelling in
// Persian and Indic scripts) and the soft hyphen (needed to rejoin words, removed after).
const FORMAT_CHARACTERS = /(?!\u200C|\u200D|\u00AD)\p{Cf}/gu;
// C0 and C1 controls but tab and line feed (carriage returns are line feeds by then).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\0-\x08\x0B-\x1F\x7F-\x9F]/g;
const LONE_SURROGATE = /\p{Cs}/gu;

/** Normalised, invisible characters removed, split into trimmed lines with collapsed spaces. */
function toLines(text: string): string[] {
  const normalized = text
    .normalize('NFKC')
    .replace(/\r\n?|[\u2028\u2029\v\f]/g, '\n')
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(CONTROL_CHARACTERS, '')
    .replace(FORMAT_CHARACTERS, '');
  return normalized.split('\n').map((line) => line.replace(/[^\S\n]+/g, (run) => (/^\t+$/.test(run) ? '\t' : ' ')).trim());
}

/** Page-number lines out, hyphenated words rejoined, blank-line runs squeezed. */
function finishSegment(lines: ReadonlyArray<string>): string {
  return lines
    .filter((line) => !isPageNumberLine(line))
    .join('\n')
    .replace(/(\p{L})[-\u2010\u00AD]\n(?=\p{Ll})/gu, '$1')
    .replace(/\u00AD/g, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
