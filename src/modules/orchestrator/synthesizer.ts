import type { ChatMessageDto } from '../../contracts/inference/generation.dto.js';
import type { MemoryLayer } from '../../contracts/memory/search.dto.js';
import type { RouteName } from '../../contracts/orchestrator/chat.dto.js';
import type { PlanStep } from './planning/planner.js';
import { buildPrompt, type BuiltPrompt } from './prompts/prompt-builder.js';
import type { PromptTemplates } from './prompts/prompt-templates.js';
import type { ContextRetriever, RetrievedPassage } from './retrieval/context-retriever.js';

export interface Gathered {
  passages: RetrievedPassage[];
  notices: string[];
}

/**
 * Carries out a plan's retrieval steps (in parallel, merged: each passage once, every query
 * contributing) and composes the prompt from the passages, the conversation and the question.
 */
export class Synthesizer {
  constructor(
    private readonly retriever: ContextRetriever,
    private readonly templates: PromptTemplates,
  ) {}

  async gather(steps: PlanStep[], layers?: MemoryLayer[]): Promise<Gathered> {
    const passages: RetrievedPassage[] = [];
    const notices: string[] = [];
    for (const step of steps) {
      if (step.kind === 'reuse-probe') passages.push(...step.hits.map((hit) => ({ hit, query: step.query })));
      if (step.kind === 'retrieve') {
        const retrieval = await this.retriever.retrieve(step.queries, step.k, layers);
        passages.push(...retrieval.passages);
        notices.push(...retrieval.notices);
      }
    }
    return { passages, notices };
  }

  compose(input: {
    question: string;
    route: RouteName;
    history: ChatMessageDto[];
    passages: RetrievedPassage[];
    numCtx: number;
    answerTokens: number;
  }): BuiltPrompt {
    return buildPrompt(this.templates, input);
  }
}
