import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CancelledError,
  LlmBadRequestError,
  LlmFailedError,
  LlmOverloadedError,
  LlmQuotaExceededError,
  LlmTimeoutError,
  LlmUnavailableError,
  ModelNotFoundError,
  type TarsError,
} from '../../contracts/errors.js';
import type { GenerateCommand, GenerationEvent } from '../../contracts/inference/generation.dto.js';
import type { MetricsService } from '../../platform/metrics/metrics.service.js';
import { InferenceEngine } from './inference.engine.js';
import { backendConfig, inferenceTestConfig } from './testing/inference-test-config.js';
import { failWith, FakeBackend, held, replyWith, silentAfter, untilAborted } from './testing/fake-backend.js';
import { collectGeneration } from './testing/collect.js';

const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };
const engines: InferenceEngine[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

/** An engine over fake backends, one per entry, in chain order. */
function setup(backends: Array<Parameters<typeof backendConfig>[0]>, inference: Parameters<typeof inferenceTestConfig>[1] = {}) {
  const configs = backends.map(backendConfig);
  const fakes = new Map(configs.map((c) => [c.id, new FakeBackend(c)]));
  const sut = new InferenceEngine(inferenceTestConfig(configs, inference), {
    createBackend: async (config) => fakes.get(config.id)!,
    logger: quietLogger,
  });
  engines.push(sut);
  return { sut, fake: (id: string) => fakes.get(id)! };
}

function ask(text: string, extra: Partial<GenerateCommand> = {}): GenerateCommand {
  return { messages: [{ role: 'user', content: text }], ...extra };
}


const queued = (sut: InferenceEngine, id: string) => sut.status().backends.find((b) => b.id === id)!.queued;
const active = (sut: InferenceEngine, id: string) => sut.status().backends.find((b) => b.id === id)!.active;
const asked = (fake: FakeBackend) => fake.requests.map((r) => r.messages[0].content);

describe('inference engine: streaming', () => {
  it('streams the tokens in order, then one done with the summary', async () => {
    const { sut } = setup([{ id: 'local', model: 'small:1b' }]);
    const events: GenerationEvent[] = [];
    await new Promise<void>((resolve, reject) => sut.stream(ask('hi')).subscribe({ next: (e) => events.push(e), error: reject, complete: resolve }));
    expect(events.slice(0, 3)).toEqual([
      { type: 'token', text: 'Hello' },
      { type: 'token', text: ',' },
      { type: 'token', text: ' world' },
    ]);
    expect(events).toHaveLength(4);
    const done = events[3] as Extract<GenerationEvent, { type: 'done' }>;
    expect(done.summary).toMatchObject({
      backend: 'local',
      model: 'small:1b',
      doneReason: 'stop',
      promptTokens: 11,
      completionTokens: 3,
      numCtx: 8192,
      fallbacks: [],
    });
    expect(done.summary.firstTokenMs).toBeLessThanOrEqual(done.summary.totalMs);
    expect(done.summary.queuedMs).toBeGreaterThanOrEqual(0);
  });

  it('generate() collects the stream into the text and the summary', async () => {
    const { sut } = setup([{ id: 'local' }]);
    const result = await sut.generate(ask('hi'));
    expect(result.text).toBe('Hello, world');
    expect(result.summary.backend).toBe('local');
  });

  it('is cold: nothing reaches a backend until the stream is subscribed', async () => {
    const { sut, fake } = setup([{ id: 'local' }]);
    const stream = sut.stream(ask('hi'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fake('local').requests).toHaveLength(0);
    await firstValueFrom(stream);
    expect(fake('local').requests).toHaveLength(1);
  });
});

describe('inference engine: concurrency and queue', () => {
  it('runs at most maxConcurrent generations at once and serves the queue in arrival order', async () => {
    const { sut, fake } = setup([{ id: 'local', maxConcurrent: 2 }]);
    const [first, second] = [held(), held()];
    fake('local').answer(first.reply, second.reply);
    const results = ['1', '2', '3', '4', '5'].map((n) => sut.generate(ask(n)));
    await fake('local').waitForCalls(2);
    await vi.waitFor(() => expect(queued(sut, 'local')).toBe(3));
    expect(active(sut, 'local')).toBe(2);
    expect(asked(fake('local'))).toEqual(['1', '2']);
    second.release();
    first.release();
    await Promise.all(results);
    expect(asked(fake('local'))).toEqual(['1', '2', '3', '4', '5']);
    expect(sut.status().backends[0]).toMatchObject({ active: 0, queued: 0 });
  });

  it('refuses at once with LlmOverloadedError when the queue is full (back-pressure), without calling the backend', async () => {
    const { sut, fake } = setup([{ id: 'local', maxConcurrent: 1, maxQueue: 1 }]);
    const first = held();
    fake('local').answer(first.reply);
    const running = sut.generate(ask('1'));
    const waiting = sut.generate(ask('2'));
    await vi.waitFor(() => expect(queued(sut, 'local')).toBe(1));
    const refused = await sut.generate(ask('3')).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LlmOverloadedError);
    expect((refused as TarsError).details).toMatchObject({ backend: 'local' });
    expect(queued(sut, 'local')).toBe(1);
    first.release();
    await Promise.all([running, waiting]);
    expect(asked(fake('local'))).toEqual(['1', '2']);
  });

  it('a caller who goes away while queued leaves the queue and is never sent to the backend', async () => {
    const { sut, fake } = setup([{ id: 'local', maxConcurrent: 1 }]);
    const first = held();
    fake('local').answer(first.reply);
    const running = sut.generate(ask('1'));
    const leaving = sut.stream(ask('2')).subscribe();
    const staying = sut.generate(ask('3'));
    await vi.waitFor(() => expect(queued(sut, 'local')).toBe(2));
    leaving.unsubscribe();
    expect(queued(sut, 'local')).toBe(1);
    first.release();
    await Promise.all([running, staying]);
    expect(asked(fake('local'))).toEqual(['1', '3']);
  });

  it('a queued caller whose signal aborts gets CancelledError and leaves the queue', async () => {
    const { sut, fake } = setup([{ id: 'local', maxConcurrent: 1 }]);
    const first = held();
    fake('local').answer(first.reply);
    const running = sut.generate(ask('1'));
    const controller = new AbortController();
    const cancelled = sut.generate(ask('2'), controller.signal).catch((err: unknown) => err);
    await vi.waitFor(() => expect(queued(sut, 'local')).toBe(1));
    controller.abort();
    expect(await cancelled).toBeInstanceOf(CancelledError);
    expect(queued(sut, 'local')).toBe(0);
    first.release();
    await running;
    expect(asked(fake('local'))).toEqual(['1']);
  });

  it('unsubscribing during a generation aborts the backend request and frees the slot', async () => {
    const { sut, fake } = setup([{ id: 'local', maxConcurrent: 1 }]);
    fake('local').answer(silentAfter(['partial']));
    const tokens: string[] = [];
    const subscription = sut.stream(ask('1')).subscribe((e) => e.type === 'token' && tokens.push(e.text));
    await vi.waitFor(() => expect(tokens).toEqual(['partial']));
    const { signal } = fake('local').requests[0];
    expect(signal.aborted).toBe(false);
    subscription.unsubscribe();
    expect(signal.aborted).toBe(true);
    await vi.waitFor(() => expect(active(sut, 'local')).toBe(0));
    await expect(sut.generate(ask('2'))).resolves.toMatchObject({ text: 'Hello, world' });
  });

  it("an aborted caller's signal ends a running generation with CancelledError and aborts the backend", async () => {
    const { sut, fake } = setup([{ id: 'local' }, { id: 'spare' }]);
    fake('local').answer(silentAfter([]));
    const controller = new AbortController();
    const result = sut.generate(ask('1'), controller.signal).catch((err: unknown) => err);
    await fake('local').waitForCalls(1);
    controller.abort();
    expect(await result).toBeInstanceOf(CancelledError);
    expect(fake('local').requests[0].signal.aborted).toBe(true);
    expect(fake('spare').requests).toHaveLength(0);
  });
});

describe('inference engine: time limits', () => {
  it('fails with LlmTimeoutError when no first token comes within firstTokenTimeoutMs, aborting the backend request', async () => {
    const { sut, fake } = setup([{ id: 'local', firstTokenTimeoutMs: 20 }]);
    fake('local').answer(silentAfter([]));
    const error = await sut.generate(ask('1')).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LlmTimeoutError);
    expect((error as TarsError).details).toMatchObject({ backend: 'local', timeoutMs: 20 });
    expect(fake('local').requests[0].signal.aborted).toBe(true);
    expect(active(sut, 'local')).toBe(0);
  });

  it('times out even when the backend ignores its abort signal', async () => {
    const { sut, fake } = setup([{ id: 'local', firstTokenTimeoutMs: 20 }]);
    fake('local').answer(silentAfter([], { honoursAbort: false }));
    await expect(sut.generate(ask('1'))).rejects.toBeInstanceOf(LlmTimeoutError);
    expect(active(sut, 'local')).toBe(0);
  });

  it('fails with LlmTimeoutError after idleTimeoutMs of silence between tokens, keeping the tokens already sent', async () => {
    const { sut, fake } = setup([{ id: 'local', idleTimeoutMs: 20 }, { id: 'spare' }]);
    fake('local').answer(silentAfter(['one', ' two']));
    const result = await collectGeneration(sut.stream(ask('1')));
    expect(result.tokens).toEqual(['one', ' two']);
    expect(result.error).toBeInstanceOf(LlmTimeoutError);
    expect(result.error!.message).toContain('no further token');
    expect(fake('local').requests[0].signal.aborted).toBe(true);
    expect(fake('spare').requests).toHaveLength(0);
  });

  it('counts the first-token limit from holding a slot, not from joining the queue', async () => {
    const { sut, fake } = setup([{ id: 'local', maxConcurrent: 1, firstTokenTimeoutMs: 30 }]);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    fake('local').answer(async function* () {
      yield { type: 'token' as const, text: 'started' };
      await released;
      yield { type: 'end' as const, doneReason: 'stop' };
    });
    const running = sut.generate(ask('1'));
    const waiting = sut.generate(ask('2'));
    await vi.waitFor(() => expect(queued(sut, 'local')).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 80));
    release();
    await expect(running).resolves.toMatchObject({ text: 'started' });
    await expect(waiting).resolves.toMatchObject({ text: 'Hello, world' });
  });
});

