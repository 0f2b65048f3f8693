import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlamaGguf } from '../../../../scripts/make-tiny-gguf.mjs';
import { LlmBadRequestError, LlmFailedError, LlmUnavailableError, ModelNotFoundError } from '../../../contracts/errors.js';
import type { ChatMessageDto } from '../../../contracts/inference/generation.dto.js';
import type { BackendChatRequest, BackendEvent } from './inference-backend.js';
import { LlamaCppBackend, type LlamaCppBackendConfig } from './llama-cpp.backend.js';
import { collectBackendEvents } from '../testing/collect.js';

const dir = mkdtempSync(join(tmpdir(), 'tars-llamacpp-'));
const location = { modelsDir: dir, allowRemoteModels: false };

function llamaConfig(overrides: Partial<LlamaCppBackendConfig> = {}): LlamaCppBackendConfig {
  return {
    id: 'local-llama',
    kind: 'llamacpp',
    enabled: true,
    model: 'tiny',
    modelPath: 'tiny.gguf',
    gpuLayers: 0,
    // One thread: llama.cpp's threads spin-wait on each other, which crawls when other processes share the cores.
    threads: 1,
    maxConcurrent: 2,
    maxQueue: 16,
    firstTokenTimeoutMs: 60_000,
    idleTimeoutMs: 60_000,
    contextLength: 512,
    ...overrides,
  };
}

function chatRequest(overrides: Partial<BackendChatRequest> = {}): BackendChatRequest {
  return {
    model: 'tiny',
    messages: [
      { role: 'system', content: 'You are a tiny test model.' },
      { role: 'user', content: 'Say something.' },
    ],
    temperature: 0,
    maxTokens: 12,
    numCtx: 512,
    signal: new AbortController().signal,
    ...overrides,
  };
}


afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LlamaCppBackend without a usable model', () => {
  it('fails with ModelNotFoundError naming the path when the GGUF file is missing', async () => {
    const backend = new LlamaCppBackend(llamaConfig({ modelPath: 'missing.gguf' }), location);
    const error = await collectBackendEvents(backend.chat(chatRequest())).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as ModelNotFoundError).message).toContain(join(dir, 'missing.gguf'));
    expect((error as ModelNotFoundError).details).toEqual({ backend: 'local-llama', model: 'tiny' });
  });

  it('lists no model and probes down with the path when the file is missing', async () => {
    const backend = new LlamaCppBackend(llamaConfig({ modelPath: 'missing.gguf' }), location);
    expect(await backend.listModels()).toEqual([]);
    const probe = await backend.probe(1000);
    expect(probe.up).toBe(false);
    expect(probe.detail).toContain(join(dir, 'missing.gguf'));
  });

  it('fails with LlmUnavailableError telling how to install node-llama-cpp when the package is missing', async () => {
    writeFileSync(join(dir, 'present.gguf'), 'not used');
    const missingPackage = () => Promise.reject(new Error("Cannot find package 'node-llama-cpp'"));
    const backend = new LlamaCppBackend(llamaConfig({ modelPath: 'present.gguf' }), location, missingPackage);
    const error = await collectBackendEvents(backend.chat(chatRequest())).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LlmUnavailableError);
    expect((error as Error).message).toContain('node-llama-cpp is not installed: npm install node-llama-cpp');
    expect((await backend.probe(1000)).up).toBe(false);
  });

  it('fails with LlmUnavailableError when the file is not a GGUF model, and keeps failing fast', async () => {
    writeFileSync(join(dir, 'garbage.gguf'), Buffer.alloc(4096, 7));
    const backend = new LlamaCppBackend(llamaConfig({ modelPath: 'garbage.gguf' }), location);
    const error = await collectBackendEvents(backend.chat(chatRequest())).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LlmUnavailableError);
    expect((error as Error).message).toContain(`cannot load ${join(dir, 'garbage.gguf')}`);
    const again = await collectBackendEvents(backend.chat(chatRequest())).catch((err: unknown) => err);
    expect(again).toBe(error);
    expect(await backend.probe(1000)).toEqual({ up: false, detail: (error as Error).message });
  });
});

describe('node-llama-cpp on this machine', () => {
  it('loads the prebuilt CPU binary without building or downloading anything', async () => {
    const { getLlama } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, progressLogs: false });
    expect(llama.gpu).toBe(false);
    expect(llama.cpuMathCores).toBeGreaterThan(0);
    await llama.dispose();
  });
});

