/**
 * Markdown to readable text, line by line: front matter out; headings, paragraphs and list
 * items kept as lines ("- item", "1. item"); code kept without its fences; links and images
 * reduced to their text; emphasis, inline HTML and escapes removed. Every pattern is linear
 * in the line length, so a pathological line cannot stall it.
 */
export function markdownToText(markdown: string): { text: string; title?: string } {
  const { body, title: frontMatterTitle } = splitFrontMatter(markdown.replace(/\r\n?/g, '\n'));
  const out: string[] = [];
  let title = frontMatterTitle;
  let firstHeading: string | undefined;
  let fence: string | undefined;
  let inComment = false;

  for (const rawLine of body.split('\n')) {
    if (fence !== undefined) {
      if (isFenceClose(rawLine, fence)) fence = undefined;
      else out.push(rawLine);
      continue;
    }
    const uncommented = removeHtmlComments(rawLine, inComment);
    const line = uncommented.line;
    inComment = uncommented.inComment;
    if (inComment && line.trim() === '') continue;

    const fenceOpen = /^[ \t]{0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceOpen) {
      fence = fenceOpen[1];
      out.push('');
      continue;
    }
    const heading = /^[ \t]{0,3}(#{1,6})(?:[ \t]+(.*))?$/.exec(line);
    if (heading) {
      const text = stripInline(withoutClosingHashes(heading[2] ?? ''));
      if (heading[1] === '#') title ??= text;
      firstHeading ??= text;
      out.push('', text, '');
      continue;
    }
    if (/^[ \t]{0,3}(?:=+|-+)[ \t]*$/.test(line) && out.length > 0 && out[out.length - 1] !== '') {
      // Setext underline: the line above is a heading.
      const text = out[out.length - 1]!;
      if (line.trim().startsWith('=')) title ??= text;
      firstHeading ??= text;
      out.push('');
      continue;
    }
    if (isTableDelimiter(line)) continue; // the header row above and the rows below stay together
    if (isThematicBreak(line) || isLinkDefinition(line)) {
      out.push('');
      continue;
    }
    out.push(stripInline(stripBlockMarkers(line)));
  }
  return { text: out.join('\n'), title: title ?? firstHeading };
}

/** Cuts `<!-- ... -->` out of a line, carrying an unclosed comment over to the next lines. */
function removeHtmlComments(line: string, inComment: boolean): { line: string; inComment: boolean } {
  let kept = '';
  let position = 0;
  let open = inComment;
  while (position < line.length) {
    if (open) {
      const end = line.indexOf('-->', position);
      if (end < 0) return { line: kept, inComment: true };
      position = end + 3;
      open = false;
    } else {
      const start = line.indexOf('<!--', position);
      if (start < 0) break;
      kept += line.slice(position, start);
      position = start + 4;
      open = true;
    }
  }
  return { line: open ? kept : kept + line.slice(position), inComment: open };
}

function withoutClosingHashes(text: string): string {
  const trimmed = text.trimEnd();
  return /(?:^|[ \t])#+$/.test(trimmed) ? trimmed.replace(/#+$/, '').trimEnd() : trimmed;
}

function splitFrontMatter(markdown: string): { body: string; title?: string } {
  const match = /^(---|\+\+\+)[ \t]*\n([\s\S]*?)\n\1[ \t]*(?:\n|$)/.exec(markdown.slice(0, 64 * 1024));
  if (!match) return { body: markdown };
  const rawTitle = /^title[ \t]*[:=][ \t]*(.+)$/m.exec(match[2]!)?.[1]?.trim();
  const title = rawTitle?.replace(/^(["'])(.*)\1$/, '$2').trim() || undefined;
  return { body: markdown.slice(match[0].length), title };
}

function isFenceClose(line: string, fence: string): boolean {
  const match = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
  return match !== null && match[1]![0] === fence[0] && match[1]!.length >= fence.length;
}

function isThematicBreak(line: string): boolean {
  return /^[ \t]{0,3}(?:(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|(?:-[ \t]*){3,})$/.test(line);
}

function isLinkDefinition(line: string): boolean {
  return /^[ \t]{0,3}\[[^\]\n]{1,300}\]:[ \t]*\S/.test(line) && !/^[ \t]{0,3}\[\^/.test(line);
}

function isTableDelimiter(line: string): boolean {
  return line.includes('|') && line.includes('-') && /^[ \t|:-]+$/.test(line);
}

/** Block quotes lose their markers, list items get one plain bullet, table rows their outer pipes. */
function stripBlockMarkers(line: string): string {
  let result = line.replace(/^[ \t]*(?:>[ \t]?)+/, '');
  result = result.replace(/^([ \t]*)[-*+][ \t]+(?:\[[ xX]\][ \t]+)?/, '$1- ');
  result = result.replace(/^([ \t]*\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?/, '$1 ');
  const trimmed = result.trim();
  if (trimmed.length > 1 && trimmed.startsWith('|') && trimmed.endsWith('|')) result = trimmed.slice(1, -1).trim();
  return result;
}

// Bracketed parts exclude their own opening bracket, so each scan stops at the next one and a
// line of thousands of unclosed brackets stays linear.
function stripInline(line: string): string {
  return line
    .replace(/!\[([^[\]\n]{0,300})\]\([^()\n]{0,1000}\)/g, '$1') // image: its alt text
    .replace(/\[([^[\]\n]{1,300})\]\([^()\n]{0,1000}\)/g, '$1') // link: its text
    .replace(/\[([^[\]\n]{1,300})\]\[[^[\]\n]{0,300}\]/g, '$1') // reference link
    .replace(/\[\^[^[\]\n]{1,100}\]/g, '') // footnote mark
    .replace(/<((?:https?|mailto|ftp):[^<>\s]{1,2000})>/g, '$1') // autolink
    .replace(/<\/?[A-Za-z][A-Za-z0-9-]{0,30}(?:[ \t][^<>\n]{0,1000})?\/?>/g, '') // inline HTML tag
    .replace(/(?<!\\)`+/g, '') // code span fences
    .replace(/(?<![\\\w])(?:\*\*|__|~~)(?=\S)|(?<=\S)(?<!\\)(?:\*\*|__|~~)(?!\w)/g, '') // strong, strike
    .replace(/(?<![\\\w*])[*_](?=[^\s*_])|(?<=[^\s\\*_])[*_](?![\w*])/g, '') // emphasis
    .replace(/\\([\\`*_{}[\]()#+\-.!|>~<])/g, '$1'); // escapes
}
