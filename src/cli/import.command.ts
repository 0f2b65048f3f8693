import type { Command } from 'commander';
import { positiveInteger } from './load/cli-options.js';
import type { ImportCommandOptions } from './load/import-answers.js';

export function registerImportCommand(program: Command): void {
  const importer = program.command('import').description('load data into a node');
  importer
    .command('answers')
    .description('load previously answered questions as a baseline for the question statistics (importing again changes nothing)')
    .argument('<file>', 'JSON lines, {"question": "…", "answer": "…", "score": 0.9, "askedAt": "…", "answeredAt": "…"}')
    .option('--url <url>', 'the node to import into (default: TARS_URL, url in cli.yaml, else the node config)')
    .option('--api-key <key>', 'an admin key (default: TARS_API_KEY, apiKey in cli.yaml, else <dataDir>/admin.key)')
    .option('-c, --config <file>', 'a node config file (default: TARS_CONFIG): its address and admin key, when not given otherwise')
    .option('--skip-invalid', 'import the valid lines and list the others, instead of importing nothing')
    .option('--batch <n>', 'answers per request (at most 1000)', positiveInteger, 1000)
    .option('--json', 'print the totals as JSON')
    .action(async (file: string, opts: ImportCommandOptions) => {
      const { runImportAnswersCommand } = await import('./load/import-answers.js');
      await runImportAnswersCommand(file, opts);
    });
}