describe('LlamaCppBackend with a tiny random-weight GGUF model', { timeout: 60_000 }, () => {
  let backend: LlamaCppBackend;

  beforeAll(() => {
    writeTinyLlamaGguf(join(dir, 'tiny.gguf'), { seed: 7 });
    backend = new LlamaCppBackend(llamaConfig(), location);
  });
  afterAll(() => backend.close());

  it('streams tokens and stops at maxTokens with doneReason length and the token counts', async () => {
    const { tokens, text, end } = await collectBackendEvents(backend.chat(chatRequest({ maxTokens: 12 })));
    expect(tokens.length).toBeGreaterThan(1);
    expect(text.trim()).not.toBe('');
    expect(end).toMatchObject({ type: 'end', doneReason: 'length', completionTokens: 12 });
    expect(end?.promptTokens).toBeGreaterThan(5);
  });

  it('reports the model it serves and probes up once loaded', async () => {
    expect(await backend.listModels()).toEqual([
      { name: 'tiny', family: 'llama', contextLength: expect.any(Number), sizeBytes: expect.any(Number) },
    ]);
    const probe = await backend.probe(1000);
    expect(probe.up).toBe(true);
    expect(probe.detail).toContain('loaded');
  });

  it('gives the same reply twice at temperature 0 (each request starts from its own messages)', async () => {
    const first = await collectBackendEvents(backend.chat(chatRequest()));
    const second = await collectBackendEvents(backend.chat(chatRequest()));
    expect(second.text).toBe(first.text);
  });

  it('stops early with doneReason cancelled when the request signal aborts', async () => {
    const controller = new AbortController();
    const tokens: string[] = [];
    let end: BackendEvent | undefined;
    for await (const event of backend.chat(chatRequest({ maxTokens: 400, signal: controller.signal }))) {
      if (event.type === 'end') end = event;
      else if (tokens.push(event.text) === 3) controller.abort();
    }
    expect(end).toMatchObject({ type: 'end', doneReason: 'cancelled' });
    expect((end as { completionTokens: number }).completionTokens).toBeLessThan(400);
    expect(tokens.length).toBeLessThan(400);
  });

  it('ends at once, without generating, when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { tokens, end } = await collectBackendEvents(backend.chat(chatRequest({ signal: controller.signal })));
    expect(tokens).toEqual([]);
    expect(end?.doneReason).toBe('cancelled');
  });

  it('stops at a stop string, which is not part of the reply', async () => {
    const { text } = await collectBackendEvents(backend.chat(chatRequest({ maxTokens: 30 })));
    const words = text.trim().split(/\s+/);
    const stopWord = words.find((w, i) => i >= 2 && w.length >= 3 && !words.slice(0, i).includes(w));
    expect(stopWord).toBeDefined();
    const stopped = await collectBackendEvents(backend.chat(chatRequest({ maxTokens: 30, stop: [` ${stopWord}`] })));
    expect(stopped.end?.doneReason).toBe('stop');
    expect(text.startsWith(stopped.text)).toBe(true);
    expect(stopped.text).not.toContain(` ${stopWord}`);
    expect(stopped.text.length).toBeLessThan(text.length);
  });

  it('frees the sequence when the reader stops early, so later requests still get one', async () => {
    const single = new LlamaCppBackend(llamaConfig({ maxConcurrent: 1 }), location);
    try {
      for await (const event of single.chat(chatRequest({ maxTokens: 400 }))) {
        if (event.type === 'token') break;
      }
      const { end } = await collectBackendEvents(single.chat(chatRequest({ maxTokens: 4 })));
      expect(end?.completionTokens).toBe(4);
    } finally {
      await single.close();
    }
  });

  it('fails a running generation with LlmFailedError when the backend is closed, and loads again next time', async () => {
    const own = new LlamaCppBackend(llamaConfig(), location);
    try {
      const error = await (async () => {
        for await (const event of own.chat(chatRequest({ maxTokens: 400 }))) if (event.type === 'token') await own.close();
      })().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(LlmFailedError);
      const { end } = await collectBackendEvents(own.chat(chatRequest({ maxTokens: 3 })));
      expect(end?.completionTokens).toBe(3);
    } finally {
      await own.close();
    }
  });

  it('runs maxConcurrent generations at once', async () => {
    const replies = await Promise.all([collectBackendEvents(backend.chat(chatRequest())), collectBackendEvents(backend.chat(chatRequest()))]);
    expect(replies.map((r) => r.end?.completionTokens)).toEqual([12, 12]);
  });

  it('refuses a prompt longer than the context with LlmBadRequestError', async () => {
    const messages: ChatMessageDto[] = [{ role: 'user', content: 'abcdefghij'.repeat(80) }];
    const error = await collectBackendEvents(backend.chat(chatRequest({ messages }))).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LlmBadRequestError);
    expect((error as Error).message).toMatch(/more than the context of \d+ tokens/);
  });

  it('refuses a prompt whose last message is not from the user', async () => {
    const messages: ChatMessageDto[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ];
    await expect(collectBackendEvents(backend.chat(chatRequest({ messages })))).rejects.toBeInstanceOf(LlmBadRequestError);
  });
});
