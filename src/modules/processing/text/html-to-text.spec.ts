import { describe, expect, it } from 'vitest';
import { htmlToText } from './html-to-text.js';

const text = (html: string, maxChars = 1_000_000): string => htmlToText(html, maxChars).text;

describe('htmlToText', () => {
  it('decodes entities and collapses whitespace inside paragraphs', () => {
    expect(text('<p>Fish &amp; chips&nbsp;&mdash;\n   &#x263A; &lt;tag&gt;</p>')).toBe('Fish & chips — ☺ <tag>');
  });

  it('separates blocks with a blank line and line-level elements with a line break', () => {
    expect(text('<h2>Title</h2><p>One</p><div>Two</div><div>Three<br>Four</div>')).toBe('Title\n\nOne\n\nTwo\nThree\nFour');
  });

  it('numbers ordered list items and bullets the others, nested lists included', () => {
    expect(text('<ol><li>first</li><li>second<ul><li>inner</li></ul></li></ol>')).toBe('1. first\n2. second\n\n- inner');
  });

  it('closes unclosed list items and paragraphs as browsers do', () => {
    expect(text('<ul><li>a<li>b</ul><p>one<p>two')).toBe('- a\n- b\n\none\n\ntwo');
  });

  it('keeps the line breaks of preformatted text', () => {
    expect(text('<pre>line 1\n  line 2</pre>')).toBe('line 1\n  line 2');
  });

  it('keeps an article header (its title) but drops the page header and footer', () => {
    const html = '<header>Site name</header><article><header><h1>Post title</h1></header><p>Body</p><footer>By Ann</footer></article><footer>Legal</footer>';
    expect(text(html)).toBe('Post title\n\nBody\n\nBy Ann');
  });

  it('drops hidden content: hidden attribute, aria-hidden, display none, chrome roles', () => {
    const html =
      '<p>shown</p><p hidden>h1</p><div aria-hidden="true">h2</div><span style="color:red; display : none">h3</span>' +
      '<div style="visibility:hidden">h4</div><div role="navigation">h5</div><template><p>h6</p></template><noscript>h7</noscript>';
    expect(text(html)).toBe('shown');
  });

  it('takes the title from <title>, else from the first <h1>, ignoring SVG titles', () => {
    expect(htmlToText('<title> The  page </title><h1>Heading</h1>', 100).title).toBe('The page');
    expect(htmlToText('<svg><title>icon</title></svg><h1>Heading <em>one</em></h1><h1>Two</h1>', 100).title).toBe('Heading one');
  });

  it('stops at maxChars and says it did', () => {
    const result = htmlToText('<p>abcdefghij</p><p>klmnopqrst</p>', 15);
    expect(result).toMatchObject({ text: 'abcdefghij\n\nklm', truncated: true });
  });

  it('handles 200,000 nested elements and 200,000 stray closing tags in linear time', () => {
    const depth = 200_000;
    const nested = `${'<div><span>'.repeat(depth / 2)}deep text${'</span></div>'.repeat(depth / 2)}<p>after</p>`;
    expect(text(nested)).toBe('deep text\n\nafter');
    const stray = `<div>${'</span>'.repeat(depth)}still here</div>`;
    expect(text(stray)).toBe('still here');
  });

  it('does not let an unclosed skipped element swallow the page past its parent', () => {
    expect(text('<div><nav>menu<ul><li>x</div><p>content</p>')).toBe('content');
  });

  it('treats self-closing SVG children as closed, so the SVG ends where it should', () => {
    const icons = '<svg>' + '<path d="M0 0"/>'.repeat(500) + '</svg>';
    expect(text(`<p>before</p>${icons}<p>after</p>`)).toBe('before\n\nafter');
  });
});
