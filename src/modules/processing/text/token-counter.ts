/** Counts tokens the way an embedding model's tokenizer would, so that chunks fit the model. */
export interface TokenCounter {
  countTokens(text: string): number;
}

/**
 * A tokenizer-free estimate for when no model tokenizer is at hand: WordPiece-style tokenizers
 * give about one token per short word or punctuation mark and split long words every ~4 characters.
 */
export const approximateTokenCounter: TokenCounter = {
  countTokens(text: string): number {
    let count = 0;
    for (const piece of text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []) count += Math.max(1, Math.ceil(piece.length / 4));
    return count;
  },
};
