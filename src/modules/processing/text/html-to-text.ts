import { type HtmlHandler, readHtml } from './html-reader.js';
import { TextWriter } from './text-writer.js';

/** Elements whose content is never document text: code, page chrome, forms, embedded media. */
const SKIPPED = new Set([
  'head', 'script', 'style', 'noscript', 'template', 'nav', 'aside', 'form', 'iframe', 'object', 'embed', 'svg', 'math',
  'canvas', 'video', 'audio', 'select', 'button', 'dialog', 'menu',
]);
/** A page's header and footer are chrome; an article's own header (its title, its byline) is content. */
const PAGE_CHROME = new Set(['header', 'footer']);
const CONTENT_ROOTS = new Set(['article', 'main']);
const FOREIGN = new Set(['svg', 'math']);
const MAX_TITLE_CHARS = 1000;
const CHROME_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'complementary', 'search', 'menu', 'menubar', 'dialog']);

const PARAGRAPH_BLOCKS = new Set([
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'dl', 'table', 'blockquote', 'pre', 'section', 'article', 'main',
  'figure', 'address', 'details', 'hr', 'header', 'footer', 'fieldset',
]);
const LINE_BLOCKS = new Set(['div', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'caption', 'figcaption', 'summary', 'legend', 'body']);

/**
 * HTML to text: page chrome, scripts, styles, forms and hidden elements out; headings,
 * paragraphs, list items and table cells each on their own line (blocks separated by a blank
 * line); entities decoded. Stops collecting once `maxChars` characters are written.
 */
export function htmlToText(html: string, maxChars: number): { text: string; title?: string; truncated: boolean } {
  const writer = new TextWriter(maxChars);
  const skips: boolean[] = [];
  const lists: { ordered: boolean; count: number }[] = [];
  let skipDepth = 0;
  let contentDepth = 0;
  let preDepth = 0;
  let titleText: string | undefined;
  let h1Text: string | undefined;
  let foreignDepth = 0;
  let capture: { into: 'title' | 'h1'; parts: string[]; length: number } | undefined;
  const captureText = (text: string): void => {
    if (!capture || capture.length > MAX_TITLE_CHARS) return;
    capture.parts.push(text);
    capture.length += text.length;
  };

  const handler: HtmlHandler = {
    openTag(name, attributes) {
      const skip = SKIPPED.has(name) || (PAGE_CHROME.has(name) && contentDepth === 0) || isHidden(attributes);
      skips.push(skip);
      if (skip) skipDepth++;
      if (CONTENT_ROOTS.has(name)) contentDepth++;
      if (FOREIGN.has(name)) foreignDepth++;
      // SVG has <title> elements of its own; only the document's counts.
      if (name === 'title' && titleText === undefined && foreignDepth === 0) capture = { into: 'title', parts: [], length: 0 };
      if (skipDepth > 0) return;
      if (name === 'h1' && h1Text === undefined) capture = { into: 'h1', parts: [], length: 0 };
      if (name === 'pre') preDepth++;
      if (name === 'ul' || name === 'ol') lists.push({ ordered: name === 'ol', count: 0 });
      if (name === 'br') writer.lineBreak();
      else if (PARAGRAPH_BLOCKS.has(name)) writer.breakBefore(2);
      else if (LINE_BLOCKS.has(name)) writer.breakBefore(1);
      if (name === 'li') {
        const list = lists[lists.length - 1];
        writer.setLinePrefix(list?.ordered ? `${++list.count}. ` : '- ');
      }
    },
    closeTag(name) {
      const wasSkipped = skips.pop() ?? false;
      if (CONTENT_ROOTS.has(name)) contentDepth--;
      if (FOREIGN.has(name)) foreignDepth--;
      if (capture && (name === capture.into || (capture.into === 'title' && name === 'head'))) {
        const text = capture.parts.join('').replace(/\s+/g, ' ').trim().slice(0, MAX_TITLE_CHARS);
        if (capture.into === 'title') titleText = text;
        else h1Text = text;
        capture = undefined;
      }
      if (wasSkipped) {
        skipDepth--;
        return;
      }
      if (skipDepth > 0) return;
      if (name === 'pre') preDepth--;
      if (name === 'ul' || name === 'ol') lists.pop();
      if (PARAGRAPH_BLOCKS.has(name)) writer.breakBefore(2);
      else if (LINE_BLOCKS.has(name)) writer.breakBefore(1);
    },
    text(text) {
      if (capture?.into === 'title') captureText(text);
      if (skipDepth > 0) return;
      if (capture?.into === 'h1') captureText(text);
      if (preDepth > 0) writer.writePreformatted(text);
      else writer.write(text);
    },
  };
  readHtml(html, handler);
  const title = titleText || h1Text || undefined;
  return { text: writer.toString(), ...(title ? { title } : {}), truncated: writer.full };
}

function isHidden(attributes: Readonly<Record<string, string>>): boolean {
  if ('hidden' in attributes) return true;
  if (attributes['aria-hidden']?.toLowerCase() === 'true') return true;
  const role = attributes['role']?.toLowerCase();
  if (role && CHROME_ROLES.has(role)) return true;
  const style = attributes['style'];
  return style !== undefined && /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)/i.test(style);
}
