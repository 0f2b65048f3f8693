import type { PageRange } from './extracted-text.js';

interface Span {
  start: number;
  end: number;
  pageStart?: number;
  pageEnd?: number;
}

/**
 * Gives each span the first and last page its characters fall on (a span starting in the gap
 * between two pages begins on the next one). Spans must be ordered by start with non-decreasing
 * ends, as chunks are; one pass over spans and pages.
 */
export function assignPages<T extends Span>(spans: T[], pages: ReadonlyArray<PageRange>): T[] {
  const ordered = pages.filter((p) => p.end > p.start).sort((a, b) => a.start - b.start);
  let first = 0;
  let last = 0;
  return spans.map((span) => {
    while (first < ordered.length && ordered[first]!.end <= span.start) first++;
    while (last + 1 < ordered.length && ordered[last + 1]!.start < span.end) last++;
    const startPage = ordered[first];
    const endPage = ordered[last];
    if (!startPage || !endPage || startPage.start >= span.end || endPage.end <= span.start) return span;
    return { ...span, pageStart: startPage.page, pageEnd: endPage.page };
  });
}
