/** Lines at each end of a page where running headers, footers and page numbers live (fewer on short pages). */
const EDGE_LINES = 3;
/** A header or footer must repeat on at least this many pages, and on half of them. */
const MIN_REPEATS = 3;
const MIN_SHARE_OF_PAGES = 0.5;

// "Page 3", "Page 3 of 10", "p. 3", "3 of 10", "3/10", "- 3 -", in a few languages.
const PAGE_NUMBER_LINE =
  /^(?:(?:page|p\.|seite|pagina|página)\s*\d{1,5}(?:\s*(?:of|\/|de|sur|von|di|van)\s*\d{1,5})?|\d{1,5}\s*(?:of|\/)\s*\d{1,5}|[-–—]\s*\d{1,5}\s*[-–—])$/i;

/** True for a line that only says which page this is. */
export function isPageNumberLine(line: string): boolean {
  return PAGE_NUMBER_LINE.test(line);
}

/**
 * Removes running headers and footers from pages given as arrays of (already trimmed) lines:
 * a line among the first or last few non-empty lines of a page whose text, digits aside, comes
 * back at the edge of many pages (bare page numbers "3", "4"... included). Returns new arrays. With fewer than MIN_REPEATS pages there is no evidence, and nothing is removed.
 */
export function removeRunningLines(pages: ReadonlyArray<ReadonlyArray<string>>): string[][] {
  if (pages.length < MIN_REPEATS) return pages.map((lines) => [...lines]);
  const edges = pages.map(edgeLineIndexes);
  const pagesByKey = new Map<string, number>();
  edges.forEach((indexes, page) => {
    const keys = new Set(indexes.map((i) => repeatKey(pages[page]![i]!)));
    for (const key of keys) pagesByKey.set(key, (pagesByKey.get(key) ?? 0) + 1);
  });
  const threshold = Math.max(MIN_REPEATS, Math.ceil(pages.length * MIN_SHARE_OF_PAGES));
  return pages.map((lines, page) => {
    const drop = new Set(
      edges[page]!.filter((i) => (pagesByKey.get(repeatKey(lines[i]!)) ?? 0) >= threshold),
    );
    return lines.filter((_, i) => !drop.has(i));
  });
}

function edgeLineIndexes(lines: ReadonlyArray<string>): number[] {
  const nonEmpty: number[] = [];
  lines.forEach((line, i) => {
    if (line !== '') nonEmpty.push(i);
  });
  // A short page (a slide) is mostly body: only a third of its lines count as edges.
  const edge = Math.min(EDGE_LINES, Math.floor(nonEmpty.length / 3));
  if (edge === 0) return [];
  return [...nonEmpty.slice(0, edge), ...nonEmpty.slice(-edge)];
}

/** Running lines differ only by their numbers ("Page 3", "Page 4"; "Report 2024 - 7"). */
function repeatKey(line: string): string {
  return line.toLowerCase().replace(/\d+/g, '#');
}
