import type { ChatMessageDto } from '../../../contracts/inference/generation.dto.js';

/** Words that point back into the conversation ("it", "that one", "the second"...). */
const ANAPHORA =
  /\b(it|its|that|this|those|these|they|them|their|he|she|him|her|one|ones|former|latter|first|second|third|last|same|there|then|else|more|also|too)\b/i;
const CONTINUATION = /^\s*(and|but|so|what about|how about|why|why not|then|also|or)\b/i;

/**
 * Whether a question only makes sense with the conversation before it: it is short and refers back
 * ("and the second one?", "why?") or starts as a continuation. Only asked when there is history.
 */
export function isFollowUp(question: string, history: readonly ChatMessageDto[]): boolean {
  if (!history.some((m) => m.role === 'user')) return false;
  const words = question.trim().split(/\s+/).length;
  return CONTINUATION.test(question) || (words <= 12 && ANAPHORA.test(question)) || words <= 3;
}

/** The cheap rewrite: the previous question in front of this one, so retrieval sees both. */
export function concatWithPrevious(question: string, history: readonly ChatMessageDto[]): string {
  const previous = [...history].reverse().find((m) => m.role === 'user');
  return previous ? `${previous.content.trim()} ${question.trim()}` : question;
}
