import DOMPurify, { type Config } from 'dompurify';
import { Marked, type Tokens } from 'marked';

/**
 * Markdown for untrusted text (answers quote retrieved documents). Three layers:
 * 1. marked's renderer: raw HTML is shown as text, images become their alt text and address
 *    (never loaded), links keep their address in data-href (never followed without a click and
 *    a confirmation, see openConfirmedLink) and only for http(s) and mailto;
 * 2. DOMPurify with a short allow-list of tags and attributes;
 * 3. the page's Content-Security-Policy (no inline script, images from this origin only).
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Addresses a link may lead to after confirmation; anything else (javascript:, data:, relative) stays text. */
export function safeLinkTarget(href: string | null | undefined): string | undefined {
  if (!href) return undefined;
  try {
    const url = new URL(href.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'mailto:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    image({ href, text }: Tokens.Image): string {
      const alt = text ? `${text} ` : '';
      return `<span class="md-image">[image: ${escapeHtml(alt)}${escapeHtml(href ?? '')}]</span>`;
    },
    link({ href, tokens }: Tokens.Link): string {
      const label = this.parser.parseInline(tokens);
      const target = safeLinkTarget(href);
      if (!target) return `<span class="md-link-inert">${label}</span>`;
      return `<a class="ext-link" role="link" tabindex="0" data-href="${escapeHtml(target)}" title="${escapeHtml(`${target} (opens after you confirm)`)}">${label}</a>`;
    },
  },
});

const SANITIZE: Config = {
  ALLOWED_TAGS: [
    'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'strong', 'em', 'del', 's', 'code', 'pre', 'blockquote',
    'ul', 'ol', 'li', 'a', 'span', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'mark', 'sup', 'sub', 'kbd',
  ],
  ALLOWED_ATTR: ['class', 'title', 'role', 'tabindex', 'data-href', 'start', 'align'],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
};

const purify = DOMPurify();
// A link keeps no href (nothing navigates by itself), and its data-href must still be a safe address.
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.nodeType !== 1) return;
  const element = node as Element;
  element.removeAttribute('href');
  if (element.hasAttribute('data-href')) {
    const target = element.tagName === 'A' ? safeLinkTarget(element.getAttribute('data-href')) : undefined;
    if (target) element.setAttribute('data-href', target);
    else {
      element.removeAttribute('data-href');
      element.removeAttribute('tabindex');
      element.removeAttribute('role');
    }
  }
});

/** HTML through the allow-list (the second fence; renderMarkdown's output always goes through it). */
export function sanitizeHtml(html: string): string {
  return purify.sanitize(html, { ...SANITIZE, RETURN_TRUSTED_TYPE: false }) as string;
}

/** Markdown to sanitised HTML, safe to assign to innerHTML. */
export function renderMarkdown(text: string): string {
  return sanitizeHtml(marked.parse(text) as string);
}

/**
 * Opens the address of a rendered link (an element with data-href) in a new tab, without referrer
 * or opener, once the user confirmed it. Answers whether it did.
 */
export function openConfirmedLink(element: Element, confirm: (message: string) => boolean = window.confirm.bind(window)): boolean {
  const target = safeLinkTarget(element.getAttribute('data-href'));
  if (!target) return false;
  if (!confirm(`Open this address in a new tab?\n\n${target}\n\nIt comes from text that TARS shows but does not check.`)) return false;
  window.open(target, '_blank', 'noopener,noreferrer');
  return true;
}
