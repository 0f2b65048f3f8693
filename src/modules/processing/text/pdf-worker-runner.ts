import { type ChildProcess, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DocumentUnreadableError } from '../../../contracts/errors.js';
import type { ExtractionLimits } from './extracted-text.js';

/** Why a PDF could not be read; `details.reason` of the DocumentUnreadableError. */
export type PdfUnreadableReason = 'malformed' | 'encrypted' | 'timeout' | 'memory_limit' | 'parser_failed';

/** What the PDF child process answers (see pdf-text.worker.mjs). */
export type PdfWorkerReply =
  | {
      ok: true;
      pages: { page: number; text: string }[];
      pageCount: number;
      title?: string;
      pageLimitHit: boolean;
      cutAtChars: boolean;
      warnings: string[];
    }
  | { ok: false; reason: 'encrypted' | 'malformed'; message: string };

export interface PdfWorkerOptions {
  /** Aborting kills the child process and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called with the child's process id once it runs (lets tests prove it is gone afterwards). */
  onWorkerStarted?: (pid: number) => void;
}

const WORKER_PATH = fileURLToPath(new URL('./pdf-text.worker.mjs', import.meta.url));

/**
 * The heap limit bounds pdf.js's JavaScript objects; decoded streams live outside the heap, so
 * the whole process is also held to the heap limit plus this much for Node itself and pdf.js's
 * code (a child reading a small PDF uses about 100 MB).
 */
const RUNTIME_OVERHEAD_MB = 160;
const MEMORY_POLL_MS = 50;
/** Kept from the previous stderr chunk, so a message split across two chunks is still seen. */
const STDERR_OVERLAP_CHARS = 100;
const HEAP_EXHAUSTED = /heap out of memory|Reached heap limit|Ineffective mark-compacts/i;

/**
 * Reads a PDF's text in a child process, which is killed when it runs longer than
 * `pdf.timeoutMs` or uses more memory than `pdf.memoryLimitMb` allows. Settles only after the
 * child has exited. Limit breaches reject with DocumentUnreadableError (`details.reason`
 * 'timeout', 'memory_limit' or 'parser_failed'); an encrypted or malformed PDF is a reply.
 */
export function runPdfWorker(data: Uint8Array, limits: ExtractionLimits, options: PdfWorkerOptions = {}): Promise<PdfWorkerReply> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const { timeoutMs, memoryLimitMb, maxPages } = limits.pdf;

  return new Promise((resolve, reject) => {
    const child = fork(WORKER_PATH, [], {
      // No eval or new Function in the child at all: a second lock behind isEvalSupported: false.
      execArgv: [`--max-old-space-size=${memoryLimitMb}`, '--disallow-code-generation-from-strings'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let reply: PdfWorkerReply | undefined;
    let failure: unknown;
    let stderrTail = '';
    let heapExhausted = false;
    let settled = false;

    const stop = (why: unknown): void => {
      if (reply !== undefined) return; // the answer is in; the child is exiting anyway
      failure ??= why;
      child.kill('SIGKILL');
    };
    const onAbort = (): void => stop(signal?.reason);
    const timer = setTimeout(
      () => stop(unreadable('timeout', `reading the PDF took longer than ${timeoutMs} ms (processing.pdf.timeoutMs)`)),
      timeoutMs,
    );
    const rssLimitBytes = (memoryLimitMb + RUNTIME_OVERHEAD_MB) * 1024 * 1024;
    const memoryWatch = setInterval(() => {
      void residentBytes(child).then((bytes) => {
        if (bytes !== undefined && bytes > rssLimitBytes) stop(memoryLimitError(memoryLimitMb));
      });
    }, MEMORY_POLL_MS);
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      // V8's fatal out-of-memory line is followed by a long native stack: look at every chunk.
      const recent = stderrTail + chunk;
      heapExhausted ||= HEAP_EXHAUSTED.test(recent);
      stderrTail = recent.slice(-STDERR_OVERLAP_CHARS);
    });
    if (child.pid !== undefined) options.onWorkerStarted?.(child.pid);
    child.on('spawn', () => child.send({ data, maxPages, maxChars: limits.maxDocumentChars }));
    child.on('message', (message) => {
      reply = message as PdfWorkerReply;
      child.kill('SIGKILL'); // it exits by itself; this only makes sure
    });
    const settle = (code: number | null, exitSignal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(memoryWatch);
      signal?.removeEventListener('abort', onAbort);
      if (failure !== undefined) reject(failure);
      else if (reply !== undefined) resolve(reply);
      else if (heapExhausted) reject(memoryLimitError(memoryLimitMb));
      else reject(crashError(code, exitSignal));
    };
    child.on('error', (error) => {
      stop(error);
      // A child that never started emits no 'close'.
      if (child.pid === undefined) settle(null, null);
    });
    // 'close' comes after the exit and after stderr is drained, so every stderr line has been seen.
    child.on('close', settle);
  });
}

function unreadable(reason: PdfUnreadableReason, message: string): DocumentUnreadableError {
  return new DocumentUnreadableError(message, { reason });
}

function memoryLimitError(memoryLimitMb: number): DocumentUnreadableError {
  return unreadable('memory_limit', `reading the PDF needed more memory than allowed (processing.pdf.memoryLimitMb = ${memoryLimitMb})`);
}

function crashError(code: number | null, signal: NodeJS.Signals | null): DocumentUnreadableError {
  return unreadable('parser_failed', `the PDF reader stopped unexpectedly (${signal ?? `exit code ${code}`})`);
}

/** The child's resident memory from /proc (Linux); undefined elsewhere or once it is gone. */
async function residentBytes(child: ChildProcess): Promise<number | undefined> {
  if (child.pid === undefined || child.exitCode !== null) return undefined;
  try {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}
