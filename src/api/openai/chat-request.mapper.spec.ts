import { describe, expect, it } from 'vitest';
import { ValidationFailedError } from '../../contracts/errors.js';
import { validatePayload } from '../../platform/bus/validate-payload.js';
import { ChatCompletionRequestDto } from './chat-completion.dto.js';
import { chatTarget, conversationFromHeader } from './chat-request.mapper.js';

/** A request body as the HTTP layer would pass it on: validated and transformed by the DTO. */
function request(body: Record<string, unknown>): ChatCompletionRequestDto {
  return validatePayload(ChatCompletionRequestDto, { model: 'tars', messages: [{ role: 'user', content: 'hi' }], ...body });
}

function validationMessage(body: Record<string, unknown>): string {
  try {
    request(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationFailedError);
    return (err as Error).message;
  }
  throw new Error('the request was accepted');
}

const CONVERSATION = '0b7f4c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b';

describe('ChatCompletionRequestDto', () => {
  it('accepts the sampling fields OpenAI clients send by default, and n = 1', () => {
    const body = request({ top_p: 1, n: 1, presence_penalty: 0, frequency_penalty: 0, stream: true, stream_options: { include_usage: true }, user: 'u1', tools: [] });
    expect(body.stream_options?.include_usage).toBe(true);
  });

  it('turns a single stop string into a list', () => {
    expect(request({ stop: 'END' }).stop).toEqual(['END']);
  });

  it.each([
    [{ n: 2 }, /n must be 1/],
    [{ tools: [{ type: 'function', function: { name: 'f' } }] }, /tools are not supported/],
    [{ response_format: { type: 'json_object' } }, /response_format\.type must be text/],
    [{ logprobs: true }, /logprobs are not supported/],
    [{ messages: [] }, /messages must not be empty/],
    [{ messages: [{ role: 'tool', content: 'x' }] }, /role must be one of/],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, /text parts only .*image_url/],
    [{ messages: [{ role: 'user', content: null }] }, /content must be a string or an array of text parts/],
    [{ surprise: 1 }, /property surprise should not exist/],
  ])('refuses %j with a message that says why', (body, message) => {
    expect(validationMessage(body)).toMatch(message);
  });
});

describe('chatTarget', () => {
  it('model tars: the last message is the question, the earlier ones its unstored history', () => {
    const target = chatTarget(
      request({
        messages: [
          { role: 'developer', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'When was the boiler' }, { type: 'text', text: 'serviced?' }] },
          { role: 'assistant', content: 'In March.' },
          { role: 'user', content: 'And before that?' },
        ],
        temperature: 0.2,
      }),
    );
    expect(target).toEqual({
      kind: 'tars',
      command: {
        question: 'And before that?',
        remember: false,
        history: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'When was the boiler\nserviced?' },
          { role: 'assistant', content: 'In March.' },
        ],
        options: { temperature: 0.2 },
      },
    });
  });

  it('model tars with a conversation id continues that stored conversation, whose turns replace the history', () => {
    const body = request({ messages: [{ role: 'user', content: 'earlier' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'now' }] });
    expect(chatTarget(body, CONVERSATION)).toEqual({ kind: 'tars', command: { question: 'now', conversationId: CONVERSATION, remember: true } });
  });

  it('model tars refuses a conversation that does not end with the user', () => {
    const body = request({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'prefill' }] });
    expect(() => chatTarget(body)).toThrow(/must end with the user's question/);
  });

  it('any other model gets the messages as they are, with the sampling options in contract terms', () => {
    const body = request({
      model: 'llama3.2:3b',
      messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'q' }],
      max_tokens: 50,
      max_completion_tokens: 1_000_000,
      stop: ['a', 'b'],
      seed: 7,
    });
    expect(chatTarget(body, CONVERSATION)).toEqual({
      kind: 'model',
      command: {
        model: 'llama3.2:3b',
        messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'q' }],
        options: { maxTokens: 32_768, stop: ['a', 'b'], seed: 7 },
      },
    });
  });
});

describe('conversationFromHeader', () => {
  it('reads nothing as "do not store", new as a new stored conversation, a uuid as that one', () => {
    expect(conversationFromHeader(undefined)).toEqual({ remember: false });
    expect(conversationFromHeader('New')).toEqual({ remember: true });
    expect(conversationFromHeader(` ${CONVERSATION} `)).toEqual({ conversationId: CONVERSATION, remember: true });
  });

  it('refuses anything else', () => {
    expect(() => conversationFromHeader('42')).toThrow(ValidationFailedError);
  });
});
