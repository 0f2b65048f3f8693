import { describe, expect, it } from 'vitest';
import type { MemoryHitDto } from '../../../contracts/memory/search.dto.js';
import { describePlan, planAnswer } from './planner.js';

const hit: MemoryHitDto = { layer: 'notes', kind: 'note', title: 't', snippet: 's', score: 1, source: {} };

describe('planAnswer', () => {
  it('generates directly for inference_only', () => {
    expect(planAnswer({ route: 'inference_only', query: 'hi', subQueries: [], k: 6 })).toEqual([{ kind: 'generate', template: 'direct' }]);
  });

  it('retrieves then answers for needs_context, reusing the probe when there was one', () => {
    expect(planAnswer({ route: 'needs_context', query: 'q', subQueries: [], k: 6 })).toEqual([
      { kind: 'retrieve', queries: ['q'], k: 6 },
      { kind: 'generate', template: 'answer' },
    ]);
    const reuse = planAnswer({ route: 'needs_context', query: 'q', subQueries: [], k: 6, probeHits: [hit] });
    expect(reuse[0]).toEqual({ kind: 'reuse-probe', query: 'q', hits: [hit] });
  });

  it('retrieves the question and every sub-query for synthesis', () => {
    const plan = planAnswer({ route: 'synthesis', query: 'compare a and b', subQueries: ['a', 'b'], k: 6 });
    expect(plan).toEqual([
      { kind: 'retrieve', queries: ['compare a and b', 'a', 'b'], k: 6 },
      { kind: 'generate', template: 'synthesis' },
    ]);
    expect(describePlan(plan)).toEqual(['retrieve 6 passages for "compare a and b", "a", "b"', 'generate from the passages (synthesis prompt)']);
  });
});
