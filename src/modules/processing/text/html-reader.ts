import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2';

/** Receives the elements and text of an HTML document, always well nested (every open gets its close). */
export interface HtmlHandler {
  openTag(name: string, attributes: Readonly<Record<string, string>>): void;
  closeTag(name: string): void;
  text(text: string): void;
}

const VOID_ELEMENTS = new Set([
  'area', 'base', 'basefont', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'img', 'input', 'isindex', 'keygen', 'link',
  'meta', 'param', 'source', 'track', 'wbr',
]);

/** Opening the key closes open elements of these names on top of the stack, as browsers do. */
const BLOCKS_CLOSING_P = ['p'];
const OPEN_IMPLIES_CLOSE = new Map<string, ReadonlySet<string>>([
  ['li', new Set(['li'])],
  ['dt', new Set(['dt', 'dd'])],
  ['dd', new Set(['dt', 'dd'])],
  ['tr', new Set(['tr', 'td', 'th'])],
  ['td', new Set(['td', 'th'])],
  ['th', new Set(['td', 'th'])],
  ['option', new Set(['option'])],
  ...['p', 'div', 'ul', 'ol', 'dl', 'table', 'pre', 'blockquote', 'section', 'article', 'header', 'footer', 'nav', 'aside', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map(
    (name) => [name, new Set(BLOCKS_CLOSING_P)] as [string, ReadonlySet<string>],
  ),
]);

/**
 * A closing tag is matched against at most this many open elements; a stray one further down
 * is ignored. This keeps every tag O(1): htmlparser2's own Parser keeps its stack with
 * unshift/indexOf, which is quadratic on deeply nested or badly closed HTML (measured: 68 s for
 * 300,000 nested <div>s), so we drive its Tokenizer ourselves.
 */
const CLOSE_SEARCH_DEPTH = 64;

/** Streams an HTML document to a handler in time linear in its length, whatever its nesting. */
export function readHtml(html: string, handler: HtmlHandler): void {
  const stack: string[] = [];
  let tagName = '';
  let attributes: Record<string, string> = Object.create(null);
  let attributeName = '';
  let attributeValue = '';

  const closeTop = (): void => handler.closeTag(stack.pop()!);
  const open = (): void => {
    const closes = OPEN_IMPLIES_CLOSE.get(tagName);
    while (closes && stack.length > 0 && closes.has(stack[stack.length - 1]!)) closeTop();
    handler.openTag(tagName, attributes);
    if (VOID_ELEMENTS.has(tagName)) handler.closeTag(tagName);
    else stack.push(tagName);
  };
  const close = (name: string): void => {
    if (name === 'br') {
      // Browsers read a stray </br> as <br>.
      handler.openTag('br', {});
      handler.closeTag('br');
      return;
    }
    const floor = Math.max(0, stack.length - CLOSE_SEARCH_DEPTH);
    for (let i = stack.length - 1; i >= floor; i--) {
      if (stack[i] !== name) continue;
      while (stack.length > i) closeTop();
      return;
    }
  };

  const callbacks: TokenizerCallbacks = {
    ontext: (start, end) => handler.text(html.slice(start, end)),
    ontextentity: (codePoint) => handler.text(String.fromCodePoint(codePoint)),
    onopentagname: (start, end) => {
      tagName = html.slice(start, end).toLowerCase();
      attributes = Object.create(null);
    },
    onattribname: (start, end) => {
      attributeName = html.slice(start, end).toLowerCase();
    },
    onattribdata: (start, end) => {
      attributeValue += html.slice(start, end);
    },
    onattribentity: (codePoint) => {
      attributeValue += String.fromCodePoint(codePoint);
    },
    onattribend: () => {
      if (!(attributeName in attributes)) attributes[attributeName] = attributeValue;
      attributeValue = '';
    },
    onopentagend: () => open(),
    // Self-closing syntax is honoured (for SVG's <path/> and the like), so it cannot leave elements open.
    onselfclosingtag: () => {
      open();
      if (!VOID_ELEMENTS.has(tagName) && stack[stack.length - 1] === tagName) closeTop();
    },
    onclosetag: (start, end) => close(html.slice(start, end).toLowerCase()),
    oncomment: () => {},
    oncdata: () => {},
    ondeclaration: () => {},
    onprocessinginstruction: () => {},
    onend: () => {
      while (stack.length > 0) closeTop();
    },
  };
  const tokenizer = new Tokenizer({ decodeEntities: true }, callbacks);
  tokenizer.write(html);
  tokenizer.end();
}
