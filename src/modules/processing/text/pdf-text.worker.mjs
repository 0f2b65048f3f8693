// Child process that reads the text of one PDF and exits. It runs apart from TARS because a
// hostile or broken PDF can make pdf.js loop or allocate without end: the parent
// (pdf-worker-runner.ts) limits its heap, watches its memory and kills it after a time limit.
// Plain JavaScript so that it runs as is from src/ (tests) and from dist/ (tsc copies it).
//
// Protocol: the parent sends one message { data: Uint8Array, maxPages, maxChars }; the child
// answers once with { ok: true, pages: [{ page, text }], pageCount, title?, pageLimitHit, cutAtChars,
// warnings }
// or { ok: false, reason: 'encrypted' | 'malformed', message }, then exits.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** A vertical gap this many times the line height between two lines marks a new paragraph. */
const PARAGRAPH_GAP = 1.8;
const MAX_TITLE_CHARS = 1000;

// Predefined CMaps (needed for many CJK fonts) are read from pdfjs-dist's own folder: local
// files, never the network. No font data is loaded at all: text extraction does not need it.
const cMapUrl = join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'cmaps') + '/';

process.once('message', (job) => {
  readPdf(job).then(
    (reply) => process.send(reply, () => process.exit(0)),
    (error) => process.send(failure(error), () => process.exit(0)),
  );
});

async function readPdf({ data, maxPages, maxChars }) {
  const document = await getDocument({
    // pdf.js refuses Node Buffers, which IPC may deliver: view the same bytes as a plain Uint8Array.
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    isEvalSupported: false, // CVE-2024-4367: never compile code from the document
    enableXfa: false,
    useSystemFonts: false,
    disableFontFace: true,
    useWasm: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    disableAutoFetch: true,
    disableStream: true,
    disableRange: true,
    stopAtErrors: false,
    cMapUrl,
    cMapPacked: true,
    verbosity: VerbosityLevel.ERRORS,
  }).promise;
  try {
    const pageCount = document.numPages;
    const pagesToRead = Math.min(pageCount, maxPages);
    const pages = [];
    const warnings = [];
    const pageLimitHit = pageCount > maxPages;
    if (pageLimitHit) warnings.push(`only the first ${maxPages} of ${pageCount} pages were read (processing.pdf.maxPages)`);
    let chars = 0;
    let cutAtChars = false;
    for (let number = 1; number <= pagesToRead && !cutAtChars; number++) {
      let text;
      try {
        text = await readPage(document, number);
      } catch (error) {
        warnings.push(`page ${number} could not be read: ${messageOf(error)}`);
        continue;
      }
      const room = maxChars - chars;
      cutAtChars = text.length > room || (text.length === room && number < pagesToRead);
      if (text.length > room) text = text.slice(0, /[\uD800-\uDBFF]/.test(text[room - 1] ?? '') ? room - 1 : room);
      pages.push({ page: number, text });
      chars += text.length;
    }
    if (pagesToRead > 0 && pages.length === 0) {
      return { ok: false, reason: 'malformed', message: `no page of the PDF could be read (${warnings[0] ?? 'unknown error'})` };
    }
    return { ok: true, pages, pageCount, title: await readTitle(document), pageLimitHit, cutAtChars, warnings };
  } finally {
    await document.destroy();
  }
}

/** The text of one page, lines as pdf.js reports them, a blank line where the vertical gap is large. */
async function readPage(document, number) {
  const page = await document.getPage(number);
  const content = await page.getTextContent();
  let text = '';
  let atLineStart = true;
  let lastY;
  let lastHeight = 0;
  for (const item of content.items) {
    if (typeof item.str !== 'string') continue; // marked-content markers
    if (atLineStart && item.str.trim() !== '') {
      const y = item.transform[5];
      const height = item.height || lastHeight;
      if (lastY !== undefined && Math.abs(lastY - y) > PARAGRAPH_GAP * Math.max(height, lastHeight) && !text.endsWith('\n\n')) {
        text += '\n';
      }
      lastY = y;
      lastHeight = height;
      atLineStart = false;
    }
    text += item.str;
    if (item.hasEOL) {
      text += '\n';
      atLineStart = true;
    }
  }
  page.cleanup();
  return text;
}

async function readTitle(document) {
  try {
    const { info } = await document.getMetadata();
    const title = typeof info?.Title === 'string' ? info.Title.replace(/\s+/g, ' ').trim() : '';
    return title ? title.slice(0, MAX_TITLE_CHARS) : undefined;
  } catch {
    return undefined; // a broken metadata dictionary does not make the text unreadable
  }
}

function failure(error) {
  if (error?.name === 'PasswordException') {
    return { ok: false, reason: 'encrypted', message: 'the PDF is protected by a password' };
  }
  return { ok: false, reason: 'malformed', message: `the PDF is malformed: ${messageOf(error)}` };
}

function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
