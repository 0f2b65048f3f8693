import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatAnswerDto } from '../../src/contracts/orchestrator/chat.dto.js';
import { tempDataDir } from '../support/config.js';
import { call } from '../support/http.js';
import { OllamaSimulator, type SimulatorRequest } from '../support/ollama-simulator.mjs';
import { CLI_ENTRY, REPO_ROOT } from '../support/paths.js';
import { freePort, TarsProcess } from '../support/tars-process.js';
import { hashingEmbeddingsEnv } from '../support/node-env.mjs';

/**
 * `tars chat` as a user meets it: fed by a pipe (answers on stdout, errors on stderr, the exit
 * code), and on a terminal (a pseudo-terminal: prompt, streamed answers, history with arrow keys
 * kept across sessions, Ctrl+C). Against a real node whose LLM is the Ollama simulator.
 */

/** The simulator answers `You asked: <question>.`, so that each answer can be told apart; "zqslow" questions get a long answer. */
function scriptedReply(request: SimulatorRequest): string {
  const messages = (request.body as { messages?: { role: string; content: string }[] }).messages ?? [];
  const last = messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  const question = (last.split('Question:').at(-1) ?? last).trim();
  if (question.includes('zqslow')) return Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
  return `You asked: ${question}`;
}

const ESC = '\u001b';
/** An SGR sequence (colours, bold, dim); the cursor movements of readline are other sequences. */
const SGR = new RegExp(`${ESC}\\[\\d+(;\\d+)*m`);
const KEYS = { up: '\u001b[A', enter: '\r', ctrlC: '\u0003', ctrlD: '\u0004' };

/** Runs the command in a pseudo-terminal, relaying the test's writes as keystrokes and the terminal's output back. */
const PTY_RELAY = `
import fcntl, os, pty, select, struct, sys, termios
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 50, 200, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
reading = True
while True:
    ready, _, _ = select.select([fd] + ([0] if reading else []), [], [])
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if data:
            os.write(fd, data)
        else:
            reading = False
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
`;

