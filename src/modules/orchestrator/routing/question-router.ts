import type { TarsConfigValues } from '../../../config/config.schema.js';
import type { MemoryHitDto } from '../../../contracts/memory/search.dto.js';
import type { RouteName } from '../../../contracts/orchestrator/chat.dto.js';

export type RouterConfig = TarsConfigValues['orchestrator']['router'];

export interface RouteChoice {
  name: RouteName;
  reason: string;
  /** Hits of the memory probe, when one ran (reused as retrieval results of needs_context). */
  probeHits?: MemoryHitDto[];
}

/** Searches memory for a question (the router's probe); undefined when memory cannot be asked. */
export type MemoryProbe = (query: string) => Promise<MemoryHitDto[] | undefined>;

interface Rule {
  route: RouteName;
  pattern: RegExp;
  source: string;
}

/**
 * Decides how a question is answered. Rules from config are tried first (direct, then synthesis,
 * then context); a question no rule claims is decided by probing memory: a close enough hit means
 * the answer probably needs it. The reason says which rule or which hit decided.
 */
export class QuestionRouter {
  private readonly rules: Rule[];

  constructor(private readonly config: RouterConfig) {
    const compile = (route: RouteName, patterns: string[]) =>
      patterns.map((source) => ({ route, source, pattern: new RegExp(source, 'i') }));
    this.rules = [
      ...compile('inference_only', config.directPatterns),
      ...compile('synthesis', config.synthesisPatterns),
      ...compile('needs_context', config.contextPatterns),
    ];
  }

  async route(question: string, probe: MemoryProbe): Promise<RouteChoice> {
    const rule = this.rules.find((r) => r.pattern.test(question));
    if (rule) return { name: rule.route, reason: `matches the ${describe(rule.route)} rule /${rule.source}/` };

    const hits = await probe(question);
    if (hits === undefined) {
      return { name: 'inference_only', reason: 'no rule matched and memory could not be probed' };
    }
    const close = hits.find(
      (hit) =>
        (hit.similarity !== undefined && hit.similarity >= this.config.probeMinSimilarity) ||
        (hit.textRank !== undefined && hit.textRank >= this.config.probeMinTextRank),
    );
    if (close) {
      const measure =
        close.similarity !== undefined && close.similarity >= this.config.probeMinSimilarity
          ? `similarity ${close.similarity.toFixed(2)} >= ${this.config.probeMinSimilarity}`
          : `text rank ${close.textRank!.toFixed(3)} >= ${this.config.probeMinTextRank}`;
      return { name: 'needs_context', reason: `memory has a close match: "${close.title}" (${measure})`, probeHits: hits };
    }
    return {
      name: 'inference_only',
      reason: hits.length === 0 ? 'no rule matched and memory has nothing on it' : 'no rule matched and no memory hit is close enough',
      probeHits: hits,
    };
  }
}

function describe(route: RouteName): string {
  return route === 'inference_only' ? 'direct' : route === 'synthesis' ? 'synthesis' : 'context';
}
