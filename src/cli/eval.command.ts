import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config/config.loader.js';
import type { TarsConfigValues } from '../config/config.schema.js';
import type { EmbeddingLogger } from '../modules/processing/embeddings/embedding.types.js';
import { evaluateEmbeddingModels, type EvaluationReport } from '../modules/processing/evaluation/embedding-evaluation.js';
import { readLabelledSet, SAMPLE_SET_FILE } from '../modules/processing/evaluation/labelled-set.js';

interface EvalEmbeddingsOptions {
  set: string;
  models?: string;
  k: number;
  json?: boolean;
  config?: string;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/**
 * The evaluation measures models, not caches: no shared tier (it would also need NATS) and no
 * in-process tier, so that every text is computed and texts/s is the model's own rate.
 */
function withoutCaches(config: TarsConfigValues): TarsConfigValues {
  return { ...config, embeddings: { ...config.embeddings, cache: { ...config.embeddings.cache, memoryEntries: 0, shared: false } } };
}

/** The report says why a model is unavailable; the engine's own warning would only repeat it (and could mix into --json). */
const quietLogger: EmbeddingLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: (message) => console.error(message),
};

const fixed = (value: number | null) => (value === null ? '-' : value.toFixed(3));

function printReport(report: EvaluationReport, file: string): void {
  const { set, k, cutoffs } = report;
  console.log(`Set "${set.name}" (${file}): ${set.documents} documents, ${set.queries} queries, ${set.pairs} scored pairs\n`);
  const header = ['MODEL', 'PROVIDER', 'DIMS', ...cutoffs.map((c) => `R@${c}`), `MRR@${k}`, `nDCG@${k}`, 'SPEARMAN', 'TEXTS/S'];
  const rows = report.models.map((m) => {
    const identity = [m.model, m.provider, String(m.dimensions)];
    if (m.status !== 'evaluated') return [...identity, m.status];
    const rate = m.textsPerSecond >= 100 ? m.textsPerSecond.toFixed(0) : m.textsPerSecond.toFixed(1);
    return [...identity, ...cutoffs.map((c) => fixed(m.recall[c])), fixed(m.mrr), fixed(m.ndcg), fixed(m.spearman), rate];
  });
  // A skipped model's status (its 4th and last cell) runs past its column rather than widening it.
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter((r) => i < 3 || r.length === header.length).map((r) => r[i].length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());

  const skipped = report.models.filter((m) => m.status !== 'evaluated');
  if (skipped.length > 0) console.log('');
  for (const m of skipped) console.log(`${m.model}: ${m.status}: ${m.reason}`);
  for (const m of report.models) {
    if (m.status === 'evaluated' && m.cacheHits > 0) console.log(`${m.model}: ${m.cacheHits} texts came from a cache; TEXTS/S overstates the model`);
  }
}

export function registerEvalCommand(program: Command): void {
  const evaluate = program.command('eval').description('measure models on labelled data');
  evaluate
    .command('embeddings')
    .description('recall@1/5/k, MRR@k, nDCG@k and Spearman of embedding models on a labelled set')
    .option('-s, --set <file>', 'labelled set, JSON (see README)', SAMPLE_SET_FILE)
    .option('-m, --models <ids>', 'comma list of model ids (default: every configured model)')
    .option('-k, --k <n>', 'cut-off of recall@k, MRR@k and nDCG@k', positiveInteger, 10)
    .option('--json', 'print JSON')
    .option('-c, --config <file>', 'config file (default: TARS_CONFIG)')
    .action(async (opts: EvalEmbeddingsOptions) => {
      const config = withoutCaches(loadConfig({ file: opts.config }));
      const set = readLabelledSet(opts.set);
      const ids = opts.models
        ? [...new Set(opts.models.split(',').map((id) => id.trim()).filter(Boolean))]
        : config.embeddings.models.map((m) => m.id);
      // Loaded only now: the engine brings NATS, Ollama and Nest clients that other commands do not need.
      const { EmbeddingEngine } = await import('../modules/processing/embeddings/embedding-engine.js');
      const engine = new EmbeddingEngine(config, { logger: quietLogger });
      let report: EvaluationReport;
      try {
        report = await evaluateEmbeddingModels(engine, set, ids, { k: opts.k });
      } finally {
        await engine.close();
      }
      if (opts.json) console.log(JSON.stringify({ ...report, set: { ...report.set, file: opts.set } }, null, 2));
      else printReport(report, opts.set);
      if (!report.models.some((m) => m.status === 'evaluated')) {
        console.error('tars: no model could be evaluated');
        process.exitCode = 1;
      }
    });
}
