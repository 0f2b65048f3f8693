import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { answerSource, chatAnswer } from '../../../test/support/chat-answer.factory.js';
import type { ChatAnswerDto } from '../../contracts/orchestrator/chat.dto.js';
import { ChatApiError, type ChatClient, type Question, type StreamItem } from './chat-client.js';
import { HistoryFile } from './history-file.js';
import { runRepl } from './repl.js';
import { ChatSession } from './session.js';
import { createStyle } from './style.js';

const KEYS = { up: '\u001b[A', enter: '\r', ctrlC: '\u0003', ctrlD: '\u0004' };

function answerTo(question: Question, text: string): ChatAnswerDto {
  return chatAnswer({
    conversationId: question.conversationId ?? 'conv-1',
    answer: text,
    sources: [answerSource(1, 'Boiler')],
    timings: { total: 1200 },
  });
}

/**
 * Answers "slow ..." questions with one token and then nothing until cancelled, "fail ..." with
 * an error, and anything else with two tokens.
 */
class FakeClient {
  readonly questions: Question[] = [];
  readonly baseUrl = 'http://fake';

  async *stream(question: Question, signal?: AbortSignal): AsyncGenerator<StreamItem> {
    this.questions.push(question);
    if (question.question.startsWith('fail')) throw new ChatApiError('no backend answered', 503, 'llm_unavailable');
    yield { type: 'token', text: 'Answer to ' };
    if (question.question.startsWith('slow')) {
      await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    }
    yield { type: 'token', text: question.question };
    yield { type: 'done', answer: answerTo(question, `Answer to ${question.question}`) };
  }

  /** Never answers: only cancelling ends it. */
  searchMemory(_query: string, _k: number, signal?: AbortSignal): Promise<never> {
    return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
  }
}

describe('runRepl', () => {
  let dir: string;
  let historyPath: string;
  let input: PassThrough;
  let screen: string;
  let client: FakeClient;
  let session: ChatSession;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tars-repl-'));
    historyPath = join(dir, 'chat_history');
    input = new PassThrough();
    screen = '';
    client = new FakeClient();
    session = new ChatSession(client as unknown as ChatClient);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function start(colours = false): Promise<number> {
    const output = new Writable({
      write(chunk: Buffer, _enc, done) {
        screen += chunk.toString();
        done();
      },
    });
    return runRepl({ session, style: createStyle(colours), history: new HistoryFile(historyPath), input, output, banner: 'BANNER' });
  }

  const text = () => stripVTControlCharacters(screen);
  const prompts = () => text().split('tars> ').length - 1;
  const type = (keys: string) => input.write(keys);
  /** Readline redraws the prompt with every edit, so the prompt count only tells the first one apart. */
  async function untilPrompt(count: number): Promise<void> {
    await vi.waitFor(() => expect(prompts()).toBeGreaterThanOrEqual(count));
  }
  /** Each finished answer ends with its footer. */
  async function untilAnswers(count: number): Promise<void> {
    await vi.waitFor(() => expect(text().split('· 1.2 s').length - 1).toBeGreaterThanOrEqual(count));
  }

  it('prints the banner and a prompt, streams an answer with its footer, and prompts again', async () => {
    const done = start();
    await untilPrompt(1);
    expect(text()).toMatch(/^BANNER\n/);
    type(`hello${KEYS.enter}`);
    await untilAnswers(1);
    await untilPrompt(2);
    expect(text()).toContain('Answer to hello\ninference_only · [1] Boiler (notes) · 1.2 s\n');
    type(KEYS.ctrlD);
    expect(await done).toBe(0);
  });

  it('continues the conversation of the first answer until /new', async () => {
    const done = start();
    for (const line of ['one', 'two', '/new', 'three']) type(`${line}${KEYS.enter}`);
    await untilAnswers(3);
    expect(client.questions).toEqual([{ question: 'one' }, { question: 'two', conversationId: 'conv-1' }, { question: 'three' }]);
    expect(text()).toContain('New conversation');
    type(`/exit${KEYS.enter}`);
    expect(await done).toBe(0);
  });

  it('Ctrl+C during an answer cancels it and returns to the prompt; the REPL goes on', async () => {
    const done = start();
    type(`slow question${KEYS.enter}`);
    await vi.waitFor(() => expect(text()).toContain('Answer to '));
    type(KEYS.ctrlC);
    await untilPrompt(2);
    expect(text()).toContain('Answer to \n(cancelled)\n');
    expect(text()).not.toContain('slow question\n');
    type(`next${KEYS.enter}`);
    await untilAnswers(1);
    expect(text()).toContain('Answer to next');
    type(`/quit${KEYS.enter}`);
    expect(await done).toBe(0);
  });

  it('Ctrl+C cancels a command that is waiting for the node', async () => {
    const done = start();
    type(`/memory anything${KEYS.enter}`);
    await vi.waitFor(() => expect(screen).toContain('anything\r\n'));
    type(KEYS.ctrlC);
    await vi.waitFor(() => expect(text()).toContain('(cancelled)'));
    type(`after${KEYS.enter}`);
    await untilAnswers(1);
    type(KEYS.ctrlD);
    expect(await done).toBe(0);
    expect(text().endsWith('tars> \n')).toBe(true); // the shell's prompt starts on a new line
  });

  it('Ctrl+C clears a typed line, and at an empty prompt leaves', async () => {
    const done = start();
    type('half a thought');
    type(KEYS.ctrlC);
    type(`other${KEYS.enter}`);
    await untilAnswers(1);
    expect(client.questions).toEqual([{ question: 'other' }]);
    type(KEYS.ctrlC);
    expect(await done).toBe(0);
  });

  it('prints errors (in red with colours) and unknown commands as a hint, and stays', async () => {
    const done = start(true);
    type(`fail now${KEYS.enter}`);
    type(`/bogus${KEYS.enter}`);
    await vi.waitFor(() => expect(text()).toContain('/help lists'));
    expect(screen).toContain('\u001b[31merror: no backend answered (503 llm_unavailable)\u001b[39m');
    expect(text()).toContain('unknown command /bogus; /help lists the commands');
    type(KEYS.ctrlD);
    expect(await done).toBe(0);
  });

  it('recalls entries of an earlier session with arrow up, and appends the new ones to the history file', async () => {
    writeFileSync(historyPath, 'older question\nlast question\n');
    const done = start();
    await untilPrompt(1);
    type(KEYS.up + KEYS.up + KEYS.enter);
    await untilAnswers(1);
    expect(client.questions).toEqual([{ question: 'older question' }]);
    type(`new one${KEYS.enter}`);
    await untilAnswers(2);
    type(KEYS.up + KEYS.enter);
    await untilAnswers(3);
    expect(client.questions.at(-1)).toEqual({ question: 'new one', conversationId: 'conv-1' });
    type(KEYS.ctrlD);
    await done;
    expect(readFileSync(historyPath, 'utf8')).toBe('older question\nlast question\nolder question\nnew one\n');
    expect(screen).not.toContain('\u001b[31m'); // colours off
  });
});
