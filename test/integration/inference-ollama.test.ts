import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceBackendConfig } from '../../src/config/config.schema.js';
import {
  LlmBadRequestError,
  LlmFailedError,
  LlmOverloadedError,
  LlmQuotaExceededError,
  LlmTimeoutError,
  LlmUnavailableError,
  ModelNotFoundError,
  type TarsError,
} from '../../src/contracts/errors.js';
import type { GenerateCommand } from '../../src/contracts/inference/generation.dto.js';
import type { BackendChatRequest, BackendEvent } from '../../src/modules/inference/backends/inference-backend.js';
import { OllamaBackend } from '../../src/modules/inference/backends/ollama.backend.js';
import { InferenceEngine } from '../../src/modules/inference/inference.engine.js';
import { backendConfig, inferenceTestConfig } from '../../src/modules/inference/testing/inference-test-config.js';
import { OLLAMA_ERRORS, OllamaSimulator } from '../support/ollama-simulator.mjs';
import { collectGeneration } from '../../src/modules/inference/testing/collect.js';

const MODEL = 'llama3.2:3b';
const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function backendAt(url: string, overrides: Partial<Extract<InferenceBackendConfig, { kind: 'ollama' }>> = {}) {
  return new OllamaBackend(backendConfig({ id: 'ollama', host: url, model: MODEL, ...overrides }), { host: url, listTimeoutMs: 2000 });
}

function chatRequest(overrides: Partial<BackendChatRequest> = {}): BackendChatRequest {
  return {
    model: MODEL,
    messages: [{ role: 'user', content: 'When is the boiler serviced?' }],
    temperature: 0.2,
    maxTokens: 64,
    numCtx: 4096,
    signal: new AbortController().signal,
    ...overrides,
  };
}

interface Drained {
  tokens: string[];
  end?: Extract<BackendEvent, { type: 'end' }>;
  error?: TarsError;
}

/** Every event of a backend reply until it ends or fails. */
async function drain(events: AsyncIterable<BackendEvent>): Promise<Drained> {
  const result: Drained = { tokens: [] };
  try {
    for await (const event of events) {
      if (event.type === 'token') result.tokens.push(event.text);
      else result.end = event;
    }
  } catch (err) {
    result.error = err as TarsError;
  }
  return result;
}


const ask = (text: string, extra: Partial<GenerateCommand> = {}): GenerateCommand => ({ messages: [{ role: 'user', content: text }], ...extra });

