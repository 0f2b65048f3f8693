import type { TokenCounter } from './token-counter.js';

/** How strong a boundary is: chunks prefer to end at the strongest one available. */
export const Boundary = { hard: 0, word: 1, sentence: 2, line: 3, paragraph: 4 } as const;
export type BoundaryLevel = (typeof Boundary)[keyof typeof Boundary];

/** A stretch of text that is never split further when packing chunks. */
export interface Piece {
  start: number;
  end: number;
  /** Tokens of the piece alone, without what the counter adds to any text (see `overhead`). */
  tokens: number;
  /** The boundary at `end`. */
  breakAfter: BoundaryLevel;
}

export interface PieceOptions {
  /** No piece is larger than this (content tokens). */
  maxPieceTokens: number;
  counter: TokenCounter;
  /** What the counter returns for an empty text (special tokens such as [CLS] and [SEP]). */
  overhead: number;
}

// Each separator includes the whitespace that follows it, so pieces start on a visible character.
const SEPARATORS: Readonly<Record<Exclude<BoundaryLevel, 0>, RegExp>> = {
  [Boundary.paragraph]: /\n[ \t]*\n\s*/g,
  [Boundary.line]: /\n[ \t]*/g,
  [Boundary.sentence]: /[.!?…]+["'”’»)\]]*\s+|[。！？]+\s*/g,
  [Boundary.word]: /\s+/g,
};

/**
 * No tokenizer makes tokens longer than this many characters on average; a longer stretch is
 * split without being counted, so that no single count costs more than a chunk's worth.
 */
export const MAX_CHARS_PER_TOKEN = 32;

/**
 * Cuts a text into pieces of at most `maxPieceTokens` tokens: paragraphs when they fit, else
 * their lines, sentences, words, and as a last resort fixed stretches of characters. Every
 * character belongs to exactly one piece, in order. Each character is counted a bounded
 * number of times (once per level it passes through), so the cost is linear in the text.
 */
export function splitIntoPieces(text: string, options: PieceOptions): Piece[] {
  const pieces: Piece[] = [];
  const maxCountableChars = Math.max(1024, options.maxPieceTokens * MAX_CHARS_PER_TOKEN);
  let hardGuess = options.maxPieceTokens * 4;

  const count = (start: number, end: number): number =>
    Math.max(0, options.counter.countTokens(text.slice(start, end)) - options.overhead);

  const split = (start: number, end: number, level: BoundaryLevel, breakAfter: BoundaryLevel): void => {
    if (level === Boundary.hard) {
      hardSplit(start, end, breakAfter);
      return;
    }
    const separator = SEPARATORS[level];
    separator.lastIndex = start;
    let position = start;
    while (position < end) {
      // Separators are never empty, so every round advances.
      const match = separator.exec(text);
      const matchEnd = match && match.index < end ? Math.min(end, match.index + match[0].length) : end;
      place(position, matchEnd, (level - 1) as BoundaryLevel, matchEnd >= end ? breakAfter : level);
      position = matchEnd;
    }
  };

  const place = (start: number, end: number, nextLevel: BoundaryLevel, breakAfter: BoundaryLevel): void => {
    if (end - start <= maxCountableChars) {
      const tokens = count(start, end);
      if (tokens <= options.maxPieceTokens) {
        pieces.push({ start, end, tokens, breakAfter });
        return;
      }
    }
    split(start, end, nextLevel, breakAfter);
  };

  // A stretch without any space (a 50 MB line of base64): cut it by counting, guessing each
  // cut's length from the last one's characters per token, so each piece costs about one count.
  const hardSplit = (start: number, end: number, breakAfter: BoundaryLevel): void => {
    let position = start;
    while (position < end) {
      let cut = safeCut(text, position, Math.min(end, position + Math.min(hardGuess, maxCountableChars)));
      let tokens = count(position, cut);
      while (tokens > options.maxPieceTokens) {
        const shorter = Math.max(1, Math.floor(((cut - position) * options.maxPieceTokens * 0.9) / tokens));
        const next = safeCut(text, position, position + Math.max(1, Math.min(shorter, cut - position - 1)));
        if (next >= cut) break; // a single code point: it cannot be split
        cut = next;
        tokens = count(position, cut);
      }
      pieces.push({ start: position, end: cut, tokens, breakAfter: cut >= end ? breakAfter : Boundary.hard });
      hardGuess = tokens > 0 ? Math.max(1, Math.floor(((cut - position) * options.maxPieceTokens * 0.95) / tokens)) : 2 * (cut - position);
      position = cut;
    }
  };

  place(0, text.length, Boundary.paragraph, Boundary.paragraph);
  return pieces;
}

/** `cut`, moved so as not to split a surrogate pair, and always past `start`. */
function safeCut(text: string, start: number, cut: number): number {
  if (cut >= text.length) return text.length;
  const before = text.charCodeAt(cut - 1);
  if (before < 0xd800 || before > 0xdbff) return cut;
  return cut - 1 > start ? cut - 1 : cut + 1;
}
