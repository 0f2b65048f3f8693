import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyOnnxLm } from '../../../../test/fixtures/llm/tiny-onnx-lm.mjs';
import { FIXTURE_MODEL, FIXTURE_MODELS_DIR } from '../../../../test/support/embedding-config.js';
import { LlmBadRequestError, LlmFailedError, ModelNotFoundError } from '../../../contracts/errors.js';
import type { ChatMessageDto } from '../../../contracts/inference/generation.dto.js';
import type { BackendChatRequest, BackendEvent } from './inference-backend.js';
import { TransformersBackend, type TransformersBackendConfig } from './transformers.backend.js';
import { collectBackendEvents } from '../testing/collect.js';

const dir = mkdtempSync(join(tmpdir(), 'tars-transformers-llm-'));
const offline = { modelsDir: dir, allowRemoteModels: false };

function transformersConfig(overrides: Partial<TransformersBackendConfig> = {}): TransformersBackendConfig {
  return {
    id: 'local-onnx',
    kind: 'transformers',
    enabled: true,
    model: 'tiny-lm',
    source: 'tiny-lm',
    dtype: 'fp32',
    maxConcurrent: 1,
    maxQueue: 16,
    firstTokenTimeoutMs: 60_000,
    idleTimeoutMs: 60_000,
    contextLength: 4096,
    ...overrides,
  };
}

function chatRequest(overrides: Partial<BackendChatRequest> = {}): BackendChatRequest {
  return {
    model: 'tiny-lm',
    messages: [
      { role: 'system', content: 'You are a tiny test model.' },
      { role: 'user', content: 'Say something about the river.' },
    ],
    temperature: 0,
    maxTokens: 12,
    numCtx: 4096,
    signal: new AbortController().signal,
    ...overrides,
  };
}


beforeAll(() => {
  writeTinyOnnxLm(join(dir, 'tiny-lm'), { seed: 3 });
  writeTinyOnnxLm(join(dir, 'tiny-lm-no-template'), { seed: 3, chatTemplate: false });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TransformersBackend without a usable model', { timeout: 60_000 }, () => {
  it('fails with ModelNotFoundError naming the folder when it is missing and downloads are off', async () => {
    const backend = new TransformersBackend(transformersConfig({ source: 'no-such-model' }), offline);
    const error = await collectBackendEvents(backend.chat(chatRequest())).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as Error).message).toContain(join(dir, 'no-such-model'));
    expect((error as ModelNotFoundError).details).toEqual({ backend: 'local-onnx', model: 'tiny-lm' });
    expect(await backend.listModels()).toEqual([]);
    expect(await backend.probe(1000)).toEqual({ up: false, detail: expect.stringContaining(join(dir, 'no-such-model')) });
  });

  it('lists a hub id that is not downloaded yet when downloads are allowed', async () => {
    const backend = new TransformersBackend(transformersConfig({ source: 'some-org/some-model' }), { modelsDir: dir, allowRemoteModels: true });
    expect(await backend.listModels()).toEqual([{ name: 'tiny-lm', family: undefined, contextLength: 4096 }]);
  });

  describe('with an encoder-only model (the MiniLM fixture)', () => {
    const backend = new TransformersBackend(transformersConfig({ source: FIXTURE_MODEL, model: 'minilm' }), {
      modelsDir: FIXTURE_MODELS_DIR,
      allowRemoteModels: false,
    });
    afterAll(() => backend.close());

    it('probes down before loading it, saying it is not a text-generation model', async () => {
      const probe = await backend.probe(1000);
      expect(probe.up).toBe(false);
      expect(probe.detail).toContain('is not a text-generation model (BertModel)');
    });

    it('refuses to generate with LlmBadRequestError saying so, and keeps failing fast', async () => {
      const error = await collectBackendEvents(backend.chat(chatRequest())).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(LlmBadRequestError);
      expect((error as Error).message).toMatch(/is not a text-generation model .*Unsupported model type: bert/);
      expect(await collectBackendEvents(backend.chat(chatRequest())).catch((err: unknown) => err)).toBe(error);
    });
  });
});

