import type { ChatMessageDto } from '../../../contracts/inference/generation.dto.js';
import type { AnswerSourceDto, RouteName } from '../../../contracts/orchestrator/chat.dto.js';
import { ValidationFailedError } from '../../../contracts/errors.js';
import type { RetrievedPassage } from '../retrieval/context-retriever.js';
import type { PromptTemplates } from './prompt-templates.js';
import { estimateTokens, MESSAGE_OVERHEAD_TOKENS } from './token-estimate.js';

export interface PromptInput {
  question: string;
  route: RouteName;
  /** Earlier turns, oldest first (already limited to orchestrator.historyTurns). */
  history: ChatMessageDto[];
  passages: RetrievedPassage[];
  /** Context window asked of the backend, and the part of it kept for the answer. */
  numCtx: number;
  answerTokens: number;
}

export interface BuiltPrompt {
  messages: ChatMessageDto[];
  /** The passages that made it into the prompt, numbered as cited. */
  sources: AnswerSourceDto[];
  promptTokens: number;
  notices: string[];
}

const SNIPPET_CHARS = 400;

/** Passage text may not close our own delimiters: retrieved text is untrusted data. */
function neutralise(text: string): string {
  return text.replace(/<\/?\s*(passages?|system|instructions?)\b[^>]*>/gi, '[removed tag]');
}

/**
 * Builds the chat messages of an answer within the context window: the system prompt and the
 * question always; then as many retrieved passages as fit, best first; then as many recent turns
 * as fit, newest first. Nothing is cut silently: what was left out is listed in `notices`.
 */
export function buildPrompt(templates: PromptTemplates, input: PromptInput): BuiltPrompt {
  const budget = input.numCtx - input.answerTokens;
  const system = templates.render('system');
  const notices: string[] = [];
  const withPassages = input.route !== 'inference_only' || input.passages.length > 0;
  const frame = withPassages
    ? templates.render(input.route === 'synthesis' ? 'synthesis' : 'answer', { question: input.question, passages: '' })
    : input.question;
  let used = estimateTokens(system) + estimateTokens(frame) + 2 * MESSAGE_OVERHEAD_TOKENS;
  if (used > budget) {
    throw new ValidationFailedError(
      `the question needs about ${used} tokens, more than the ${budget} the context window leaves (orchestrator.numCtx ${input.numCtx} minus ${input.answerTokens} for the answer)`,
      { fields: ['question'] },
    );
  }

  const sources: AnswerSourceDto[] = [];
  const blocks: string[] = [];
  let dropped = 0;
  for (const { hit } of input.passages) {
    const ref = sources.length + 1;
    const block = templates.render('passage', {
      ref,
      layer: hit.layer,
      title: neutralise(hit.title).replace(/"/g, "'"),
      text: neutralise(hit.text ?? hit.snippet),
    });
    const cost = estimateTokens(block) + 1;
    if (used + cost > budget) {
      dropped++;
      continue;
    }
    used += cost;
    blocks.push(block);
    sources.push({
      ref,
      layer: hit.layer,
      kind: hit.kind,
      title: hit.title,
      snippet: (hit.text ?? hit.snippet).slice(0, SNIPPET_CHARS),
      score: hit.score,
      source: hit.source,
    });
  }
  if (dropped > 0) notices.push(`${dropped} retrieved passage(s) left out: they did not fit in the context window (${input.numCtx} tokens)`);

  const history: ChatMessageDto[] = [];
  for (const message of [...input.history].reverse()) {
    const cost = estimateTokens(message.content) + MESSAGE_OVERHEAD_TOKENS;
    if (used + cost > budget) {
      notices.push(`${input.history.length - history.length} earlier turn(s) left out of the prompt to fit the context window`);
      break;
    }
    used += cost;
    history.unshift(message);
  }

  const user = withPassages
    ? templates.render(input.route === 'synthesis' ? 'synthesis' : 'answer', {
        question: input.question,
        passages: blocks.length > 0 ? blocks.join('\n') : '(no passage found)',
      })
    : input.question;
  return {
    messages: [{ role: 'system', content: system }, ...history, { role: 'user', content: user }],
    sources,
    promptTokens: used,
    notices,
  };
}
