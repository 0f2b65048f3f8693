/** A piece of a search snippet, marked when the search matched it. */
export interface SnippetPart {
  text: string;
  marked: boolean;
}

/**
 * Splits a memory-search snippet, whose matched words come as `**word**`, into plain and marked
 * pieces (rendered as text nodes and <mark>, never parsed as HTML). A `**` without its pair stays text.
 */
export function snippetParts(snippet: string): SnippetPart[] {
  const pieces = snippet.split('**');
  const parts: SnippetPart[] = [];
  const push = (text: string, marked: boolean) => {
    if (text === '') return;
    const last = parts.at(-1);
    if (last && last.marked === marked) last.text += text;
    else parts.push({ text, marked });
  };
  // Odd positions are between a pair of markers; a last odd piece has no closing marker.
  const paired = pieces.length % 2 === 1 ? pieces.length : pieces.length - 1;
  pieces.forEach((piece, i) => {
    if (i >= paired) push(`**${piece}`, false);
    else push(piece, i % 2 === 1);
  });
  return parts;
}
