import type { AnswerSourceDto } from '../../../contracts/orchestrator/chat.dto.js';
import type { PromptTemplates } from './prompt-templates.js';

/**
 * The answer given when no LLM answers: the retrieved passages themselves, numbered like sources,
 * under a header that says plainly that nothing was generated.
 */
export function degradedAnswer(templates: PromptTemplates, reason: string, sources: AnswerSourceDto[]): string {
  if (sources.length === 0) return templates.render('degraded-empty', { reason });
  const passages = sources
    .map((s) => `[${s.ref}] ${s.title} (${s.layer}): ${s.snippet.replace(/\s+/g, ' ').trim()}`)
    .join('\n\n');
  return templates.render('degraded', { reason, passages });
}
