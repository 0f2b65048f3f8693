import type { LoggerService, LogLevel } from '@nestjs/common';
import { currentRequestId } from './request-context.js';

type Level = 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const COLOR: Record<Level, string> = { error: '\x1b[31m', warn: '\x1b[33m', info: '\x1b[32m', debug: '\x1b[90m' };

/** Nest's start-up inventory (modules, routes) is useful when debugging only. */
const NEST_CHATTER = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestMicroservice']);

/**
 * One logger for every module: JSON lines (for journald) or coloured text (for a terminal),
 * written to stdout (stderr for errors), filtered by level. A line written while serving a request
 * (HTTP, a NATS call from another node, or a queued job) carries that request's id, so one
 * question can be followed across nodes: `journalctl -u 'tars@*' -o cat | grep <id>`.
 */
export class TarsLogger implements LoggerService {
  private readonly json: boolean;

  constructor(
    private readonly level: Level,
    format: 'json' | 'pretty' | 'auto',
    private readonly node: string,
  ) {
    this.json = format === 'json' || (format === 'auto' && !process.stdout.isTTY);
  }

  log(message: unknown, context?: string): void {
    this.write(context && NEST_CHATTER.has(context) ? 'debug' : 'info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    this.write('error', message, context ?? stackOrContext);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('error', message, context);
  }
  setLogLevels?(_levels: LogLevel[]): void {}

  private write(level: Level, message: unknown, context?: string): void {
    if (RANK[level] > RANK[this.level]) return;
    const text = message instanceof Error ? (message.stack ?? message.message) : typeof message === 'string' ? message : JSON.stringify(message);
    const stream = level === 'error' ? process.stderr : process.stdout;
    const requestId = currentRequestId();
    if (this.json) {
      stream.write(JSON.stringify({ time: new Date().toISOString(), level, node: this.node, context, requestId, msg: text }) + '\n');
    } else {
      const time = new Date().toISOString().slice(11, 23);
      const request = requestId ? ` \x1b[90m${requestId.slice(0, 8)}\x1b[0m` : '';
      stream.write(`${time} ${COLOR[level]}${level.toUpperCase().padEnd(5)}\x1b[0m \x1b[36m[${context ?? 'tars'}]\x1b[0m${request} ${text}\n`);
    }
  }
}
