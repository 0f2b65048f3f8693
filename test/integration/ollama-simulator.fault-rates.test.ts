import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultRates, OLLAMA_ERRORS, OllamaSimulator } from '../support/ollama-simulator.mjs';

const CHAT = 'llama3.2:3b';

/** 20 % busy (503) and 5 % spent quota (429), on chat only: the reliability test's mix. */
const RATES: FaultRates = {
  '/api/chat': [
    { kind: 'status', status: 503, rate: 0.2 },
    { kind: 'status', status: 429, body: { error: OLLAMA_ERRORS.quota }, rate: 0.05 },
  ],
};

/** One non-streamed chat request per question `q<i>`, in order; what the client saw for each. */
async function ask(sim: OllamaSimulator, count: number): Promise<{ status: number; error?: string }[]> {
  const seen: { status: number; error?: string }[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${sim.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: CHAT, stream: false, messages: [{ role: 'user', content: `q${i}` }] }),
    });
    const body = (await res.json()) as { error?: string };
    seen.push({ status: res.status, ...(body.error ? { error: body.error } : {}) });
  }
  return seen;
}

/** Indices of the requests that got a fault, from the simulator's record (the question is in the body). */
function faultedIndices(sim: OllamaSimulator): number[] {
  return sim.injectedFaults.map((f) => Number((f.request.body as { messages: { content: string }[] }).messages[0].content.slice(1)));
}

