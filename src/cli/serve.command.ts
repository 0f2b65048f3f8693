import type { Command } from 'commander';
import { loadConfig } from '../config/config.loader.js';
import { checkConfig, describeConfig } from './check-config.js';

interface ServeOptions {
  roles?: string;
  config?: string;
  host?: string;
  port?: string;
  dataDir?: string;
  checkConfig?: boolean;
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
    .option('--check-config', 'validate the configuration, print what the node would be and exit (exit code 2 when invalid or when an unknown TARS_ variable is set)')
    .action(async (opts: ServeOptions) => {
      const load = () =>
        loadConfig({
          file: opts.config,
          overrides: {
            roles: opts.roles,
            'http.host': opts.host,
            'http.port': opts.port === undefined ? undefined : Number(opts.port),
            dataDir: opts.dataDir,
          },
        });
      if (opts.checkConfig) {
        console.log(describeConfig(await checkConfig(load)));
        return;
      }
      const config = load();
      // Loaded only now, so that a bad configuration is reported before Nest and its modules load.
      const { startNode } = await import('../main.js');
      await startNode(config);
    });
}
