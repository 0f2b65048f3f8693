import { randomUUID } from 'node:crypto';
import { lastValueFrom, NEVER, Observable, of, throwError, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../config/config.loader.js';
import type { TarsConfig } from '../../config/tars-config.js';
import { LlmFailedError, ModuleUnavailableError } from '../../contracts/errors.js';
import type { GenerateCommand, GenerationEvent } from '../../contracts/inference/generation.dto.js';
import type { InferenceContract } from '../../contracts/inference/inference.contract.js';
import type { AppendTurnCommand, TurnDto } from '../../contracts/memory/conversation.dto.js';
import type { MemoryContract } from '../../contracts/memory/memory.contract.js';
import type { AskCommand, ChatEvent } from '../../contracts/orchestrator/chat.dto.js';
import type { OrchestratorContract } from '../../contracts/orchestrator/orchestrator.contract.js';
import { ChatAnswers } from './chat-answers.js';
import { DegradedChat } from './degraded-chat.js';

const noOrchestrator = () => new ModuleUnavailableError('no node serving the orchestrator module is running', { module: 'orchestrator', reason: 'no_responders' });

const summary = { backend: 'ollama', model: 'llama3.2:3b', doneReason: 'stop', promptTokens: 40, completionTokens: 2, numCtx: 8192, queuedMs: 0, firstTokenMs: 1, totalMs: 2, fallbacks: [] };

/** Memory layer 1 in a Map, and a model that answers "Hello there" while recording its prompts. */
function fakes(env: Record<string, string> = {}) {
  const conversations = new Map<string, TurnDto[]>();
  const memory = {
    appendTurn: vi.fn(async (c: AppendTurnCommand) => {
      const turns = conversations.get(c.conversationId) ?? [];
      const turn = { id: turns.length + 1, role: c.role, content: c.content, createdAt: new Date().toISOString() };
      conversations.set(c.conversationId, [...turns, turn]);
      return turn;
    }),
    getConversation: vi.fn(async ({ id, turns }: { id: string; turns?: number }) => ({
      id,
      title: 't',
      turnCount: conversations.get(id)?.length ?? 0,
      createdAt: '',
      updatedAt: '',
      turns: (conversations.get(id) ?? []).slice(-(turns ?? 1000)),
    })),
  } as unknown as MemoryContract & { appendTurn: ReturnType<typeof vi.fn> };
  const prompts: GenerateCommand[] = [];
  const inference = {
    streamGenerate: vi.fn((command: GenerateCommand): Observable<GenerationEvent> => {
      prompts.push(command);
      return of<GenerationEvent[]>({ type: 'token', text: 'Hello' }, { type: 'token', text: ' there' }, { type: 'done', summary });
    }),
  } as unknown as InferenceContract & { streamGenerate: ReturnType<typeof vi.fn> };
  const config = loadConfig({ env }) as TarsConfig;
  const degraded = new DegradedChat(config, inference, memory);
  const answersWith = (orchestrator: Partial<OrchestratorContract>) => new ChatAnswers(orchestrator as OrchestratorContract, degraded);
  return { conversations, memory, inference, prompts, answersWith };
}

const events = (source: Observable<ChatEvent>) => lastValueFrom(source.pipe(toArray()));

describe('ChatAnswers', () => {
  it("passes the orchestrator's answer on untouched when it answers", async () => {
    const { answersWith, inference } = fakes();
    const start: ChatEvent = { type: 'start', conversationId: null, route: { name: 'inference_only', reason: 'r', retrievalQuery: 'q', subQueries: [], plan: [] } };
    const got = await events(answersWith({ streamAnswer: () => of(start) }).stream({ question: 'hi' }));
    expect(got).toEqual([start]);
    expect(inference.streamGenerate).not.toHaveBeenCalled();
  });

  it('answers with the model alone, marked degraded, when no orchestrator answers', async () => {
    const { answersWith, memory, prompts } = fakes();
    const got = await events(answersWith({ streamAnswer: () => throwError(noOrchestrator) }).stream({ question: 'What is my locker code?' }));

    expect(got.map((e) => e.type)).toEqual(['start', 'token', 'token', 'done']);
    const degraded = { code: 'orchestrator_unavailable', reason: 'no node serving the orchestrator module is running' };
    expect(got[0]).toMatchObject({ type: 'start', degraded, route: { name: 'inference_only' } });
    const done = got.at(-1) as Extract<ChatEvent, { type: 'done' }>;
    expect(done.answer).toMatchObject({ answer: 'Hello there', generated: true, degraded, sources: [], model: 'llama3.2:3b', backend: 'ollama' });
    expect(done.answer.notices.join(' ')).toMatch(/orchestrator cannot be reached/);
    expect(done.answer.route.reason).toMatch(/no_responders/);
    // The system prompt from config/prompts/system.md, then the question.
    expect(prompts[0].messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(prompts[0].messages[0].content).toMatch(/^You are TARS/);
    // Both turns stored in layer 1, under the conversation the answer names.
    expect(memory.appendTurn.mock.calls.map(([c]) => [c.conversationId, c.role, c.content])).toEqual([
      [done.answer.conversationId, 'user', 'What is my locker code?'],
      [done.answer.conversationId, 'assistant', 'Hello there'],
    ]);
  });

  it("puts the conversation's earlier turns in the prompt, newest kept when they do not all fit", async () => {
    const { answersWith, memory, prompts } = fakes({ TARS_ORCHESTRATOR_NUM_CTX: '512' });
    const id = randomUUID();
    await memory.appendTurn({ conversationId: id, role: 'user', content: `an old question ${'x'.repeat(1200)}` });
    await memory.appendTurn({ conversationId: id, role: 'assistant', content: 'an old answer' });
    await memory.appendTurn({ conversationId: id, role: 'user', content: 'My locker code is 4711.' });
    await memory.appendTurn({ conversationId: id, role: 'assistant', content: 'Noted.' });

    const command: AskCommand = { question: 'What is my locker code?', conversationId: id };
    const got = await events(answersWith({ streamAnswer: () => throwError(noOrchestrator) }).stream(command));
    const done = got.at(-1) as Extract<ChatEvent, { type: 'done' }>;

    expect(prompts[0].messages.map((m) => m.content).slice(1)).toEqual(['an old answer', 'My locker code is 4711.', 'Noted.', 'What is my locker code?']);
    expect(done.answer.notices).toContain('1 earlier turn(s) left out of the prompt to fit the context window');
    expect(done.answer.conversationId).toBe(id);
    expect(prompts[0].options).toMatchObject({ numCtx: 512, maxTokens: 256 });
  });

  it('does not fall back when the failure is not about reaching the orchestrator', async () => {
    const { answersWith, inference } = fakes();
    const memoryDown = new ModuleUnavailableError('no node serving the memory module is running', { module: 'memory' });
    await expect(events(answersWith({ streamAnswer: () => throwError(() => memoryDown) }).stream({ question: 'hi' }))).rejects.toBe(memoryDown);
    const llmFailed = new LlmFailedError('the stream was cut');
    await expect(events(answersWith({ streamAnswer: () => throwError(() => llmFailed) }).stream({ question: 'hi' }))).rejects.toBe(llmFailed);
    expect(inference.streamGenerate).not.toHaveBeenCalled();
  });

  it('does not fall back once the orchestrator has started answering', async () => {
    const { answersWith, inference } = fakes();
    const started = new Observable<ChatEvent>((s) => {
      s.next({ type: 'start', conversationId: null, route: { name: 'inference_only', reason: 'r', retrievalQuery: 'q', subQueries: [], plan: [] } });
      s.error(noOrchestrator());
    });
    await expect(events(answersWith({ streamAnswer: () => started }).stream({ question: 'hi' }))).rejects.toBeInstanceOf(ModuleUnavailableError);
    expect(inference.streamGenerate).not.toHaveBeenCalled();
  });

  it('cancels the local generation when the caller unsubscribes', async () => {
    const { answersWith, inference } = fakes();
    let cancelled = false;
    inference.streamGenerate.mockImplementation(
      () =>
        new Observable<GenerationEvent>((s) => {
          s.next({ type: 'token', text: 'Hel' });
          return () => (cancelled = true);
        }),
    );
    const seen: ChatEvent[] = [];
    const subscription = answersWith({ streamAnswer: () => throwError(noOrchestrator) })
      .stream({ question: 'hi', remember: false })
      .subscribe((e) => seen.push(e));
    await vi.waitFor(() => expect(seen.map((e) => e.type)).toEqual(['start', 'token']));
    subscription.unsubscribe();
    await vi.waitFor(() => expect(cancelled).toBe(true));
    expect(seen[0]).toMatchObject({ conversationId: null });
  });

  it('keeps the orchestrator stream open while it answers (no fallback on silence)', () => {
    const { answersWith, inference } = fakes();
    const subscription = answersWith({ streamAnswer: () => NEVER }).stream({ question: 'hi' }).subscribe();
    expect(inference.streamGenerate).not.toHaveBeenCalled();
    subscription.unsubscribe();
  });
});
