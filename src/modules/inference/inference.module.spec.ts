import { createServer } from 'node:net';
import { Test } from '@nestjs/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testConfig } from '../../../test/support/config.js';
import { OllamaSimulator } from '../../../test/support/ollama-simulator.mjs';
import { ConfigModule } from '../../config/config.module.js';
import { ValidationFailedError } from '../../contracts/errors.js';
import { INFERENCE_CONTRACT, type InferenceContract } from '../../contracts/inference/inference.contract.js';
import { InferenceEngine } from './inference.engine.js';
import { InferenceFacade } from './inference.facade.js';
import { InferenceModule } from './inference.module.js';
import { LlmHealth } from './llm.health.js';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function inferenceApp(ollamaUrl: string) {
  const config = testConfig({
    TARS_INFERENCE_BACKENDS: JSON.stringify([{ id: 'ollama', kind: 'ollama', host: ollamaUrl, model: 'llama3.2:3b' }]),
  });
  const app = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), InferenceModule.register({ serveOverNats: false })],
  }).compile();
  await app.init();
  return app;
}

describe('InferenceModule', () => {
  let sim: OllamaSimulator;
  beforeAll(async () => {
    sim = await OllamaSimulator.start({ tokensPerSecond: 0 });
  });
  afterAll(() => sim.close());

  it('offers the inference contract on this node, with payload validation', async () => {
    const app = await inferenceApp(sim.url);
    const inference = app.get<InferenceContract>(INFERENCE_CONTRACT.token);
    sim.reply = () => 'Every spring.';
    const answer = await inference.generate({ messages: [{ role: 'user', content: 'When?' }] });
    expect(answer).toMatchObject({ text: 'Every spring.', summary: { backend: 'ollama', model: 'llama3.2:3b', numCtx: 8192 } });
    const events = await lastValueFrom(inference.streamGenerate({ messages: [{ role: 'user', content: 'When?' }] }).pipe(toArray()));
    expect(events.at(-1)).toMatchObject({ type: 'done', summary: { backend: 'ollama' } });
    expect(events.filter((e) => e.type === 'token').map((e) => (e as { text: string }).text).join('')).toBe('Every spring.');
    // listModels and status go through the facade: their empty query DTOs do not pass validatePayload yet (reported).
    expect((await app.get(InferenceFacade).listModels({})).models.map((m) => m.name)).toContain('llama3.2:3b');
    await expect(inference.generate({ messages: [] })).rejects.toBeInstanceOf(ValidationFailedError);
    sim.reply = undefined;
    await app.close();
  });

  it('probes the backends from start-up, reports them through LlmHealth without a network call, and stops on close', async () => {
    const app = await inferenceApp(sim.url);
    await vi.waitFor(async () => expect(await app.get(LlmHealth).check()).toEqual({ llm: { status: 'up', backends: { ollama: { up: true, detail: `Ollama 0.12.6 at ${sim.url}` } } } }));
    const probes = sim.requestCount('/api/version');
    await app.get(LlmHealth).check();
    expect(sim.requestCount('/api/version')).toBe(probes);
    const engine = app.get(InferenceEngine);
    await app.close();
    await expect(engine.generate({ messages: [{ role: 'user', content: 'late' }] })).rejects.toThrow(/shutting down/);
  });

  it('reports the LLM down with each backend\'s reason when no backend answers', async () => {
    const app = await inferenceApp(`http://127.0.0.1:${await closedPort()}`);
    const detail = async () => ((await app.get(LlmHealth).check()).llm as unknown as { backends: { ollama: { detail: string } } }).backends.ollama.detail;
    await vi.waitFor(async () => expect(await detail()).toContain('not reachable'));
    const { llm } = await app.get(LlmHealth).check();
    expect(llm).toMatchObject({ status: 'down', message: 'no LLM backend is up', backends: { ollama: { up: false } } });
    await expect(app.get(InferenceFacade).status({})).resolves.toMatchObject({ up: false });
    await app.close();
  });
});