describe('Ollama simulator: random faults with a seeded PRNG', () => {
  let sim: OllamaSimulator;
  beforeAll(async () => {
    sim = await OllamaSimulator.start({ parallel: 4, tokensPerSecond: 0, replyTokens: 4, faultRates: RATES, faultSeed: 42 });
  });
  afterAll(() => sim.stop());

  it('honours the rates over 2,000 requests, and counts exactly the faults the clients received', async () => {
    sim.reset();
    const seen = await ask(sim, 2000);
    const byStatus = (status: number) => seen.filter((s) => s.status === status).length;
    // Binomial(2000, 0.2): mean 400, sd 17.9; Binomial(2000, 0.05): mean 100, sd 9.7. Fixed seed, so no flakiness:
    // these bounds (about 4 sd) say the draw is not biased, e.g. by a rate applied to the wrong rule.
    expect(byStatus(503)).toBeGreaterThan(330);
    expect(byStatus(503)).toBeLessThan(470);
    expect(byStatus(429)).toBeGreaterThan(60);
    expect(byStatus(429)).toBeLessThan(140);
    expect(byStatus(200) + byStatus(503) + byStatus(429)).toBe(2000);

    // Exact: what the simulator says it injected is what the clients got, request by request.
    expect(sim.injectedCounts).toEqual({ 503: byStatus(503), 429: byStatus(429) });
    expect(sim.injectedFaults).toHaveLength(byStatus(503) + byStatus(429));
    const failed = seen.flatMap((s, i) => (s.status === 200 ? [] : [i]));
    expect(faultedIndices(sim)).toEqual(failed);
    expect(seen.filter((s) => s.status === 503).every((s) => s.error === OLLAMA_ERRORS.busy)).toBe(true);
    expect(seen.filter((s) => s.status === 429).every((s) => s.error === OLLAMA_ERRORS.quota)).toBe(true);
    expect(sim.injectedFaults[0]).toMatchObject({ seq: 1, source: 'rate', path: '/api/chat', kind: 'status', at: expect.any(Date) });
    expect(sim.injectedFaults.map((f) => f.seq)).toEqual(sim.injectedFaults.map((_, i) => i + 1));
    expect(sim.injectedFaults.every((f) => !('rate' in f))).toBe(true);
  });

  it('is deterministic: the same seed faults the same requests (also after reset()), another seed others', async () => {
    sim.reset();
    await ask(sim, 300);
    const first = faultedIndices(sim);
    sim.reset();
    await ask(sim, 300);
    expect(faultedIndices(sim)).toEqual(first);

    const same = await OllamaSimulator.start({ tokensPerSecond: 0, faultRates: RATES, faultSeed: 42 });
    const other = await OllamaSimulator.start({ tokensPerSecond: 0, faultRates: RATES, faultSeed: 7 });
    try {
      await ask(same, 300);
      await ask(other, 300);
      expect(faultedIndices(same)).toEqual(first);
      const statuses = (s: OllamaSimulator) => s.injectedFaults.map((f) => (f.kind === 'status' ? f.status : f.kind));
      expect(statuses(same)).toEqual(statuses(sim));
      expect(faultedIndices(other)).not.toEqual(first);
    } finally {
      await Promise.all([same.stop(), other.stop()]);
    }
  });

  it('applies rates only to their path (or every other path with "*"), and other kinds of faults too', async () => {
    const drops = await OllamaSimulator.start({
      tokensPerSecond: 0,
      faultSeed: 3,
      faultRates: { '/api/chat': [{ kind: 'drop', afterTokens: 1, rate: 0.5 }], '*': [{ kind: 'status', status: 500, rate: 1 }] },
    });
    try {
      const client = new Ollama({ host: drops.url });
      await expect(client.version()).rejects.toMatchObject({ status_code: 500, error: OLLAMA_ERRORS.runnerTerminated });
      const results = await Promise.allSettled(Array.from({ length: 40 }, () => client.chat({ model: CHAT, messages: [{ role: 'user', content: 'x' }] })));
      const rejected = results.filter((r) => r.status === 'rejected').length;
      expect(drops.injectedCounts).toEqual({ 500: 1, drop: rejected });
      expect(rejected).toBeGreaterThan(5);
      expect(rejected).toBeLessThan(35);
      expect(drops.injectedFaults.filter((f) => f.kind === 'drop').every((f) => f.path === '/api/chat' && f.afterTokens === 1)).toBe(true);
    } finally {
      await drops.stop();
    }
  });

  it('serves a queued fault first (recorded as queued), without drawing for that request', async () => {
    const plain = await OllamaSimulator.start({ tokensPerSecond: 0, faultRates: RATES, faultSeed: 42 });
    try {
      plain.inject({ kind: 'status', status: 400, body: { error: 'bad' }, path: '/api/chat' });
      const seen = await ask(plain, 301);
      expect(seen[0]).toEqual({ status: 400, error: 'bad' });
      expect(plain.injectedFaults[0]).toMatchObject({ seq: 1, source: 'queued', status: 400 });
      expect(plain.injectedCounts[400]).toBe(1);
      // Requests 1..300 got the same draws as requests 0..299 of a simulator without the queued fault.
      sim.reset();
      await ask(sim, 300);
      expect(faultedIndices(plain).slice(1).map((i) => i - 1)).toEqual(faultedIndices(sim));
    } finally {
      await plain.stop();
    }
  });

  it('refuses rates that cannot be honoured, and can be changed or switched off at run time', async () => {
    expect(() => (sim.faultRates = { '/api/chat': [{ kind: 'status', status: 503, rate: 0.7 }, { kind: 'drop', rate: 0.4 }] })).toThrow(RangeError);
    expect(() => (sim.faultRates = { '/api/chat': [{ kind: 'status', status: 503, rate: -0.1 }] })).toThrow(RangeError);
    expect(() => (sim.faultRates = { '/api/chat': [{ kind: 'explode', rate: 0.1 } as never] })).toThrow(TypeError);
    expect(() => (sim.faultRates = { '/api/chat': [{ kind: 'status', rate: 0.1 } as never] })).toThrow(TypeError);
    expect(sim.faultRates).toEqual(RATES); // unchanged by the refused settings
    try {
      sim.faultRates = {};
      sim.reset();
      expect((await ask(sim, 50)).every((s) => s.status === 200)).toBe(true);
      expect(sim.injectedCounts).toEqual({});
      sim.faultRates = { '/api/chat': [{ kind: 'status', status: 503, rate: 1 }] };
      expect((await ask(sim, 5)).map((s) => s.status)).toEqual([503, 503, 503, 503, 503]);
    } finally {
      sim.faultRates = RATES;
    }
  });
});
