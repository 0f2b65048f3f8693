import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OllamaSimulator } from '../support/ollama-simulator.mjs';

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('Ollama simulator', () => {
  let sim: OllamaSimulator;
  let client: Ollama;
  beforeAll(async () => {
    sim = await OllamaSimulator.start({
      models: [
        { name: 'nomic-embed-text', dimensions: 768, family: 'nomic-bert' },
        { name: 'all-minilm:22m', dimensions: 384, family: 'bert' },
        { name: 'llama3.2:1b' },
      ],
      version: '0.12.6',
    });
    client = new Ollama({ host: sim.url });
  });
  afterAll(() => sim.stop());

  it('listens on a free loopback port', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers the official client: version, tags, show', async () => {
    expect(await client.version()).toEqual({ version: '0.12.6' });
    const { models } = await client.list();
    expect(models.map((m) => m.name)).toEqual(['nomic-embed-text:latest', 'all-minilm:22m', 'llama3.2:1b']);
    expect(models[0].details).toMatchObject({ format: 'gguf', family: 'nomic-bert' });
    const shown = await client.show({ model: 'nomic-embed-text' });
    expect(shown.capabilities).toEqual(['embedding']);
    expect(shown.model_info).toMatchObject({ 'general.architecture': 'nomic-bert', 'nomic-bert.embedding_length': 768 });
    await expect(client.show({ model: 'nope' })).rejects.toMatchObject({ status_code: 404 });
  });

  it('embeds a string or an array with deterministic unit vectors per (model, text), and reports durations and token counts', async () => {
    const one = await client.embed({ model: 'nomic-embed-text', input: 'hello' });
    const many = await client.embed({ model: 'nomic-embed-text:latest', input: ['hello', 'world'] });
    expect(one).toMatchObject({ model: 'nomic-embed-text', prompt_eval_count: expect.any(Number), total_duration: expect.any(Number), load_duration: expect.any(Number) });
    expect(one.embeddings).toHaveLength(1);
    expect(one.embeddings[0]).toHaveLength(768);
    expect(many.embeddings[0]).toEqual(one.embeddings[0]);
    expect(many.embeddings[1]).not.toEqual(one.embeddings[0]);
    expect(one.embeddings[0].reduce((s, x) => s + x * x, 0)).toBeCloseTo(1, 6);
    const other = await client.embed({ model: 'all-minilm:22m', input: 'hello' });
    expect(other.embeddings[0]).toHaveLength(384);
    expect(other.embeddings[0][0]).not.toBe(one.embeddings[0][0]);
  });

  it('shortens vectors when asked for fewer dimensions, and answers empty input with no vectors', async () => {
    const short = await post(`${sim.url}/api/embed`, { model: 'nomic-embed-text', input: 'hello', dimensions: 64 });
    expect((short.body.embeddings as number[][])[0]).toHaveLength(64);
    const empty = await post(`${sim.url}/api/embed`, { model: 'nomic-embed-text', input: [] });
    expect(empty).toMatchObject({ status: 200, body: { embeddings: [] } });
  });

  it("answers Ollama's errors: unknown model 404, model required and bad input 400, unknown path 404", async () => {
    expect(await post(`${sim.url}/api/embed`, { model: 'x', input: 'a' })).toEqual({
      status: 404,
      body: { error: 'model "x" not found, try pulling it first' },
    });
    expect(await post(`${sim.url}/api/embed`, { input: 'a' })).toEqual({ status: 400, body: { error: 'model is required' } });
    expect(await post(`${sim.url}/api/embed`, { model: 'nomic-embed-text', input: 42 })).toEqual({ status: 400, body: { error: 'invalid input type' } });
    expect((await post(`${sim.url}/api/embed`, '{not json')).status).toBe(400);
    expect((await post(`${sim.url}/api/embed`, '')).body).toEqual({ error: 'missing request body' });
    expect((await fetch(`${sim.url}/api/nothing`)).status).toBe(404);
  });

  it('fails the next N requests as injected, then serves again, and counts every request', async () => {
    const before = sim.requestCount('/api/embed');
    sim.failNext(2, { status: 500, body: { error: 'llama runner process has terminated' } });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await post(`${sim.url}/api/embed`, { model: 'nomic-embed-text', input: 'a' }));
    expect(results.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(results[0].body).toEqual({ error: 'llama runner process has terminated' });
    expect(sim.requestCount('/api/embed') - before).toBe(3);
    expect(sim.requestCount()).toBeGreaterThanOrEqual(sim.requestCount('/api/embed'));
  });

  it('serves `parallel` requests at once, queues `maxQueue` more, and answers 503 beyond that', async () => {
    const busy = await OllamaSimulator.start({ parallel: 1, maxQueue: 1, ttftMs: 1000 }); // the three requests surely overlap
    try {
      const answers = await Promise.all(
        ['a', 'b', 'c'].map((input) => post(`${busy.url}/api/embed`, { model: 'nomic-embed-text', input })),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 503]);
      expect(answers.find((a) => a.status === 503)!.body).toEqual({
        error: 'server busy, please try again.  maximum pending requests exceeded',
      });
      expect((await post(`${busy.url}/api/embed`, { model: 'nomic-embed-text', input: 'd' })).status).toBe(200);
    } finally {
      await busy.stop();
    }
  });

  it('takes extra endpoints through route()', async () => {
    sim.route('POST', '/api/extra', ({ body }) => ({ status: 200, body: { model: (body as { model: string }).model, ok: true } }));
    expect(await post(`${sim.url}/api/extra`, { model: 'llama3.2:1b' })).toEqual({ status: 200, body: { model: 'llama3.2:1b', ok: true } });
  });
});