describe('inference engine: fallback', () => {
  it.each([
    ['overloaded', new LlmOverloadedError('busy', { status: 503 })],
    ['timed out', new LlmTimeoutError('slow')],
    ['unreachable', new LlmUnavailableError('connection refused')],
    ['failed', new LlmFailedError('500')],
    ['out of quota (another provider has its own)', new LlmQuotaExceededError('weekly usage limit')],
    ['broken in an unexpected way', new TypeError('backend bug')],
  ])('moves on to the next backend when the first is %s before any token, and records why', async (_, error) => {
    const { sut, fake } = setup([{ id: 'first' }, { id: 'second', model: 'other:2b' }]);
    fake('first').answer(failWith(error));
    const result = await sut.generate(ask('1'));
    expect(result.summary).toMatchObject({ backend: 'second', model: 'other:2b' });
    expect(result.summary.fallbacks).toHaveLength(1);
    expect(result.summary.fallbacks[0]).toMatch(/^first: /);
    expect(result.summary.fallbacks[0]).toContain(error.message);
  });

  it('does not move on after a bad request: the request itself is at fault', async () => {
    const { sut, fake } = setup([{ id: 'first' }, { id: 'second' }]);
    fake('first').answer(failWith(new LlmBadRequestError('model does not support tools', { status: 400 })));
    await expect(sut.generate(ask('1'))).rejects.toBeInstanceOf(LlmBadRequestError);
    expect(fake('second').requests).toHaveLength(0);
  });

  it('does not move on once a token was sent: the stream fails with the error after the tokens', async () => {
    const { sut, fake } = setup([{ id: 'first' }, { id: 'second' }]);
    fake('first').answer(failWith(new LlmFailedError('stream cut'), ['Hel']));
    const result = await collectGeneration(sut.stream(ask('1')));
    expect(result.tokens).toEqual(['Hel']);
    expect(result.error).toBeInstanceOf(LlmFailedError);
    expect(result.summary).toBeUndefined();
    expect(fake('second').requests).toHaveLength(0);
  });

  it("moves on when the first backend's queue is full", async () => {
    const { sut, fake } = setup([{ id: 'first', maxConcurrent: 1, maxQueue: 0 }, { id: 'second' }]);
    const first = held();
    fake('first').answer(first.reply);
    const running = sut.generate(ask('1'));
    await fake('first').waitForCalls(1);
    const result = await sut.generate(ask('2'));
    expect(result.summary.backend).toBe('second');
    expect(result.summary.fallbacks[0]).toContain('overloaded');
    first.release();
    await running;
  });

  it("throws the first backend's error when every backend fails, with the path in details.fallbacks", async () => {
    const { sut, fake } = setup([{ id: 'first' }, { id: 'second' }]);
    fake('first').answer(failWith(new LlmOverloadedError('first is busy', { backend: 'first', status: 503 })));
    fake('second').answer(failWith(new LlmUnavailableError('second is off', { backend: 'second' })));
    const error = (await sut.generate(ask('1')).catch((err: unknown) => err)) as TarsError;
    expect(error).toBeInstanceOf(LlmOverloadedError);
    expect(error.message).toBe('first is busy');
    expect(error.details).toMatchObject({ backend: 'first', status: 503 });
    expect(error.details!.fallbacks).toEqual(['first: first is busy', 'second: second is off']);
  });

  it('fails with LlmUnavailableError when no backend is enabled', async () => {
    const { sut } = setup([{ id: 'off', enabled: false }]);
    await expect(sut.generate(ask('1'))).rejects.toThrow(new LlmUnavailableError('no LLM backend is enabled (inference.backends)'));
  });

  it('skips a backend whose last probe said down at once, unless it is the last one left', async () => {
    const { sut, fake } = setup([{ id: 'first' }, { id: 'second' }]);
    fake('first').probeResult = { up: false, detail: 'connection refused' };
    await sut.probeNow();
    const result = await sut.generate(ask('1'));
    expect(result.summary.backend).toBe('second');
    expect(result.summary.fallbacks).toEqual(["first: backend 'first' is down: connection refused"]);
    expect(fake('first').requests).toHaveLength(0);

    fake('second').probeResult = { up: false, detail: 'also refused' };
    await sut.probeNow();
    await sut.generate(ask('2'));
    expect(fake('second').requests).toHaveLength(2);
  });

  it('marks a backend it could not reach as down, so that the next request skips it without waiting', async () => {
    const { sut, fake } = setup([{ id: 'first' }, { id: 'second' }]);
    fake('first').answer(failWith(new LlmUnavailableError('connection refused')));
    await sut.generate(ask('1'));
    expect(sut.status().backends[0]).toMatchObject({ up: false, detail: 'connection refused' });
    await sut.generate(ask('2'));
    expect(fake('first').requests).toHaveLength(1);
    expect(fake('second').requests).toHaveLength(2);
  });

  it('fails with LlmUnavailableError when a backend cannot be created (a missing optional package), falling back', async () => {
    const configs = [backendConfig({ id: 'broken' }), backendConfig({ id: 'ok' })];
    const ok = new FakeBackend(configs[1]);
    const sut = new InferenceEngine(inferenceTestConfig(configs), {
      createBackend: async (config) => {
        if (config.id === 'broken') throw new Error("Cannot find package 'node-llama-cpp'");
        return ok;
      },
      logger: quietLogger,
    });
    engines.push(sut);
    const result = await sut.generate(ask('1'));
    expect(result.summary.backend).toBe('ok');
    expect(result.summary.fallbacks[0]).toContain('node-llama-cpp');
  });
});

