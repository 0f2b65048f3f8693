import { describe, expect, it } from 'vitest';
import type { GenerationSummaryDto } from '../../contracts/inference/generation.dto.js';
import type { ChatAnswerDto } from '../../contracts/orchestrator/chat.dto.js';
import {
  type CompletionEvent,
  CompletionChunks,
  completionOf,
  fromChatEvent,
  fromGenerationEvent,
  newCompletionIdentity,
  STREAM_DONE,
} from './chat-completion.mapper.js';

const identity = { id: 'chatcmpl-1', created: 1_700_000_000, model: 'llama3.2:3b' };

function summary(overrides: Partial<GenerationSummaryDto> = {}): GenerationSummaryDto {
  return {
    backend: 'ollama',
    model: 'llama3.2:3b',
    doneReason: 'stop',
    promptTokens: 12,
    completionTokens: 3,
    numCtx: 4096,
    queuedMs: 0,
    firstTokenMs: 5,
    totalMs: 9,
    fallbacks: [],
    ...overrides,
  };
}

function answer(overrides: Partial<ChatAnswerDto> = {}): ChatAnswerDto {
  return {
    conversationId: null,
    answer: 'The boiler was serviced in March [1].',
    generated: true,
    degraded: null,
    route: { name: 'needs_context', reason: 'pattern', retrievalQuery: 'boiler', subQueries: [], plan: [] },
    sources: [],
    model: 'llama3.2:3b',
    backend: 'ollama',
    timings: { total: 12 },
    usage: { promptTokens: 100, completionTokens: 9, numCtx: 8192 },
    notices: [],
    ...overrides,
  };
}

describe('newCompletionIdentity', () => {
  it('gives OpenAI-style ids and the time in seconds', () => {
    const made = newCompletionIdentity('tars', 1_700_000_000_999);
    expect(made).toMatchObject({ model: 'tars', created: 1_700_000_000 });
    expect(made.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(newCompletionIdentity('tars').id).not.toBe(made.id);
  });
});

describe('completionOf', () => {
  it('a plain generation: its text, the model that answered, length when cut at maxTokens, and usage', () => {
    const end = fromGenerationEvent({ type: 'done', summary: summary({ model: 'llama3.2:1b', doneReason: 'length' }) });
    expect(completionOf(identity, 'Hello there', end as Extract<CompletionEvent, { type: 'end' }>)).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'llama3.2:1b',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there', refusal: null }, finish_reason: 'length', logprobs: null }],
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
    });
  });

  it('model tars: the answer text of `done`, and the route, sources and timings in `tars`', () => {
    const end = fromChatEvent({ type: 'done', answer: answer({ conversationId: 'c1' }) }) as Extract<CompletionEvent, { type: 'end' }>;
    const completion = completionOf({ ...identity, model: 'tars' }, 'streamed pieces', end);
    expect(completion.model).toBe('tars');
    expect(completion.choices[0].message.content).toBe('The boiler was serviced in March [1].');
    expect(completion.usage).toEqual({ prompt_tokens: 100, completion_tokens: 9, total_tokens: 109 });
    expect(completion.tars).toMatchObject({ conversationId: 'c1', route: { name: 'needs_context' }, timings: { total: 12 }, degraded: null });
  });

  it('an answer made without an LLM reports zero tokens rather than nothing', () => {
    const end = fromChatEvent({ type: 'done', answer: answer({ generated: false, usage: {} }) }) as Extract<CompletionEvent, { type: 'end' }>;
    expect(completionOf(identity, '', end).usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});

describe('CompletionChunks', () => {
  it('sends the role first, one chunk per piece of text, the finish reason, then [DONE]', () => {
    const chunks = new CompletionChunks(identity, false);
    const sent = [
      { type: 'text', text: 'Hel' },
      { type: 'text', text: '' },
      { type: 'text', text: 'lo' },
      fromGenerationEvent({ type: 'done', summary: summary() }),
    ].flatMap((event) => chunks.chunksFor(event as CompletionEvent));
    expect(sent).toEqual([
      { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'llama3.2:3b', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }] },
      expect.objectContaining({ choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null, logprobs: null }] }),
      expect.objectContaining({ choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null, logprobs: null }] }),
      expect.objectContaining({ choices: [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }] }),
      STREAM_DONE,
    ]);
    expect(sent.some((c) => typeof c === 'object' && 'usage' in c)).toBe(false);
  });

  it('with include_usage: usage null in every chunk, then a usage chunk without choices before [DONE]', () => {
    const chunks = new CompletionChunks({ ...identity, model: 'tars' }, true);
    const sent = [
      fromChatEvent({ type: 'start', conversationId: null, route: answer().route }),
      fromChatEvent({ type: 'token', text: 'In March.' }),
      fromChatEvent({ type: 'done', answer: answer() }),
    ].flatMap((event) => chunks.chunksFor(event));
    expect(sent).toHaveLength(5);
    expect(sent.slice(0, 3).every((c) => typeof c === 'object' && c.usage === null)).toBe(true);
    expect(sent[2]).toMatchObject({ choices: [{ finish_reason: 'stop' }], tars: { route: { name: 'needs_context' } } });
    expect(sent[3]).toMatchObject({ model: 'tars', choices: [], usage: { prompt_tokens: 100, completion_tokens: 9, total_tokens: 109 } });
    expect(sent[4]).toBe(STREAM_DONE);
  });
});
