import type { MemoryHitDto } from '../../../contracts/memory/search.dto.js';
import type { RouteName } from '../../../contracts/orchestrator/chat.dto.js';

/** One step of an answer plan. */
export type PlanStep =
  | { kind: 'retrieve'; queries: string[]; k: number }
  | { kind: 'reuse-probe'; query: string; hits: MemoryHitDto[] }
  | { kind: 'generate'; template: 'direct' | 'answer' | 'synthesis' };

export interface PlanInput {
  route: RouteName;
  /** The retrieval query (the question, or the follow-up rewritten). */
  query: string;
  subQueries: string[];
  /** Hits of the router's memory probe, when it ran. */
  probeHits?: MemoryHitDto[];
  k: number;
}

/**
 * Turns a route into steps: inference_only generates directly; needs_context retrieves for the
 * query (or reuses the router's probe, which was that same search) and answers from the passages;
 * synthesis retrieves the whole question and each sub-query, then combines them.
 */
export function planAnswer(input: PlanInput): PlanStep[] {
  switch (input.route) {
    case 'inference_only':
      return [{ kind: 'generate', template: 'direct' }];
    case 'needs_context':
      return [
        input.probeHits
          ? { kind: 'reuse-probe', query: input.query, hits: input.probeHits }
          : { kind: 'retrieve', queries: [input.query], k: input.k },
        { kind: 'generate', template: 'answer' },
      ];
    case 'synthesis':
      return [
        { kind: 'retrieve', queries: [input.query, ...input.subQueries], k: input.k },
        { kind: 'generate', template: 'synthesis' },
      ];
  }
}

/** The plan as people read it (returned with the answer's route). */
export function describePlan(steps: PlanStep[]): string[] {
  return steps.map((step) => {
    switch (step.kind) {
      case 'retrieve':
        return `retrieve ${step.k} passages for ${step.queries.map((q) => `"${q}"`).join(', ')}`;
      case 'reuse-probe':
        return `use the router's memory probe for "${step.query}" (${step.hits.length} hits)`;
      case 'generate':
        return step.template === 'direct' ? 'generate directly' : `generate from the passages (${step.template} prompt)`;
    }
  });
}
