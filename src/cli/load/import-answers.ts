import { IMPORT_BATCH_MAX, type ImportAnswersResultDto } from '../../contracts/questions/question.dto.js';
import { resolveConnection } from '../chat/connection.js';
import { type NumberedAnswer, readAnswerFile, type ImportedAnswer } from './answer-file.js';
import { type ApiAnswer, describeRefusal, QuestionsClient } from './questions-client.js';
import { inBatches } from './scheduler.js';

/** POST /questions/import, or a fake in tests. */
export type ImportAnswersApi = (answers: ImportedAnswer[]) => Promise<ApiAnswer<ImportAnswersResultDto>>;

export interface ImportTotals {
  imported: number;
  skipped: number;
  batches: number;
}

/**
 * Sends the answers in batches, one after the other. A batch that fails stops the import with a
 * message naming its lines; what was imported before stays, and importing again skips it.
 */
export async function importInBatches(send: ImportAnswersApi, answers: NumberedAnswer[], batchSize = IMPORT_BATCH_MAX): Promise<ImportTotals> {
  const totals: ImportTotals = { imported: 0, skipped: 0, batches: 0 };
  const count = Math.ceil(answers.length / batchSize);
  for (const batch of inBatches(answers, batchSize)) {
    const lines = `lines ${batch[0].line}–${batch[batch.length - 1].line}`;
    const failed = (why: string) =>
      new Error(
        `batch ${totals.batches + 1} of ${count} (${lines}) was not imported: ${why}. ` +
          `${totals.imported} answers were imported before it; importing the file again skips them.`,
      );
    let answer: ApiAnswer<ImportAnswersResultDto>;
    try {
      answer = await send(batch.map((item) => item.value));
    } catch (err) {
      throw failed((err as Error).message);
    }
    if (answer.status !== 200) {
      const hint = answer.status === 401 || answer.status === 403 ? ' (importing needs a key with the admin scope)' : '';
      throw failed(`${describeRefusal(answer)}${hint}`);
    }
    const result = answer.body as ImportAnswersResultDto;
    totals.imported += result.imported;
    totals.skipped += result.skipped;
    totals.batches += 1;
  }
  return totals;
}

export interface ImportCommandOptions {
  url?: string;
  apiKey?: string;
  config?: string;
  skipInvalid?: boolean;
  batch: number;
  json?: boolean;
}

/** `tars import answers <file>`. */
export async function runImportAnswersCommand(file: string, opts: ImportCommandOptions): Promise<void> {
  if (opts.batch > IMPORT_BATCH_MAX) throw new Error(`--batch must be at most ${IMPORT_BATCH_MAX} (what POST /questions/import takes)`);
  const { answers, skipped } = readAnswerFile(file, Boolean(opts.skipInvalid));
  const connection = resolveConnection(opts, process.env);
  if (!connection.apiKey) throw new Error('importing needs an admin key: pass --api-key, set TARS_API_KEY, or give the node config (--config) whose admin.key to use');
  const client = new QuestionsClient(connection.url, connection.apiKey);
  if (!(await client.isUp())) throw new Error(`no TARS node answers at ${connection.url} (from ${connection.urlFrom})`);
  const totals = await importInBatches((batch) => client.importAnswers(batch), answers, opts.batch);

  if (opts.json) {
    console.log(JSON.stringify({ file, ...totals, invalid: skipped }, null, 2));
    return;
  }
  console.log(
    `Imported ${totals.imported} answer${totals.imported === 1 ? '' : 's'} from ${file}; ` +
      `${totals.skipped} skipped (imported before), in ${totals.batches} batch${totals.batches === 1 ? '' : 'es'}.`,
  );
  if (skipped.length > 0) {
    console.log(`${skipped.length} invalid line${skipped.length === 1 ? '' : 's'} left out:`);
    for (const problem of skipped) console.log(`  line ${problem.line}: ${problem.message}`);
  }
}