describe('Ollama backend (against the Ollama simulator)', () => {
  let sim: OllamaSimulator;
  beforeAll(async () => {
    sim = await OllamaSimulator.start({ tokensPerSecond: 0, parallel: 4 });
  });
  afterEach(() => {
    sim.reset();
    sim.reply = undefined;
    sim.ttftMs = 0;
    sim.tokensPerSecond = 0;
  });
  afterAll(() => sim.close());

  it('streams the reply tokens in order and ends with the usage Ollama reported', async () => {
    sim.reply = () => 'The boiler is serviced every spring.';
    const result = await drain(backendAt(sim.url).chat(chatRequest()));
    expect(result.error).toBeUndefined();
    expect(result.tokens.join('')).toBe('The boiler is serviced every spring.');
    expect(result.tokens.length).toBeGreaterThan(1);
    expect(result.end).toEqual({
      type: 'end',
      doneReason: 'stop',
      promptTokens: OllamaSimulator.estimateTokens('When is the boiler serviced?'),
      completionTokens: result.tokens.length,
    });
  });

  it('sends num_ctx (always), num_predict, temperature, stop, seed and keep_alive as asked', async () => {
    await drain(backendAt(sim.url, { keepAlive: '3m' }).chat(chatRequest({ numCtx: 3072, maxTokens: 5, temperature: 0, stop: ['\n\n'], seed: 42 })));
    const [received] = sim.received;
    expect(received.numCtx).toBe(3072);
    expect(received.body).toMatchObject({
      model: MODEL,
      stream: true,
      keep_alive: '3m',
      options: { num_ctx: 3072, num_predict: 5, temperature: 0, stop: ['\n\n'], seed: 42 },
    });
  });

  it('reports doneReason length when num_predict cut the reply', async () => {
    const result = await drain(backendAt(sim.url).chat(chatRequest({ maxTokens: 3 })));
    expect(result.tokens).toHaveLength(3);
    expect(result.end?.doneReason).toBe('length');
  });

  it.each([
    [503, undefined, LlmOverloadedError],
    [429, undefined, LlmQuotaExceededError],
    [429, { error: 'too many requests, slow down' }, LlmOverloadedError],
    [402, undefined, LlmQuotaExceededError],
    [400, { error: 'registry.ollama.ai/library/llama3.2:3b does not support tools' }, LlmBadRequestError],
    [500, undefined, LlmFailedError],
  ])('classifies HTTP %i %j as %O', async (status, body, errorClass) => {
    sim.inject({ kind: 'status', status, body, path: '/api/chat' }, 1);
    const result = await drain(backendAt(sim.url).chat(chatRequest()));
    expect(result.error).toBeInstanceOf(errorClass);
    expect(result.error!.details).toMatchObject({ backend: 'ollama', model: MODEL, status });
    expect(result.tokens).toEqual([]);
  });

  it('classifies an unknown model as ModelNotFoundError (404) with Ollama\'s text', async () => {
    const result = await drain(backendAt(sim.url).chat(chatRequest({ model: 'nope:1b' })));
    expect(result.error).toBeInstanceOf(ModelNotFoundError);
    expect(result.error!.message).toContain('model "nope:1b" not found');
    expect(result.error!.details).toMatchObject({ status: 404 });
  });

  it('classifies the quota text of a 429 as quota, not overload', async () => {
    sim.inject({ kind: 'status', status: 429, body: { error: OLLAMA_ERRORS.quota }, path: '/api/chat' }, 1);
    const result = await drain(backendAt(sim.url).chat(chatRequest()));
    expect(result.error).toBeInstanceOf(LlmQuotaExceededError);
    expect(result.error!.message).toContain('weekly usage limit');
  });

  it('fails with LlmFailedError after the tokens already sent when the stream is dropped', async () => {
    sim.dropAfterTokens(2, { path: '/api/chat' });
    const result = await drain(backendAt(sim.url).chat(chatRequest()));
    expect(result.tokens).toHaveLength(2);
    expect(result.end).toBeUndefined();
    expect(result.error).toBeInstanceOf(LlmFailedError);
  });

  it.each([
    ['garbage instead of NDJSON', (s: OllamaSimulator) => s.garbage({ afterTokens: 0, path: '/api/chat' })],
    ['garbage after some tokens', (s: OllamaSimulator) => s.garbage({ afterTokens: 2, path: '/api/chat' })],
    ['a stream that ends without its done line', (s: OllamaSimulator) => s.inject({ kind: 'truncate', afterTokens: 2, path: '/api/chat' })],
    ['an error line inside the stream', (s: OllamaSimulator) => s.inject({ kind: 'streamError', afterTokens: 1, path: '/api/chat' })],
  ])('fails with LlmFailedError on %s', async (_, inject) => {
    inject(sim);
    const result = await drain(backendAt(sim.url).chat(chatRequest()));
    expect(result.end).toBeUndefined();
    expect(result.error).toBeInstanceOf(LlmFailedError);
  });

  it('fails with LlmUnavailableError when nothing listens at the host, and its probe says down', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const backend = backendAt(url);
    const result = await drain(backend.chat(chatRequest()));
    expect(result.error).toBeInstanceOf(LlmUnavailableError);
    expect(result.error!.details).toMatchObject({ backend: 'ollama', code: 'ECONNREFUSED' });
    const probe = await backend.probe(1000);
    expect(probe.up).toBe(false);
    expect(probe.detail).toContain('not reachable');
    await expect(backend.listModels()).rejects.toBeInstanceOf(LlmUnavailableError);
  });

  it('probes with /api/version and lists the pulled models', async () => {
    const backend = backendAt(sim.url);
    expect(await backend.probe(1000)).toEqual({ up: true, detail: `Ollama 0.12.6 at ${sim.url}` });
    const models = await backend.listModels();
    expect(models.map((m) => m.name)).toEqual(['nomic-embed-text:latest', MODEL]);
    expect(models[1]).toMatchObject({ family: 'llama' });
    expect(sim.requestCount('/api/version')).toBe(1);
  });

  it('closes the HTTP request when the signal aborts mid-answer (Ollama sees the client go away)', async () => {
    sim.tokensPerSecond = 50;
    const controller = new AbortController();
    const tokens: string[] = [];
    for await (const event of backendAt(sim.url).chat(chatRequest({ signal: controller.signal }))) {
      if (event.type === 'token') tokens.push(event.text);
      if (tokens.length === 2) controller.abort();
    }
    const aborted = await sim.waitForAbort();
    expect(aborted).toMatchObject({ path: '/api/chat', model: MODEL, phase: 'generating' });
    expect(aborted.tokensSent).toBeLessThan(24);
  });

  it('closes the HTTP request when the signal aborts before Ollama sent its headers (model loading)', async () => {
    sim.ttftMs = 10_000;
    const controller = new AbortController();
    const reply = drain(backendAt(sim.url).chat(chatRequest({ signal: controller.signal })));
    await new Promise<void>((resolve) => sim.once('request', () => resolve()));
    controller.abort();
    const result = await reply;
    expect(result).toEqual({ tokens: [] });
    expect(await sim.waitForAbort()).toMatchObject({ path: '/api/chat', phase: 'loading', tokensSent: 0 });
  });

  it('closes the HTTP request when the consumer stops reading early', async () => {
    sim.tokensPerSecond = 50;
    for await (const event of backendAt(sim.url).chat(chatRequest())) {
      if (event.type === 'token') break;
    }
    expect(await sim.waitForAbort()).toMatchObject({ path: '/api/chat', phase: 'generating' });
  });
});