/** `tars chat` on a terminal. */
class TerminalSession {
  private raw = '';
  private readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn('python3', ['-c', PTY_RELAY, process.execPath, CLI_ENTRY, 'chat', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, TERM: 'xterm-256color', ...env },
    });
    this.child.stdout.on('data', (d: Buffer) => (this.raw += d.toString()));
    this.child.stderr.on('data', (d: Buffer) => (this.raw += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Everything the terminal showed, escape codes included. */
  get output(): string {
    return this.raw;
  }

  /** The text shown, without escape codes, and with the terminal's \r\n line ends as \n. */
  get screen(): string {
    return stripVTControlCharacters(this.raw).replace(/\r/g, '');
  }

  /** A position in `screen` to look for what comes after. */
  mark(): number {
    return this.screen.length;
  }

  press(keys: string): void {
    this.child.stdin.write(keys);
  }

  /** Waits until the screen shows `pattern` after `from`; fails with the screen if it never does. */
  async waitFor(pattern: string | RegExp, from = 0, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const found = () => {
      const text = this.screen.slice(from);
      return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
    };
    while (!found()) {
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}; it shows:\n${this.screen.slice(from)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** `tars chat` with its stdin fed from `input` (a pipe, not a terminal). */
async function pipeToChat(args: string[], input: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI_ENTRY, 'chat', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('tars chat against a node with the Ollama simulator', () => {
  let sim: OllamaSimulator;
  let node: TarsProcess;
  let dataDir: string;
  let home: string;
  let adminKey: string;
  /** The CLI's environment: its own empty config and state folders, no node settings from the caller. */
  let cliEnv: Record<string, string>;
  const terminals: TerminalSession[] = [];

  beforeAll(async () => {
    sim = await OllamaSimulator.start({ reply: scriptedReply, tokensPerSecond: 0 });
    dataDir = tempDataDir('tars-chat-node');
    home = tempDataDir('tars-chat-home');
    node = await TarsProcess.start('chat-cli', {
      DATABASE_URL: '',
      NATS_URL: '',
      TARS_DATA_DIR: dataDir,
      OLLAMA_HOST: sim.url,
      TARS_INFERENCE_BACKENDS: JSON.stringify([{ id: 'ollama', kind: 'ollama', host: sim.url, model: 'llama3.2:3b' }]),
      TARS_ORCHESTRATOR_REWRITE_MODE: 'concat',
      ...hashingEmbeddingsEnv(),
    });
    adminKey = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
    cliEnv = {
      TARS_URL: node.url,
      TARS_API_KEY: adminKey,
      TARS_CONFIG: '',
      HOME: home,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_STATE_HOME: join(home, 'state'),
      NO_COLOR: '',
    };
  });

  afterAll(async () => {
    for (const terminal of terminals) terminal.kill();
    await node?.kill();
    await sim?.close();
    for (const dir of [dataDir, home]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('from a pipe', () => {
    it('answers each line; the second question continues the conversation of the first, and both turns are stored', async () => {
      const questions = ['My boiler is called zqalpha.', 'What is my boiler called?'];
      const result = await pipeToChat(['--json'], `${questions.join('\n')}\n`, cliEnv);
      expect(result.code, result.stderr).toBe(0);
      const answers = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as ChatAnswerDto);
      expect(answers).toHaveLength(2);
      expect(answers.map((a) => a.answer)).toEqual(questions.map((q) => `You asked: ${q}`));
      expect(answers.every((a) => a.generated)).toBe(true);
      expect(answers[0].conversationId).toEqual(expect.any(String));
      expect(answers[1].conversationId).toBe(answers[0].conversationId);

      const conversation = await call(node.url, 'GET', `/memory/conversations/${answers[0].conversationId}`, { key: adminKey });
      expect(conversation.status).toBe(200);
      const turns = conversation.body.turns as { role: string; content: string }[];
      expect(turns.map((t) => [t.role, t.content])).toEqual([
        ['user', questions[0]],
        ['assistant', answers[0].answer],
        ['user', questions[1]],
        ['assistant', answers[1].answer],
      ]);
    });

    it('prints just the answer text, one answer per line, with nothing on stderr', async () => {
      const result = await pipeToChat([], 'First zqplain question\n\nSecond zqplain question\n', cliEnv);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe('You asked: First zqplain question\nYou asked: Second zqplain question\n');
      expect(result.stderr).toBe('');
    });

    it('runs /memory, /projects and /health, without colours', async () => {
      const note = await call(node.url, 'POST', '/memory/notes', {
        key: adminKey,
        body: { title: 'Boiler zqnote', text: 'The zqnote boiler is serviced every May.' },
      });
      expect(note.status).toBe(201);
      const result = await pipeToChat([], '/memory zqnote\n/projects\n/health\n', cliEnv);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^1\. Boiler zqnote \(notes, note, score \d\.\d{3}\)$/m);
      expect(result.stdout).toMatch(/\*\*zqnote\*\*/);
      expect(result.stdout).toMatch(/^No projects\.$/m);
      expect(result.stdout).toMatch(/^chat-cli v\d+\.\d+\.\d+ · roles .*api.*$/m);
      expect(result.stdout).toMatch(/^ready: yes$/m);
      expect(result.stdout).toMatch(/^ {2}database\s+up\b/m);
      expect(result.stdout).not.toContain(ESC);
    });

    it('exits with 1 and says why on stderr when a question fails, and still answers the others', async () => {
      const unknown = randomUUID();
      const result = await pipeToChat(['--conversation', unknown], 'Continue zqmissing\n', cliEnv);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^tars: Continue zqmissing: .*\(404 not_found\)$/m);

      const badKey = await pipeToChat(['--api-key', 'tars_wrong'], 'Who am I?\n/new\n', cliEnv);
      expect(badKey.code).toBe(1);
      expect(badKey.stderr).toMatch(/\(401 unauthorized\); give a key with --api-key/);
    });

    it('prints an answer no model generated, says so on stderr, and still exits with 0', async () => {
      sim.inject({ kind: 'status', status: 500, path: '/api/chat' }, 20);
      try {
        const result = await pipeToChat([], 'Is the zqnote boiler due?\n', cliEnv);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout.trim()).not.toBe('');
        expect(result.stdout).not.toContain('You asked:');
        expect(result.stderr).toMatch(/^tars: the answer to "Is the zqnote boiler due\?" was not generated by a model \(\w+: .+\)$/m);
      } finally {
        sim.reset();
      }
    });

    it('finds the node and its admin key through a node config file when nothing else names them', async () => {
      const file = join(home, 'node.yaml');
      writeFileSync(file, `dataDir: ${dataDir}\nhttp:\n  host: 0.0.0.0\n  port: ${node.port}\n`);
      const env = { ...cliEnv, TARS_URL: '', TARS_API_KEY: '' };
      const result = await pipeToChat(['--config', file], 'Through zqconfig\n', env);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe('You asked: Through zqconfig\n');

      // cli.yaml comes before the node config: a wrong URL there wins, and fails.
      mkdirSync(join(home, 'config', 'tars'), { recursive: true });
      const nobody = await freePort();
      writeFileSync(join(home, 'config', 'tars', 'cli.yaml'), `url: http://127.0.0.1:${nobody}\n`);
      try {
        const refused = await pipeToChat(['--config', file], 'Through zqconfig\n', env);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`cannot reach http://127.0.0.1:${nobody}: ECONNREFUSED`);
      } finally {
        rmSync(join(home, 'config'), { recursive: true, force: true });
      }
    });
  });

  describe('on a terminal', () => {
    const historyFile = () => join(home, 'state', 'tars', 'chat_history');

    it('prompts, streams answers, cancels one with Ctrl+C, starts anew with /new, recalls lines with arrow up, and keeps the history', async () => {
      const terminal = new TerminalSession([], cliEnv);
      terminals.push(terminal);
      await terminal.waitFor(`chat-cli v`);
      await terminal.waitFor('tars> ');

      let from = terminal.mark();
      terminal.press(`What is zqfirst?${KEYS.enter}`);
      await terminal.waitFor(/You asked: What is zqfirst\?\n(inference_only|needs_context|synthesis) · .*\d+(\.\d)? m?s\n/, from);
      await terminal.waitFor('tars> ', from);
      expect(terminal.output).toMatch(new RegExp(`${ESC}\\[2m(inference_only|needs_context|synthesis) · `)); // the footer is dim

      // A slow answer, cancelled after its first words: the node stops generating (the simulator sees the client go).
      sim.tokensPerSecond = 20;
      from = terminal.mark();
      terminal.press(`Tell me all about zqslow${KEYS.enter}`);
      await terminal.waitFor('word3 ', from);
      terminal.press(KEYS.ctrlC);
      await terminal.waitFor('(cancelled)', from);
      const aborted = await sim.waitForAbort({ timeoutMs: 20_000 });
      expect(aborted.path).toBe('/api/chat');
      expect(aborted.tokensSent).toBeLessThan(400);
      sim.tokensPerSecond = 0;
      await terminal.waitFor('tars> ', from);

      from = terminal.mark();
      terminal.press(`/new${KEYS.enter}`);
      await terminal.waitFor('New conversation', from);

      // Arrow up: /new, then the slow question, then the first question; asked again, in a new conversation.
      from = terminal.mark();
      terminal.press(KEYS.up);
      await terminal.waitFor('/new', from);
      terminal.press(KEYS.up);
      await terminal.waitFor('zqslow', from);
      from = terminal.mark();
      terminal.press(KEYS.up);
      await terminal.waitFor('What is zqfirst?', from);
      from = terminal.mark();
      terminal.press(KEYS.enter);
      await terminal.waitFor(/You asked: What is zqfirst\?\n/, from);
      await terminal.waitFor('tars> ', from);

      terminal.press(`/exit${KEYS.enter}`);
      expect(await terminal.exited).toBe(0);

      // Two conversations: the first question and the cancelled one that continued it; after /new, the first question again.
      const list = await call(node.url, 'GET', '/memory/conversations?limit=100', { key: adminKey });
      const ids = (list.body.conversations as { id: string; title: string }[]).filter((c) => c.title.includes('zqfirst')).map((c) => c.id);
      expect(ids).toHaveLength(2);
      const userTurns = await Promise.all(
        ids.map(async (id) => {
          const conversation = await call(node.url, 'GET', `/memory/conversations/${id}`, { key: adminKey });
          return (conversation.body.turns as { role: string; content: string }[]).filter((t) => t.role === 'user').map((t) => t.content);
        }),
      );
      expect(userTurns).toEqual(
        expect.arrayContaining([['What is zqfirst?'], ['What is zqfirst?', 'Tell me all about zqslow']]),
      );

      expect(readFileSync(historyFile(), 'utf8')).toBe(
        ['What is zqfirst?', 'Tell me all about zqslow', '/new', 'What is zqfirst?', '/exit', ''].join('\n'),
      );
      expect(statSync(historyFile()).mode & 0o777).toBe(0o600);
    });

    it('a new session recalls the lines of the previous one; --no-color leaves colours out; Ctrl+D leaves', async () => {
      const terminal = new TerminalSession(['--no-color'], cliEnv);
      terminals.push(terminal);
      await terminal.waitFor('tars> ');
      let from = terminal.mark();
      terminal.press(KEYS.up);
      await terminal.waitFor('/exit', from);
      from = terminal.mark();
      terminal.press(KEYS.up);
      await terminal.waitFor('What is zqfirst?', from);
      from = terminal.mark();
      terminal.press(KEYS.enter);
      await terminal.waitFor(/You asked: What is zqfirst\?\n.* · /, from);
      await terminal.waitFor('tars> ', from);
      terminal.press(KEYS.ctrlD);
      expect(await terminal.exited).toBe(0);
      expect(terminal.output).not.toMatch(SGR);
      expect(readFileSync(historyFile(), 'utf8').split('\n').at(-2)).toBe('What is zqfirst?');
    });
  });
});
