#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { ConfigError } from '../config/config.loader.js';
import { TARS_VERSION } from '../platform/version.js';
import { registerChatCommand } from './chat.command.js';
import { registerEvalCommand } from './eval.command.js';
import { registerHealthCommand } from './health.command.js';
import { registerImportCommand } from './import.command.js';
import { registerJobsCommand } from './jobs.command.js';
import { registerKeysCommand } from './keys.command.js';
import { registerLoadCommand } from './load.command.js';
import { registerServeCommand } from './serve.command.js';

const program = new Command('tars')
  .description('TARS, a self-hosted personal AI assistant')
  .version(TARS_VERSION)
  .showHelpAfterError();
registerServeCommand(program);
registerKeysCommand(program);
registerChatCommand(program);
registerEvalCommand(program);
registerLoadCommand(program);
registerImportCommand(program);
registerJobsCommand(program);
registerHealthCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`tars: ${err.message}`);
    process.exit(2);
  }
  console.error(`tars: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
}
