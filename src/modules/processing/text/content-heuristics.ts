/** Markup evidence found at the start of a text. */
export interface HtmlEvidence {
  /** A doctype or an <html>/<head>/<body> element opens the text (after comments): certainly HTML. */
  declared: boolean;
  /** The first non-blank character opens a known HTML element. */
  startsWithTag: boolean;
  /** How many different known HTML elements appear. */
  distinctTags: number;
}

const LEADING_COMMENTS = String.raw`^\s*(?:<\?xml[^>]{0,200}>\s*)?(?:<!--[\s\S]{0,2000}?-->\s*)*`;
const DECLARED_HTML = new RegExp(`${LEADING_COMMENTS}(?:<!doctype\\s+html|<html[\\s>]|<head[\\s>]|<body[\\s>])`, 'i');
const SVG = new RegExp(`${LEADING_COMMENTS}(?:<!doctype\\s+svg[^>]{0,500}>\\s*)?<svg[\\s>]`, 'i');
const KNOWN_TAG =
  /<(html|head|body|title|meta|link|script|style|div|span|p|a|img|br|hr|table|thead|tbody|tr|td|th|ul|ol|li|dl|dt|dd|h[1-6]|section|article|nav|header|footer|main|aside|form|input|button|em|strong|b|i|code|pre|blockquote|figure|iframe)(?=[\s>/])/gi;

/** Inspects the first part of a text for HTML markup. */
export function htmlEvidence(sample: string): HtmlEvidence {
  const tags = new Set<string>();
  for (const match of sample.matchAll(KNOWN_TAG)) tags.add(match[1]!.toLowerCase());
  const firstTag = /^\s*<([a-z][a-z0-9]*)/i.exec(sample)?.[1]?.toLowerCase();
  return {
    declared: DECLARED_HTML.test(sample),
    startsWithTag: firstTag !== undefined && tags.has(firstTag),
    distinctTags: tags.size,
  };
}

/** An SVG image is XML text, but an image: it is refused, not ingested as text. */
export function isSvg(sample: string): boolean {
  return SVG.test(sample);
}

// Quantifiers are bounded so that a pathological line (thousands of unclosed brackets) stays linear.
// Each kind of Markdown syntax counts once, however often it appears: a plain text with many
// dashes at line starts is still plain text, a text with headings, links and code is Markdown.
const MARKDOWN_FEATURES: ReadonlyArray<RegExp> = [
  /^#{1,6}[ \t]+\S/m, // ATX heading
  /^[ \t]*\S[^\n]*\n={3,}[ \t]*$/m, // setext heading
  /^[ \t]{0,3}(?:```|~~~)/m, // fenced code
  /!?\[[^\]\n]{1,300}\]\([^)\s]{1,500}(?:[ \t]+"[^"\n]{0,200}")?\)/, // inline link or image
  /^[ \t]{0,3}\[[^\]\n]{1,300}\]:[ \t]+\S/m, // link reference definition
  /(?:\*\*|__)\S[^\n]{0,200}?\S(?:\*\*|__)/, // strong emphasis
  /(?:^|[\s(])`[^`\n]{1,200}`/m, // code span
  /^\|[^\n]*\|[ \t]*\n\|?[ \t]*:?-{3,}/m, // table
  /^---[ \t]*\n(?:[A-Za-z_][\w-]*:[^\n]*\n)+---[ \t]*$/, // YAML front matter
  /^(?:[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+\S[^\n]*\n){2}/m, // a list of at least two items
  /^>[ \t]?\S/m, // block quote
];

/** How many different kinds of Markdown syntax the text uses. */
export function markdownScore(sample: string): number {
  return MARKDOWN_FEATURES.filter((feature) => feature.test(sample)).length;
}
