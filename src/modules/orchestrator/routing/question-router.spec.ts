import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../config/config.loader.js';
import type { MemoryHitDto } from '../../../contracts/memory/search.dto.js';
import { QuestionRouter } from './question-router.js';

const defaults = loadConfig({ env: {} }).orchestrator.router;

function hit(overrides: Partial<MemoryHitDto>): MemoryHitDto {
  return { layer: 'semantic', kind: 'chunk', title: 'Boiler manual', snippet: '…', score: 0.03, source: {}, ...overrides };
}

describe('QuestionRouter', () => {
  const router = new QuestionRouter(defaults);
  const noProbe = vi.fn(async () => [] as MemoryHitDto[]);

  it('answers greetings and arithmetic directly, without probing memory', async () => {
    const probe = vi.fn(async () => [] as MemoryHitDto[]);
    for (const question of ['Hello there', 'thanks!', '12 * (3 + 4) =']) {
      const choice = await router.route(question, probe);
      expect(choice.name).toBe('inference_only');
      expect(choice.reason).toMatch(/direct rule/);
    }
    expect(probe).not.toHaveBeenCalled();
  });

  it('sends comparisons to synthesis and says which rule decided', async () => {
    const choice = await router.route('Compare the boiler manual and the heat pump notes', noProbe);
    expect(choice).toMatchObject({ name: 'synthesis' });
    expect(choice.reason).toMatch(/synthesis rule \/.*compare/);
  });

  it('sends questions about the owner\'s things to needs_context', async () => {
    expect((await router.route('When is my boiler service due?', noProbe)).name).toBe('needs_context');
    expect((await router.route('What does the manual say about pressure?', noProbe)).name).toBe('needs_context');
  });

  it('probes memory when no rule matches: a close hit means needs_context and is kept for retrieval', async () => {
    const hits = [hit({ similarity: 0.2 }), hit({ title: 'Heat pump', similarity: 0.61 })];
    const choice = await router.route('What pressure should a boiler run at?', async () => hits);
    expect(choice.name).toBe('needs_context');
    expect(choice.reason).toContain('"Heat pump"');
    expect(choice.reason).toContain('similarity 0.61');
    expect(choice.probeHits).toBe(hits);
  });

  it('counts a strong full-text rank as a close hit', async () => {
    const choice = await router.route('What pressure should a boiler run at?', async () => [hit({ textRank: 0.2 })]);
    expect(choice.name).toBe('needs_context');
    expect(choice.reason).toMatch(/text rank 0\.200/);
  });

  it('goes to inference_only when memory has nothing close, or cannot be probed', async () => {
    const far = await router.route('What is the capital of France?', async () => [hit({ similarity: 0.1, textRank: 0.001 })]);
    expect(far).toMatchObject({ name: 'inference_only', reason: expect.stringMatching(/no memory hit is close enough/) });
    const empty = await router.route('What is the capital of France?', async () => []);
    expect(empty.reason).toMatch(/memory has nothing/);
    const down = await router.route('What is the capital of France?', async () => undefined);
    expect(down.reason).toMatch(/could not be probed/);
  });

  it('applies thresholds and rules from the config', async () => {
    const strict = new QuestionRouter({ ...defaults, contextPatterns: [], probeMinSimilarity: 0.9 });
    const choice = await strict.route('When is my boiler service due?', async () => [hit({ similarity: 0.8 })]);
    expect(choice.name).toBe('inference_only');
  });
});
