import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../config/config.loader.js';
import { QUESTION_BATCH_MAX } from '../../contracts/questions/question.dto.js';
import { resolveConnection } from '../chat/connection.js';
import { LoadRun } from './load-run.js';
import type { LoadReport } from './load-report.js';
import { readQuestionFile } from './question-file.js';
import { QuestionsClient } from './questions-client.js';
import { renderLoadReport } from './render-load-report.js';
import { type Pace, replay } from './scheduler.js';

/** The question set that ships with TARS. */
export const SAMPLE_QUESTIONS_FILE = join(PACKAGE_ROOT, 'eval', 'questions-sample.jsonl');
export const DEFAULT_CONCURRENCY = 8;

export interface LoadCommandOptions {
  url?: string;
  apiKey?: string;
  config?: string;
  rate?: number;
  concurrency?: number;
  batch: number;
  limit?: number;
  repeat: number;
  pollMs: number;
  timeout: number;
  json?: boolean;
}

function paceOf(opts: LoadCommandOptions): Pace {
  if (opts.rate !== undefined && opts.concurrency !== undefined) throw new Error('choose --rate or --concurrency, not both');
  const pace: Pace = opts.rate !== undefined ? { kind: 'rate', perSecond: opts.rate } : { kind: 'concurrency', limit: opts.concurrency ?? DEFAULT_CONCURRENCY };
  if (opts.batch > QUESTION_BATCH_MAX) throw new Error(`--batch must be at most ${QUESTION_BATCH_MAX} (what POST /questions takes)`);
  if (pace.kind === 'concurrency' && opts.batch > pace.limit) {
    throw new Error(`--batch (${opts.batch}) must not exceed --concurrency (${pace.limit}): a batch is sent only when it fits in flight`);
  }
  return pace;
}

/** Every question sent, accepted and final. */
function complete(report: LoadReport): boolean {
  const q = report.questions;
  return q.unfinished === 0 && q.rejected === 0 && q.notSubmitted === 0;
}

/** `tars load [file]`: the exit code (0 when every question reached a final state). */
export async function runLoadCommand(file: string | undefined, opts: LoadCommandOptions): Promise<number> {
  const pace = paceOf(opts);
  const path = file ?? SAMPLE_QUESTIONS_FILE;
  const questions = readQuestionFile(path);
  const connection = resolveConnection(opts, process.env);
  if (!connection.apiKey) throw new Error('no API key: pass --api-key, set TARS_API_KEY, or give the node config (--config) whose admin.key to use');
  const client = new QuestionsClient(connection.url, connection.apiKey);
  if (!(await client.isUp())) throw new Error(`no TARS node answers at ${connection.url} (from ${connection.urlFrom})`);

  const planned = Math.min(opts.limit ?? questions.length, questions.length) * opts.repeat;
  const run = new LoadRun(client, planned, { pace, batch: opts.batch, pollMs: opts.pollMs });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort('timeout'), opts.timeout);
  const interrupt = () => controller.abort('interrupted');
  process.once('SIGINT', interrupt);
  const showProgress = Boolean(process.stderr.isTTY) && !opts.json;
  const progress = showProgress
    ? setInterval(() => {
        const p = run.progress();
        process.stderr.write(`\r\u001b[Ksubmitted ${p.submitted}/${planned} · final ${p.final} · in flight ${p.inFlight} · rejected ${p.rejected}`);
      }, 1000)
    : undefined;
  let report: LoadReport;
  try {
    report = await run.run(replay(questions, opts.repeat, opts.limit), controller.signal);
  } finally {
    clearTimeout(timer);
    clearInterval(progress);
    process.off('SIGINT', interrupt);
    if (showProgress) process.stderr.write('\r\u001b[K');
  }

  if (opts.json) {
    const settings = { pace, batch: opts.batch, limit: opts.limit ?? null, repeat: opts.repeat, pollMs: opts.pollMs, timeoutMs: opts.timeout };
    console.log(JSON.stringify({ file: path, url: connection.url, settings, ...report }, null, 2));
  } else {
    console.log(renderLoadReport(report, { file: path, url: connection.url, pace, batch: opts.batch }));
  }
  return complete(report) ? 0 : 1;
}