describe('inference engine: model resolution', () => {
  it("without a model, each backend of the chain is asked for its own default model", async () => {
    const { sut, fake } = setup([{ id: 'first', model: 'big:70b' }, { id: 'second', model: 'small:1b' }]);
    fake('first').answer(failWith(new ModelNotFoundError('model "big:70b" not found, try pulling it first', { status: 404 })));
    const result = await sut.generate(ask('1'));
    expect(fake('first').requests[0].model).toBe('big:70b');
    expect(fake('second').requests[0].model).toBe('small:1b');
    expect(result.summary).toMatchObject({ backend: 'second', model: 'small:1b' });
  });

  it('sends a named model only to the backends that list it', async () => {
    const { sut, fake } = setup([{ id: 'first', model: 'a:1b' }, { id: 'second', model: 'b:1b' }]);
    fake('second').models.push({ name: 'coder:7b' });
    const result = await sut.generate(ask('1', { model: 'coder:7b' }));
    expect(result.summary).toMatchObject({ backend: 'second', model: 'coder:7b', fallbacks: [] });
    expect(fake('first').requests).toHaveLength(0);
  });

  it('treats a name without a tag as the :latest tag, as Ollama does', async () => {
    const { sut, fake } = setup([{ id: 'local', model: 'llama3.2:latest' }]);
    const result = await sut.generate(ask('1', { model: 'llama3.2' }));
    expect(fake('local').requests[0].model).toBe('llama3.2:latest');
    expect(result.summary.model).toBe('llama3.2:latest');
  });

  it('fails with ModelNotFoundError naming the available models when no backend serves the model', async () => {
    const { sut, fake } = setup([{ id: 'first', model: 'a:1b' }, { id: 'second', model: 'b:1b' }]);
    const error = (await sut.generate(ask('1', { model: 'missing:3b' })).catch((err: unknown) => err)) as TarsError;
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect(error.message).toContain("'missing:3b'");
    expect(error.message).toContain('a:1b, b:1b');
    expect(error.details).toMatchObject({ model: 'missing:3b', available: ['a:1b', 'b:1b'], status: 404 });
    expect(fake('first').requests).toHaveLength(0);
    expect(fake('second').requests).toHaveLength(0);
  });

  it('reuses the model lists for a few seconds, and refreshes them once when a named model is in none', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { sut, fake } = setup([{ id: 'local', model: 'a:1b' }]);
    await sut.generate(ask('1', { model: 'a:1b' }));
    await sut.generate(ask('2', { model: 'a:1b' }));
    expect(fake('local').listCalls).toBe(1);
    fake('local').models.push({ name: 'pulled:1b' });
    vi.setSystemTime(Date.now() + 2_000);
    const result = await sut.generate(ask('3', { model: 'pulled:1b' }));
    expect(result.summary.model).toBe('pulled:1b');
    expect(fake('local').listCalls).toBe(2);
  });

  it('fails with LlmUnavailableError, not ModelNotFoundError, when a backend that might serve the model cannot be asked', async () => {
    const { sut, fake } = setup([{ id: 'local', model: 'a:1b' }]);
    fake('local').listError = new LlmUnavailableError('Ollama (local) is not reachable');
    const error = await sut.generate(ask('1', { model: 'a:1b' })).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LlmUnavailableError);
    expect((error as Error).message).toContain('not reachable');
  });

  it('lists the models of every backend with the backend that serves them, and the backends that could not say', async () => {
    const { sut, fake } = setup([{ id: 'first', model: 'a:1b', contextLength: 4096 }, { id: 'second' }]);
    fake('second').listError = new LlmUnavailableError('refused');
    expect(await sut.listModels()).toEqual({
      models: [{ name: 'a:1b', backend: 'first', contextLength: 4096 }],
      unavailable: ['second: refused'],
    });
  });
});

