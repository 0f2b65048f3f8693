import { HELP, renderHealth, renderHits, renderProjects } from './render.js';
import type { ChatSession } from './session.js';
import type { Style } from './style.js';

/** What a slash command needs: the session (with its client), how to print, and in which format. */
export interface CommandContext {
  session: ChatSession;
  style: Style;
  print: (text: string) => void;
  /** `terminal`: the REPL; `text`: piped, answers only; `json`: piped, the API's answers as JSON lines. */
  format: 'terminal' | 'text' | 'json';
  /** Cancels the command's request (Ctrl+C). */
  signal?: AbortSignal;
}

export type CommandOutcome = 'continue' | 'exit';

/** A slash command the REPL does not know; the message is the hint. */
export class UnknownCommandError extends Error {}

const COMMAND = /^\/([a-z]+)(?:\s+(.*))?$/is;

/** `/word ...` is a command; anything else, `/etc/hosts?` included, is a question. */
export function isCommand(line: string): boolean {
  return COMMAND.test(line.trim());
}

export async function runCommand(line: string, ctx: CommandContext): Promise<CommandOutcome> {
  const [, rawName, rawArgs] = COMMAND.exec(line.trim()) ?? [];
  const name = rawName?.toLowerCase();
  const args = rawArgs?.trim() ?? '';
  const { session, style, print } = ctx;
  switch (name) {
    case 'exit':
    case 'quit':
      return 'exit';
    case 'help':
      print(HELP);
      return 'continue';
    case 'new':
      session.reset();
      if (ctx.format === 'terminal') print(style.dim('New conversation: the next question starts it.'));
      return 'continue';
    case 'memory': {
      if (!args) throw new Error('usage: /memory <query>');
      const result = await session.client.searchMemory(args, 5, ctx.signal);
      print(ctx.format === 'json' ? JSON.stringify(result) : renderHits(result, style));
      return 'continue';
    }
    case 'projects': {
      const list = await session.client.listProjects(ctx.signal);
      print(ctx.format === 'json' ? JSON.stringify(list) : renderProjects(list, style));
      return 'continue';
    }
    case 'health': {
      const [node, readiness] = await Promise.all([session.client.nodeInfo(ctx.signal), session.client.readiness(ctx.signal)]);
      print(ctx.format === 'json' ? JSON.stringify({ node, ready: readiness.body }) : renderHealth(node, readiness, style));
      return 'continue';
    }
    default:
      throw new UnknownCommandError(`unknown command /${rawName}; /help lists the commands`);
  }
}
