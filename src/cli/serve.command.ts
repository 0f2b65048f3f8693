import type { Command } from 'commander';
import { loadConfig } from '../config/config.loader.js';

interface ServeOptions {
  roles?: string;
  config?: string;
  host?: string;
  port?: string;
  dataDir?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run a TARS node with the modules of its roles')
    .option('-r, --roles <roles>', 'preset (all, cognitive, processing) or comma list of modules (default: TARS_ROLES or the config file, else all)')
    .option('-c, --config <file>', 'config file layered over config/default.yaml (default: TARS_CONFIG)')
    .option('--host <host>', 'HTTP address to listen on')
    .option('-p, --port <port>', 'HTTP port')
    .option('--data-dir <dir>', 'data folder (default: TARS_DATA_DIR or ~/.local/share/tars)')
    .action(async (opts: ServeOptions) => {
      const config = loadConfig({
        file: opts.config,
        overrides: {
          roles: opts.roles,
          'http.host': opts.host,
          'http.port': opts.port === undefined ? undefined : Number(opts.port),
          dataDir: opts.dataDir,
        },
      });
      // Loaded only now, so that a bad configuration is reported before Nest and its modules load.
      const { startNode } = await import('../main.js');
      await startNode(config);
    });
}
