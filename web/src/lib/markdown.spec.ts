// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openConfirmedLink, renderMarkdown, safeLinkTarget, sanitizeHtml } from './markdown';

/** The rendered HTML as a live fragment, to inspect what a browser would build from it. */
function dom(html: string): HTMLTemplateElement {
  const template = document.createElement('template');
  template.innerHTML = html;
  return template;
}

const ALLOWED = new Set(['P', 'BR', 'HR', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'STRONG', 'EM', 'DEL', 'S', 'CODE', 'PRE', 'BLOCKQUOTE', 'UL', 'OL', 'LI', 'A', 'SPAN', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'MARK', 'SUP', 'SUB', 'KBD']);

function expectHarmless(html: string): void {
  const elements = [...dom(html).content.querySelectorAll('*')];
  for (const element of elements) {
    expect(ALLOWED.has(element.tagName), `<${element.tagName.toLowerCase()}> is not allowed`).toBe(true);
    for (const attribute of element.getAttributeNames()) {
      expect(attribute.startsWith('on'), `${attribute} on <${element.tagName}>`).toBe(false);
      expect(['href', 'src', 'srcset', 'style', 'action', 'formaction', 'xlink:href']).not.toContain(attribute);
    }
    const target = element.getAttribute('data-href');
    if (target !== null) expect(target).toMatch(/^(https?|mailto):/);
  }
}

describe('renderMarkdown', () => {
  it('renders ordinary Markdown', () => {
    const html = renderMarkdown('# Title\n\nSome **bold** and `code`.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |');
    const fragment = dom(html).content;
    expect(fragment.querySelector('h1')?.textContent).toBe('Title');
    expect(fragment.querySelector('strong')?.textContent).toBe('bold');
    expect(fragment.querySelectorAll('li')).toHaveLength(2);
    expect(fragment.querySelector('td')?.textContent).toBe('1');
  });

  it('shows script tags as text, never as elements', () => {
    const html = renderMarkdown('Hello <script>alert(1)</script>\n\n<script src="https://evil.example/x.js"></script>');
    expect(dom(html).content.querySelector('script')).toBeNull();
    expect(dom(html).content.textContent).toContain('<script>alert(1)</script>');
    expectHarmless(html);
  });

  it('drops event handlers and other active HTML (img onerror, svg onload, iframe, style, form)', () => {
    const html = renderMarkdown(
      '<img src=x onerror="alert(1)">\n\n<svg onload="alert(1)"></svg>\n\n<iframe src="https://evil.example"></iframe>\n\n' +
        '<style>body{background:url(https://evil.example/t.png)}</style>\n\n<form action="https://evil.example"><button>go</button></form>\n\n' +
        '<p onclick="alert(1)" style="background:url(https://evil.example/t.png)">x</p>',
    );
    expectHarmless(html);
    const fragment = dom(html).content;
    for (const tag of ['img', 'svg', 'iframe', 'style', 'form', 'button']) expect(fragment.querySelector(tag)).toBeNull();
  });

  it('keeps javascript:, data: and relative links as inert text', () => {
    for (const href of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>alert(1)</script>', '/keys', 'vbscript:x']) {
      const html = renderMarkdown(`[click me](${href})`);
      expectHarmless(html);
      const fragment = dom(html).content;
      expect(fragment.querySelector('[data-href]')).toBeNull();
      expect(fragment.textContent).toContain('click me');
    }
  });

  it('never loads a remote image: it becomes its alt text and address', () => {
    const html = renderMarkdown('![a cat](https://evil.example/cat.png "title")');
    expectHarmless(html);
    expect(dom(html).content.querySelector('img')).toBeNull();
    expect(dom(html).content.textContent?.trim()).toBe('[image: a cat https://evil.example/cat.png]');
  });

  it('renders http(s) links without href: the address waits in data-href for a confirmed click', () => {
    const html = renderMarkdown('See [the docs](https://example.com/a?b=1&c=2) or <https://example.org>.');
    expectHarmless(html);
    const links = [...dom(html).content.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('data-href'))).toEqual(['https://example.com/a?b=1&c=2', 'https://example.org/']);
    expect(links.every((a) => !a.hasAttribute('href') && a.getAttribute('role') === 'link' && a.getAttribute('tabindex') === '0')).toBe(true);
  });
});

describe('sanitizeHtml (the second fence, for HTML that got past the renderer)', () => {
  it('removes href, handlers, styles, forbidden tags and unsafe data-href', () => {
    const html = sanitizeHtml(
      '<a href="https://x.example" data-href="javascript:alert(1)" onclick="x()">a</a>' +
        '<a data-href="https://ok.example/">b</a><img src="https://evil.example/t.png"><p style="color:red" onmouseover="x()">c</p>' +
        '<math><mi xlink:href="javascript:alert(1)">m</mi></math><object data="x"></object>',
    );
    expectHarmless(html);
    const fragment = dom(html).content;
    expect(fragment.querySelectorAll('[data-href]')).toHaveLength(1);
    expect(fragment.querySelector('[data-href]')?.getAttribute('data-href')).toBe('https://ok.example/');
  });
});

describe('openConfirmedLink', () => {
  afterEach(() => vi.restoreAllMocks());

  it('opens the address in a new tab without opener or referrer only after the user confirmed', () => {
    const open = vi.spyOn(window, 'open').mockImplementation(() => null);
    const link = dom(renderMarkdown('[x](https://example.com/)')).content.querySelector('a')!;
    expect(openConfirmedLink(link, () => false)).toBe(false);
    expect(open).not.toHaveBeenCalled();
    const confirm = vi.fn((_message: string) => true);
    expect(openConfirmedLink(link, confirm)).toBe(true);
    expect(confirm.mock.calls[0]?.[0]).toContain('https://example.com/');
    expect(open).toHaveBeenCalledWith('https://example.com/', '_blank', 'noopener,noreferrer');
  });

  it('never opens an unsafe address, whatever the element says', () => {
    const open = vi.spyOn(window, 'open').mockImplementation(() => null);
    const element = document.createElement('a');
    element.setAttribute('data-href', 'javascript:alert(1)');
    expect(openConfirmedLink(element, () => true)).toBe(false);
    expect(open).not.toHaveBeenCalled();
  });
});

describe('safeLinkTarget', () => {
  it('accepts http, https and mailto addresses only', () => {
    expect(safeLinkTarget('https://example.com')).toBe('https://example.com/');
    expect(safeLinkTarget('mailto:me@example.com')).toBe('mailto:me@example.com');
    expect(safeLinkTarget(' javascript:alert(1)')).toBeUndefined();
    expect(safeLinkTarget('ftp://example.com')).toBeUndefined();
    expect(safeLinkTarget('relative/path')).toBeUndefined();
  });
});
