import { type ChatResponse, type GenerateResponse, Ollama } from 'ollama';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OllamaSimulator, type SimulatorRequest } from '../support/ollama-simulator.mjs';

const CHAT = 'llama3.2:3b';
const ask = (content: string) => [{ role: 'user', content }];

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const parts: T[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

async function postRaw(url: string, body: unknown): Promise<{ status: number; contentType: string | null; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

describe('Ollama simulator: chat and generate', () => {
  let sim: OllamaSimulator;
  let client: Ollama;
  beforeAll(async () => {
    sim = await OllamaSimulator.start({
      reply: (request: SimulatorRequest) => (JSON.stringify(request.body).includes('Rewrite') ? 'boiler service history 2025' : undefined),
    });
    client = new Ollama({ host: sim.url });
  });
  beforeEach(() => sim.reset());
  afterAll(() => sim.stop());

  it('has a chat model and an embedding model by default, with their capabilities', async () => {
    const { models } = await client.list();
    expect(models.map((m) => m.name)).toEqual(['nomic-embed-text:latest', CHAT]);
    expect((await client.show({ model: CHAT })).capabilities).toEqual(['completion']);
    expect((await client.show({ model: 'nomic-embed-text' })).capabilities).toEqual(['embedding']);
  });

  it('streams a chat answer token by token; only the last chunk is done and carries the stats', async () => {
    const parts = await collect(await client.chat({ model: CHAT, messages: ask('Why is the sky blue?'), stream: true, options: { num_ctx: 4096 } }));
    expect(parts).toHaveLength(25); // 24 tokens, then the done chunk
    expect(parts.slice(0, -1).every((p) => p.done === false && p.message.role === 'assistant' && p.message.content !== '')).toBe(true);
    const text = parts.map((p) => p.message.content).join('');
    expect(text).toMatch(/^Simulated answer about Why is the sky blue/);
    expect(text.split(' ')).toHaveLength(24);
    const last = parts.at(-1)!;
    expect(last).toMatchObject({
      model: CHAT,
      done: true,
      done_reason: 'stop',
      message: { role: 'assistant', content: '' },
      eval_count: 24,
      prompt_eval_count: OllamaSimulator.estimateTokens('Why is the sky blue?'),
    });
    for (const stat of ['total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration'] as const) {
      expect(Number.isInteger(last[stat]) && last[stat] > 0).toBe(true);
    }
    expect(last.total_duration).toBeGreaterThanOrEqual(last.eval_duration);
  });

  it('streams by default as application/x-ndjson, one JSON object per line', async () => {
    const answer = await postRaw(`${sim.url}/api/chat`, { model: CHAT, messages: ask('hello') });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('application/x-ndjson');
    expect(answer.text.endsWith('\n')).toBe(true);
    const lines = answer.text.trimEnd().split('\n').map((line) => JSON.parse(line) as ChatResponse);
    expect(lines).toHaveLength(25);
    expect(typeof lines[0].created_at).toBe('string');
    expect(lines.map((l) => l.done)).toEqual([...Array(24).fill(false), true]);
  });

  it('streams generate with `response` chunks, and context in the last one', async () => {
    const parts = await collect(await client.generate({ model: CHAT, prompt: 'Tell me about boilers', stream: true }));
    expect(parts).toHaveLength(25);
    expect(parts.map((p) => p.response).join('')).toMatch(/^Simulated answer about Tell me about boilers/);
    expect(parts.at(-1)).toMatchObject({ done: true, done_reason: 'stop', response: '', eval_count: 24, context: expect.any(Array) });
  });

  it('answers stream:false with one object holding the whole text and the same stats', async () => {
    const streamed = await collect(await client.chat({ model: CHAT, messages: ask('same question'), stream: true }));
    const whole = await client.chat({ model: CHAT, messages: ask('same question'), stream: false });
    expect(whole.message).toEqual({ role: 'assistant', content: streamed.map((p) => p.message.content).join('') });
    expect(whole).toMatchObject({ done: true, done_reason: 'stop', eval_count: 24, prompt_eval_count: expect.any(Number), total_duration: expect.any(Number) });
    const generated: GenerateResponse = await client.generate({ model: CHAT, prompt: 'same question', stream: false });
    expect(generated.response).toBe(whole.message.content);
    expect(generated.done).toBe(true);
  });

  it('stops at options.num_predict tokens with done_reason "length"', async () => {
    const parts = await collect(await client.chat({ model: CHAT, messages: ask('long story'), stream: true, options: { num_predict: 5 } }));
    expect(parts).toHaveLength(6);
    expect(parts.at(-1)).toMatchObject({ done_reason: 'length', eval_count: 5 });
  });

  it('cuts the answer before a stop sequence', async () => {
    const whole = await client.chat({ model: CHAT, messages: ask('Rewrite: boilers'), options: { stop: [' service'] } });
    expect(whole).toMatchObject({ message: { content: 'boiler' }, done_reason: 'stop', eval_count: 1 });
  });

  it('streams a scripted reply token by token', async () => {
    const parts = await collect(await client.chat({ model: CHAT, messages: ask('Rewrite the query: when was the boiler serviced?'), stream: true }));
    expect(parts.map((p) => p.message.content)).toEqual(['boiler', ' service', ' history', ' 2025', '']);
    expect(sim.received.at(-1)!.path).toBe('/api/chat');
  });

  it('records the num_ctx each request asked for, and counts prompts cut to the default context', async () => {
    const long = 'word '.repeat(2000); // 10,000 characters: about 2,500 tokens
    const unset = await client.chat({ model: CHAT, messages: ask(long) });
    const set = await client.chat({ model: CHAT, messages: ask(long), options: { num_ctx: 8192 } });
    expect(sim.received.map((r) => r.numCtx)).toEqual([undefined, 8192]);
    expect(sim.received.map((r) => [r.effectiveNumCtx, r.truncated])).toEqual([
      [2048, true],
      [8192, false],
    ]);
    expect(sim.truncatedRequests).toBe(1);
    expect(unset.prompt_eval_count).toBe(2048);
    expect(set.prompt_eval_count).toBe(OllamaSimulator.estimateTokens(long));
  });

  it('only loads the model for a chat without messages or a generate without prompt (done_reason "load")', async () => {
    expect(await client.chat({ model: CHAT, messages: [] })).toMatchObject({ done: true, done_reason: 'load', message: { content: '' } });
    expect(await client.generate({ model: CHAT, prompt: '' })).toMatchObject({ done: true, done_reason: 'load', response: '' });
  });

  it("answers Ollama's errors: unknown model 404, embedding model 400, model missing and malformed JSON 400", async () => {
    const unknown = await client.chat({ model: 'nope:1b', messages: ask('x') }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ name: 'ResponseError', status_code: 404, error: 'model "nope:1b" not found, try pulling it first' });
    const embedChat = await client.chat({ model: 'nomic-embed-text', messages: ask('x') }).catch((e: unknown) => e);
    expect(embedChat).toMatchObject({ name: 'ResponseError', status_code: 400, error: '"nomic-embed-text" does not support chat' });
    expect(await postRaw(`${sim.url}/api/generate`, { model: 'nomic-embed-text', prompt: 'x' })).toMatchObject({
      status: 400,
      text: JSON.stringify({ error: '"nomic-embed-text" does not support generate' }),
    });
    expect(await postRaw(`${sim.url}/api/chat`, { messages: ask('x') })).toMatchObject({ status: 400, text: '{"error":"model is required"}' });
    expect((await postRaw(`${sim.url}/api/chat`, '{"model": "llama3.2:3b",')).status).toBe(400);
  });
});