describe('inference engine: generation options', () => {
  it.each([
    ['the backend contextLength when the request names none', undefined, 8192],
    ["the request's numCtx when it fits", 2048, 2048],
    ['the backend contextLength when the request asks for more', 32768, 8192],
  ])('asks for numCtx = %s', async (_, numCtx, expected) => {
    const { sut, fake } = setup([{ id: 'local', contextLength: 8192 }]);
    const result = await sut.generate(ask('1', { options: { numCtx } }));
    expect(fake('local').requests[0].numCtx).toBe(expected);
    expect(result.summary.numCtx).toBe(expected);
  });

  it('takes temperature and maxTokens from the config unless the request sets them, and passes stop and seed', async () => {
    const { sut, fake } = setup([{ id: 'local' }], { temperature: 0.3, maxAnswerTokens: 256 });
    await sut.generate(ask('1'));
    await sut.generate(ask('2', { options: { temperature: 0, maxTokens: 12, stop: ['\n\n'], seed: 7 } }));
    const [defaults, explicit] = fake('local').requests;
    expect(defaults).toMatchObject({ temperature: 0.3, maxTokens: 256 });
    expect(defaults.stop).toBeUndefined();
    expect(defaults.seed).toBeUndefined();
    expect(explicit).toMatchObject({ temperature: 0, maxTokens: 12, stop: ['\n\n'], seed: 7 });
  });

  it("passes the backend's doneReason (length when maxTokens was reached)", async () => {
    const { sut, fake } = setup([{ id: 'local' }]);
    fake('local').answer(replyWith(['a', 'b'], { doneReason: 'length' }));
    expect((await sut.generate(ask('1', { options: { maxTokens: 2 } }))).summary.doneReason).toBe('length');
  });

  it('fails with LlmFailedError when a backend ends its reply without an end event', async () => {
    const { sut, fake } = setup([{ id: 'local' }]);
    fake('local').answer(async function* () {
      yield { type: 'token' as const, text: 'cut' };
    });
    await expect(sut.generate(ask('1'))).rejects.toBeInstanceOf(LlmFailedError);
  });
});