describe('inference engine over Ollama (against the Ollama simulator)', () => {
  let first: OllamaSimulator;
  let second: OllamaSimulator;
  const engines: InferenceEngine[] = [];
  beforeAll(async () => {
    first = await OllamaSimulator.start({ tokensPerSecond: 0, parallel: 1, maxQueue: 0 });
    second = await OllamaSimulator.start({ tokensPerSecond: 0, parallel: 2, models: [{ name: 'qwen2.5:0.5b', contextLength: 32768 }] });
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
    for (const sim of [first, second]) {
      sim.reset();
      sim.ttftMs = 0;
      sim.tokensPerSecond = 0;
    }
  });
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
  });

  function engine(backends: InferenceBackendConfig[]): InferenceEngine {
    const created = new InferenceEngine(inferenceTestConfig(backends), { logger: quietLogger });
    engines.push(created);
    return created;
  }
  const firstBackend = (overrides: Partial<Parameters<typeof backendConfig>[0]> = {}) =>
    backendConfig({ id: 'first', host: first.url, model: MODEL, maxConcurrent: 4, contextLength: 8192, ...overrides });
  const secondBackend = () => backendConfig({ id: 'second', host: second.url, model: 'qwen2.5:0.5b', contextLength: 16384 });

  it('streams the answer and reports usage, timings and the num_ctx it sent', async () => {
    const sut = engine([firstBackend()]);
    first.reply = () => 'Every spring, by the plumber.';
    const result = await collectGeneration(sut.stream(ask('When is the boiler serviced?', { options: { numCtx: 4096 } })));
    expect(result.error).toBeUndefined();
    expect(result.tokens.join('')).toBe('Every spring, by the plumber.');
    expect(result.summary).toMatchObject({
      backend: 'first',
      model: MODEL,
      doneReason: 'stop',
      numCtx: 4096,
      completionTokens: result.tokens.length,
      promptTokens: OllamaSimulator.estimateTokens('When is the boiler serviced?'),
      fallbacks: [],
    });
    expect(first.received.at(-1)!.numCtx).toBe(4096);
    first.reply = undefined;
  });

  it("sends the backend's contextLength as num_ctx when the request names none, and never more", async () => {
    const sut = engine([firstBackend()]);
    await sut.generate(ask('a'));
    await sut.generate(ask('b', { options: { numCtx: 65536 } }));
    expect(first.received.map((r) => r.numCtx)).toEqual([8192, 8192]);
  });

  it('falls back from a busy first backend (Ollama answers 503) to the second, and says so', async () => {
    const sut = engine([firstBackend(), secondBackend()]);
    first.stallAfterTokens(1, { path: '/api/chat' });
    let occupyingError: unknown;
    await new Promise<void>((resolve) =>
      sut.stream(ask('long question')).subscribe({ next: (event) => event.type === 'token' && resolve(), error: (err) => (occupyingError = err) }),
    );
    const result = await sut.generate(ask('next question'));
    expect(result.summary).toMatchObject({ backend: 'second', model: 'qwen2.5:0.5b', numCtx: 16384 });
    expect(result.summary.fallbacks).toHaveLength(1);
    expect(result.summary.fallbacks[0]).toContain('first:');
    expect(result.summary.fallbacks[0]).toContain(OLLAMA_ERRORS.busy);
    expect(second.received.at(-1)!.numCtx).toBe(16384);
    await sut.close();
    expect(occupyingError).toBeDefined();
  });

  it('sends a named model only to the backend that has it', async () => {
    const sut = engine([firstBackend(), secondBackend()]);
    const result = await sut.generate(ask('hi', { model: 'qwen2.5:0.5b' }));
    expect(result.summary.backend).toBe('second');
    expect(first.requestCount('/api/chat')).toBe(0);
    await expect(sut.generate(ask('hi', { model: 'mistral:7b' }))).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it('aborts the request to Ollama when the first token does not come in time', async () => {
    const sut = engine([firstBackend({ firstTokenTimeoutMs: 100 })]);
    first.slowStart(10_000, { path: '/api/chat' });
    await expect(sut.generate(ask('slow'))).rejects.toBeInstanceOf(LlmTimeoutError);
    expect(await first.waitForAbort()).toMatchObject({ path: '/api/chat', phase: 'loading' });
  });

  it('aborts the request to Ollama when it stalls between tokens, after the tokens already sent', async () => {
    const sut = engine([firstBackend({ idleTimeoutMs: 100 }), secondBackend()]);
    first.stallAfterTokens(2, { path: '/api/chat' });
    const result = await collectGeneration(sut.stream(ask('stall')));
    expect(result.tokens).toHaveLength(2);
    expect(result.error).toBeInstanceOf(LlmTimeoutError);
    expect(await first.waitForAbort()).toMatchObject({ phase: 'generating', tokensSent: 2 });
    expect(second.requestCount('/api/chat')).toBe(0);
  });

  it('aborts the request to Ollama when the subscriber goes away', async () => {
    const sut = engine([firstBackend()]);
    first.tokensPerSecond = 20;
    const subscription = sut.stream(ask('bye')).subscribe((event) => {
      if (event.type === 'token') subscription.unsubscribe();
    });
    expect(await first.waitForAbort()).toMatchObject({ path: '/api/chat', phase: 'generating' });
    expect(sut.status().backends[0]).toMatchObject({ active: 0, queued: 0 });
  });

  it('skips a backend whose probe found it unreachable and answers from the next', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const sut = engine([backendConfig({ id: 'gone', host: url, model: MODEL }), secondBackend()]);
    await sut.probeNow();
    expect(sut.status().backends[0]).toMatchObject({ id: 'gone', up: false });
    expect(sut.status().backends[0].detail).toContain('not reachable');
    const result = await sut.generate(ask('hi'));
    expect(result.summary.backend).toBe('second');
    expect(result.summary.fallbacks[0]).toMatch(/^gone: backend 'gone' is down/);
  });
});
