import { type Command, Option } from 'commander';
import { duration, positiveInteger, positiveNumber } from './load/cli-options.js';
import type { LoadCommandOptions } from './load/load-cli.js';

export function registerLoadCommand(program: Command): void {
  program
    .command('load')
    .description('replay a question file against the question pipeline; report throughput, latency, states and errors')
    .argument('[file]', 'JSON lines, {"question": "…", "reference": "…"} (default: eval/questions-sample.jsonl)')
    .option('--url <url>', 'the node to load (default: TARS_URL, url in cli.yaml, else the node config)')
    .option('--api-key <key>', 'a key with the write and read scopes (default: TARS_API_KEY, apiKey in cli.yaml, else <dataDir>/admin.key)')
    .option('-c, --config <file>', 'a node config file (default: TARS_CONFIG): its address and admin key, when not given otherwise')
    .option('--rate <n>', 'send n questions per second, whatever happens to them', positiveNumber)
    .option('--concurrency <n>', 'keep n questions in flight (sent, not final) (default: 8)', positiveInteger)
    .option('--batch <n>', 'questions per POST /questions (at most 500)', positiveInteger, 1)
    .option('--limit <n>', 'only the first n questions of the file', positiveInteger)
    .option('--repeat <n>', 'replay the file n times', positiveInteger, 1)
    .option('--poll-ms <ms>', 'poll each question not final this often', positiveInteger, 500)
    .addOption(
      new Option('--timeout <duration>', 'stop after this long, e.g. 90s, 30m, 1h; questions not final by then are reported')
        .argParser(duration)
        .default(30 * 60_000, '30m'),
    )
    .option('--json', 'print the report as JSON')
    .action(async (file: string | undefined, opts: LoadCommandOptions) => {
      // Loaded only now: the question DTOs bring class-validator and Swagger, which other commands need not pay for.
      const { runLoadCommand } = await import('./load/load-cli.js');
      process.exitCode = await runLoadCommand(file, opts);
    });
}