describe('inference engine: status and probes', () => {
  it('reports each configured backend with its last probe and load; disabled ones as disabled', async () => {
    const { sut, fake } = setup([{ id: 'first' }, { id: 'second' }, { id: 'off', enabled: false }]);
    expect(sut.status().backends[0]).toMatchObject({ id: 'first', kind: 'ollama', up: false, detail: 'not probed yet' });
    fake('second').probeResult = { up: false, detail: 'connection refused' };
    const first = held();
    fake('first').answer(first.reply);
    const running = sut.generate(ask('1'));
    await sut.probeNow();
    await fake('first').waitForCalls(1);
    expect(sut.status()).toEqual({
      up: true,
      backends: [
        { id: 'first', kind: 'ollama', up: true, detail: 'fake backend answers', active: 1, queued: 0 },
        { id: 'second', kind: 'ollama', up: false, detail: 'connection refused', active: 0, queued: 0 },
        { id: 'off', kind: 'ollama', up: false, detail: 'disabled', active: 0, queued: 0 },
      ],
    });
    first.release();
    await running;
  });

  it('reports a backend whose probe does not answer within probeTimeoutMs as down', async () => {
    const { sut, fake } = setup([{ id: 'local' }], { probeTimeoutMs: 20 });
    fake('local').probeResult = () => new Promise(() => {});
    await sut.probeNow();
    expect(sut.status()).toMatchObject({ up: false, backends: [{ up: false, detail: expect.stringContaining('20 ms') }] });
  });

  it('probes every probeIntervalMs once started, and stops and closes the backends on close', async () => {
    const { sut, fake } = setup([{ id: 'local' }], { probeIntervalMs: 5 });
    sut.start();
    await vi.waitFor(() => expect(fake('local').probeCalls).toBeGreaterThanOrEqual(3));
    await sut.close();
    const calls = fake('local').probeCalls;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fake('local').probeCalls).toBe(calls);
    expect(fake('local').closed).toBe(true);
  });

  it('cancels running generations on close', async () => {
    const { sut, fake } = setup([{ id: 'local' }]);
    fake('local').answer(silentAfter([]));
    const running = sut.generate(ask('1')).catch((err: unknown) => err);
    await fake('local').waitForCalls(1);
    await sut.close();
    expect(await running).toBeInstanceOf(CancelledError);
    await untilAborted(fake('local').requests[0].signal);
  });
});

