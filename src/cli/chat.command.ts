import type { Command } from 'commander';
import { ChatClient } from './chat/chat-client.js';
import { cliConfigPath, defaultHistoryPath, resolveConnection, type Connection } from './chat/connection.js';
import { HistoryFile } from './chat/history-file.js';
import { runLineMode } from './chat/line-mode.js';
import { describeError } from './chat/render.js';
import { runRepl } from './chat/repl.js';
import { ChatSession } from './chat/session.js';
import { colorsWanted, createStyle, type Style } from './chat/style.js';

interface ChatOptions {
  url?: string;
  apiKey?: string;
  config?: string;
  conversation?: string;
  color: boolean;
  historyFile?: string;
  json?: boolean;
}

async function banner(client: ChatClient, connection: Connection, session: ChatSession, style: Style): Promise<string> {
  const lines: string[] = [];
  try {
    const node = await client.nodeInfo();
    lines.push(`${style.bold('TARS')} ${style.dim(`${node.node} v${node.version} at ${connection.url}`)}`);
  } catch (err) {
    lines.push(style.red(`TARS at ${connection.url} does not answer: ${describeError(err)}`));
  }
  if (!connection.apiKey) {
    lines.push(style.yellow(`No API key: pass --api-key, set TARS_API_KEY, or put apiKey in ${cliConfigPath(process.env)}.`));
  }
  if (session.conversationId) lines.push(style.dim(`Continuing conversation ${session.conversationId}.`));
  lines.push(style.dim('Type a question, /help for commands, Ctrl+D to leave.'));
  return lines.join('\n');
}

export function registerChatCommand(program: Command): void {
  program
    .command('chat')
    .description('talk with TARS: a prompt with history on a terminal, one question per line from a pipe')
    .option('--url <url>', 'the node to talk to (default: TARS_URL, url in cli.yaml, else the node config)')
    .option('--api-key <key>', 'API key (default: TARS_API_KEY, apiKey in cli.yaml, else <dataDir>/admin.key)')
    .option('-c, --config <file>', 'a node config file (default: TARS_CONFIG): its address and admin key, when not given otherwise')
    .option('--conversation <id>', 'continue this conversation')
    .option('--no-color', 'no colours (also when NO_COLOR is set)')
    .option('--history-file <file>', 'where the prompt history is kept (default: $XDG_STATE_HOME/tars/chat_history)')
    .option('--json', 'from a pipe: print each answer as one line of JSON instead of its text')
    .action(async (opts: ChatOptions) => {
      const connection = resolveConnection(opts, process.env);
      const session = new ChatSession(new ChatClient(connection.url, connection.apiKey), opts.conversation);
      const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
      if (!interactive) {
        process.exitCode = await runLineMode({
          session,
          json: Boolean(opts.json),
          input: process.stdin,
          output: process.stdout,
          errors: process.stderr,
        });
        return;
      }
      const style = createStyle(colorsWanted(true, opts.color, process.env.NO_COLOR));
      process.exitCode = await runRepl({
        session,
        style,
        history: new HistoryFile(opts.historyFile ?? defaultHistoryPath(process.env)),
        input: process.stdin,
        output: process.stdout,
        banner: await banner(session.client, connection, session, style),
      });
    });
}
