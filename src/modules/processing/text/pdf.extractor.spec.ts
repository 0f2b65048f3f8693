import { describe, expect, it } from 'vitest';
import { DocumentUnreadableError, EmptyDocumentError } from '../../../contracts/errors.js';
import { extractText } from './extract-text.js';
import type { ExtractionLimits } from './extracted-text.js';
import { extractPdf } from './pdf.extractor.js';
import { DEFAULT_LIMITS, fixture } from './testing/fixtures.js';
import { pageBombPdf, textItemBombPdf, textPdf } from './testing/hostile-pdfs.js';

const limits = (pdf: Partial<ExtractionLimits['pdf']>, maxDocumentChars = DEFAULT_LIMITS.maxDocumentChars): ExtractionLimits => ({
  maxDocumentChars,
  pdf: { ...DEFAULT_LIMITS.pdf, ...pdf },
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function unreadable(promise: Promise<unknown>): Promise<DocumentUnreadableError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DocumentUnreadableError);
  return err as DocumentUnreadableError;
}

// Each test starts a real child process; the memory test lets one fill its heap.
describe('extractPdf', { timeout: 30_000 }, () => {
  it('reads the text of each page, with page ranges, paragraphs and the title from the metadata', async () => {
    const { text, pages, title, truncated, warnings } = await extractPdf(fixture('report.pdf'), DEFAULT_LIMITS);
    expect(title).toBe('Boiler Maintenance Report');
    expect({ truncated, warnings }).toEqual({ truncated: false, warnings: [] });
    expect(pages!.map((p) => p.page)).toEqual([1, 2, 3]);
    const pageTexts = pages!.map((p) => text.slice(p.start, p.end));
    expect(pageTexts[0]).toContain('Annual Report on Boiler Maintenance\n\nThe boiler in the north building');
    expect(pageTexts[1]).toContain('Findings');
    expect(pageTexts[2]).toContain('The total cost of the maintenance was 1,240 euros');
    expect(pageTexts.map((page) => page.includes('Findings'))).toEqual([false, true, false]);
  });

  it('fails a truncated PDF as malformed, with the reader’s reason', async () => {
    const err = await unreadable(extractPdf(fixture('truncated.pdf'), DEFAULT_LIMITS));
    expect(err.code).toBe('document_unreadable');
    expect(err.details).toEqual({ reason: 'malformed' });
    expect(err.message).toMatch(/^the PDF is malformed: .+/);
  });

  it('fails garbage behind a PDF header as malformed', async () => {
    const garbage = new Uint8Array([...Buffer.from('%PDF-1.7\n'), ...new Uint8Array(3000).map((_, i) => (i * 31) % 251)]);
    expect((await unreadable(extractPdf(garbage, DEFAULT_LIMITS))).details).toEqual({ reason: 'malformed' });
  });

  it('fails a password-protected PDF as encrypted, then reads the next PDF normally', async () => {
    const err = await unreadable(extractPdf(fixture('encrypted.pdf'), DEFAULT_LIMITS));
    expect(err.details).toEqual({ reason: 'encrypted' });
    expect(err.message).toMatch(/password/);
    expect((await extractPdf(fixture('report.pdf'), DEFAULT_LIMITS)).pages).toHaveLength(3);
  });

  it('kills the reader after timeoutMs, reports a timeout, and leaves no process behind', async () => {
    let pid: number | undefined;
    let startedAlive = false;
    const err = await unreadable(
      extractPdf(fixture('report.pdf'), limits({ timeoutMs: 1 }), {
        onWorkerStarted: (started) => {
          pid = started;
          startedAlive = isRunning(started);
        },
      }),
    );
    expect(err.details).toEqual({ reason: 'timeout' });
    expect(err.message).toMatch(/longer than 1 ms \(processing\.pdf\.timeoutMs\)/);
    expect(startedAlive).toBe(true);
    expect(isRunning(pid!)).toBe(false);
  });

  it('stops a reader that needs more memory than memoryLimitMb, and leaves no process behind', async () => {
    let pid: number | undefined;
    const err = await unreadable(
      extractPdf(textItemBombPdf(400_000), limits({ memoryLimitMb: 64 }), { onWorkerStarted: (started) => (pid = started) }),
    );
    expect(err.details).toEqual({ reason: 'memory_limit' });
    expect(err.message).toMatch(/processing\.pdf\.memoryLimitMb = 64/);
    expect(isRunning(pid!)).toBe(false);
  });

  it('reads at most maxPages pages of a PDF that claims a million', async () => {
    const { pages, truncated, warnings } = await extractPdf(pageBombPdf(6), limits({ maxPages: 5 }));
    expect(pages!.map((p) => p.page)).toEqual([1, 2, 3, 4, 5]);
    expect(truncated).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/only the first 5 of 1000000 pages/)]);
  });

  it('cuts the text at maxDocumentChars and keeps the page ranges inside it', async () => {
    const { text, pages, truncated, warnings } = await extractPdf(fixture('report.pdf'), limits({}, 300));
    expect(text.length).toBeLessThanOrEqual(300);
    expect(truncated).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/cut at 300 characters/)]);
    expect(pages!.every((p) => p.start <= p.end && p.end <= text.length)).toBe(true);
    expect(pages!.map((p) => p.page)).not.toContain(3);
  });

  it('kills the reader when the caller aborts', async () => {
    const controller = new AbortController();
    let pid: number | undefined;
    const outcome = extractPdf(fixture('report.pdf'), DEFAULT_LIMITS, {
      signal: controller.signal,
      onWorkerStarted: (started) => {
        pid = started;
        controller.abort(new Error('shutting down'));
      },
    });
    await expect(outcome).rejects.toThrow('shutting down');
    expect(isRunning(pid!)).toBe(false);
  });
});

describe('extractText for PDF', { timeout: 30_000 }, () => {
  it('returns the pages of a PDF', async () => {
    const extracted = await extractText(fixture('report.pdf'), 'pdf', DEFAULT_LIMITS);
    expect(extracted.pages).toHaveLength(3);
  });

  it('fails a PDF without a text layer as empty, saying OCR would be needed', async () => {
    await expect(extractText(textPdf([[], []]), 'pdf', DEFAULT_LIMITS)).rejects.toThrow(EmptyDocumentError);
    await expect(extractText(textPdf([[]]), 'pdf', DEFAULT_LIMITS)).rejects.toThrow(/OCR/);
  });
});