describe('TransformersBackend with a tiny random-weight ONNX language model', { timeout: 60_000 }, () => {
  const backend = new TransformersBackend(transformersConfig(), offline);
  afterAll(() => backend.close());

  it('streams tokens and stops at maxTokens with doneReason length and the token counts', async () => {
    const { tokens, text, end } = await collectBackendEvents(backend.chat(chatRequest({ maxTokens: 12 })));
    expect(tokens.length).toBeGreaterThan(1);
    expect(text.trim().split(/\s+/).length).toBe(12);
    expect(end).toMatchObject({ type: 'end', doneReason: 'length', completionTokens: 12 });
    expect(end?.promptTokens).toBeGreaterThan(5);
  });

  it('uses the chat template of the model and says so once loaded', async () => {
    const probe = await backend.probe(1000);
    expect(probe).toEqual({ up: true, detail: expect.stringContaining('prompts use its chat template') });
    expect(await backend.listModels()).toEqual([{ name: 'tiny-lm', family: 'llama', contextLength: 4096 }]);
  });

  it('falls back to a plain role: content transcript for a model without a chat template', async () => {
    const plain = new TransformersBackend(transformersConfig({ source: 'tiny-lm-no-template' }), offline);
    try {
      const templated = await collectBackendEvents(backend.chat(chatRequest()));
      const transcript = await collectBackendEvents(plain.chat(chatRequest()));
      expect(transcript.end?.completionTokens).toBe(12);
      // "<s><system> ...\n<user> ...\n<assistant>" and "system: ...\nuser: ...\nassistant:" tokenize differently.
      expect(transcript.end?.promptTokens).not.toBe(templated.end?.promptTokens);
      expect((await plain.probe(1000)).detail).toContain('plain transcript');
    } finally {
      await plain.close();
    }
  });

  it('stops early with doneReason cancelled when the request signal aborts', async () => {
    const controller = new AbortController();
    const tokens: string[] = [];
    let end: Extract<BackendEvent, { type: 'end' }> | undefined;
    for await (const event of backend.chat(chatRequest({ maxTokens: 3000, signal: controller.signal }))) {
      if (event.type === 'end') end = event;
      else if (tokens.push(event.text) === 1) controller.abort();
    }
    expect(end?.doneReason).toBe('cancelled');
    expect(end?.completionTokens).toBeLessThan(3000);
  });

  it('ends without generating when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { tokens, end } = await collectBackendEvents(backend.chat(chatRequest({ signal: controller.signal })));
    expect(tokens).toEqual([]);
    expect(end?.doneReason).toBe('cancelled');
  });

  it('stops at a stop string, which is not part of the reply', async () => {
    const { text } = await collectBackendEvents(backend.chat(chatRequest({ maxTokens: 30 })));
    const words = text.trim().split(/\s+/);
    const stopWord = words.find((w, i) => i >= 2 && !words.slice(0, i).includes(w));
    expect(stopWord).toBeDefined();
    const stopped = await collectBackendEvents(backend.chat(chatRequest({ maxTokens: 30, stop: [` ${stopWord}`] })));
    expect(stopped.end?.doneReason).toBe('stop');
    expect(text.startsWith(stopped.text)).toBe(true);
    expect(stopped.text).not.toContain(` ${stopWord}`);
    expect(stopped.text.length).toBeLessThan(text.length);
  });

  it('samples when the temperature is above 0', async () => {
    const { tokens, end } = await collectBackendEvents(backend.chat(chatRequest({ temperature: 1, maxTokens: 8 })));
    expect(tokens.length).toBeGreaterThan(0);
    expect(end).toMatchObject({ doneReason: 'length', completionTokens: 8 });
  });

  it('fails a running generation with LlmFailedError when its worker dies, and starts a new worker next time', async () => {
    const own = new TransformersBackend(transformersConfig(), offline);
    try {
      const events = own.chat(chatRequest({ maxTokens: 3000 }));
      const error = await (async () => {
        for await (const event of events) if (event.type === 'token') await own.close();
      })().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(LlmFailedError);
      expect((error as Error).message).toContain('worker');
      const { end } = await collectBackendEvents(own.chat(chatRequest({ maxTokens: 3 })));
      expect(end?.completionTokens).toBe(3);
    } finally {
      await own.close();
    }
  });

  it('refuses a prompt longer than the context with LlmBadRequestError', async () => {
    const small = new TransformersBackend(transformersConfig({ contextLength: 256 }), offline);
    try {
      const messages: ChatMessageDto[] = [{ role: 'user', content: 'the river '.repeat(300) }];
      const error = await collectBackendEvents(small.chat(chatRequest({ messages }))).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(LlmBadRequestError);
      expect((error as Error).message).toMatch(/more than the context of 256 tokens/);
    } finally {
      await small.close();
    }
  });
});
