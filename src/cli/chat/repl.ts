import { createInterface } from 'node:readline';
import { describeError, renderAnswerFooter } from './render.js';
import { isCommand, runCommand, UnknownCommandError } from './commands.js';
import { HISTORY_MAX_LINES, type HistoryFile } from './history-file.js';
import type { ChatSession } from './session.js';
import type { Style } from './style.js';

export interface ReplOptions {
  session: ChatSession;
  style: Style;
  history: HistoryFile;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Printed before the first prompt. */
  banner: string;
}

/**
 * The interactive chat on a terminal: a prompt with history (arrow keys, kept in the history
 * file), answers streamed as they are generated, slash commands. Ctrl+C cancels the answer being
 * streamed, clears a typed line, or leaves at an empty prompt; Ctrl+D leaves too.
 */
export async function runRepl(options: ReplOptions): Promise<number> {
  const { session, style, history, output } = options;
  const print = (text: string) => output.write(`${text}\n`);
  const rl = createInterface({
    input: options.input,
    output,
    prompt: style.bold(style.cyan('tars> ')),
    terminal: true,
    history: history.load(),
    historySize: HISTORY_MAX_LINES,
  });
  /** The answer or command under way, which Ctrl+C cancels. */
  let busy: AbortController | undefined;
  rl.on('SIGINT', () => {
    if (busy) return busy.abort();
    if (rl.line === '') return rl.close();
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
  });

  print(options.banner);
  rl.prompt();
  let exitCommand = false;
  for await (const line of rl) {
    history.append(line);
    const text = line.trim();
    if (text !== '') {
      busy = new AbortController();
      if (isCommand(text)) exitCommand = (await command(text, busy.signal)) === 'exit';
      else await answer(text, busy.signal);
      busy = undefined;
      if (exitCommand) break;
    }
    rl.prompt();
  }
  rl.close();
  // Ctrl+D or Ctrl+C left the cursor after the prompt: the shell's prompt goes on a line of its own.
  if (!exitCommand) output.write('\n');
  return 0;

  async function command(text: string, signal: AbortSignal) {
    try {
      return await runCommand(text, { session, style, print, format: 'terminal', signal });
    } catch (err) {
      if (signal.aborted) print(style.dim('(cancelled)'));
      else print(err instanceof UnknownCommandError ? style.yellow(err.message) : style.red(`error: ${describeError(err)}`));
      return 'continue';
    }
  }

  async function answer(question: string, signal: AbortSignal): Promise<void> {
    const started = Date.now();
    let streamed = '';
    const write = (piece: string) => {
      output.write(piece);
      streamed += piece;
    };
    const endLine = () => {
      if (streamed !== '' && !streamed.endsWith('\n')) output.write('\n');
    };
    try {
      for await (const item of session.stream(question, signal)) {
        if (item.type === 'token') write(item.text);
        if (item.type !== 'done') continue;
        // A degraded answer may come whole, without tokens.
        if (streamed === '') write(item.answer.answer);
        endLine();
        print(renderAnswerFooter(item.answer, style, Date.now() - started));
      }
    } catch (err) {
      endLine();
      print(signal.aborted ? style.dim('(cancelled)') : style.red(`error: ${describeError(err)}`));
    }
  }
}
