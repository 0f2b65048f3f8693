/**
 * A conservative token count for fitting prompts into a context window without the model's own
 * tokenizer (which lives on the inference node): about 3.5 characters per token for English text
 * with LLaMA-family tokenizers, rounded up, plus a few tokens of chat framing per message.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3.5);
}

export const MESSAGE_OVERHEAD_TOKENS = 6;