describe('inference engine: metrics', () => {
  function measured(backends: Array<Parameters<typeof backendConfig>[0]>) {
    const configs = backends.map(backendConfig);
    const fakes = new Map(configs.map((c) => [c.id, new FakeBackend(c)]));
    const seen: Array<Parameters<MetricsService['observeLlmGeneration']>[0]> = [];
    const sut = new InferenceEngine(inferenceTestConfig(configs), {
      createBackend: async (config) => fakes.get(config.id)!,
      logger: quietLogger,
      metrics: { observeLlmGeneration: (attempt) => seen.push(attempt) },
    });
    engines.push(sut);
    return { sut, fake: (id: string) => fakes.get(id)!, seen };
  }

  it('reports each attempt once: the failed one with its error code, the answered one with tokens, speed and waits', async () => {
    const { sut, fake, seen } = measured([{ id: 'first' }, { id: 'second' }]);
    fake('first').answer(failWith(new LlmOverloadedError('busy', { status: 503 })));
    fake('second').answer(replyWith(['a', 'b', 'c', 'd'], { completionTokens: 7 }));
    await sut.generate(ask('1'));
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ backend: 'first', outcome: 'llm_overloaded', queueSeconds: expect.any(Number) });
    expect(seen[0].tokens).toBeUndefined();
    expect(seen[1]).toMatchObject({ backend: 'second', outcome: 'ok', tokens: 7, queueSeconds: expect.any(Number), firstTokenSeconds: expect.any(Number) });
  });

  it('counts the streamed tokens when the backend gives no count, and a cancelled generation as cancelled', async () => {
    const { sut, fake, seen } = measured([{ id: 'local' }]);
    fake('local').answer(replyWith(['x', 'y'], { completionTokens: undefined }));
    await sut.generate(ask('1'));
    expect(seen[0]).toMatchObject({ outcome: 'ok', tokens: 2 });

    fake('local').answer(silentAfter(['x']));
    const controller = new AbortController();
    const pending = sut.generate(ask('2'), controller.signal);
    await fake('local').waitForCalls(2);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(seen[1]).toMatchObject({ backend: 'local', outcome: 'cancelled' });
  });
});
