import type { PageRange } from './extracted-text.js';
import { assignPages } from './page-assignment.js';
import { MAX_CHARS_PER_TOKEN, type Piece, splitIntoPieces } from './text-pieces.js';
import type { TokenCounter } from './token-counter.js';

/** One chunk of a text: `text === source.slice(start, end)`; pages are 1-based and inclusive. */
export interface TextChunk {
  index: number;
  text: string;
  start: number;
  end: number;
  pageStart?: number;
  pageEnd?: number;
  /** The counter's count for `text` (at most chunkTokens). */
  tokenCount: number;
}

export interface ChunkOptions {
  /** Largest chunk, in tokens of `counter` (processing.chunking.chunkTokens). */
  chunkTokens: number;
  /** Tokens repeated from the end of one chunk at the start of the next (processing.chunking.overlapTokens). */
  overlapTokens: number;
  counter: TokenCounter;
  /** Page ranges of the text (from cleanText), to give each chunk its pages. */
  pages?: ReadonlyArray<PageRange>;
}

/** A chunk is cut early at a stronger boundary only if it is at least this full. */
const MIN_FILL_FOR_EARLY_CUT = 0.5;
/** Attempts at a word-aligned partial overlap before settling for whole pieces only. */
const OVERLAP_ATTEMPTS = 3;

/**
 * Splits a text into chunks of at most `chunkTokens` tokens (by `counter`, checked on every
 * chunk), ending preferably at a paragraph, then a line, sentence or word boundary, and
 * repeating about `overlapTokens` tokens of each chunk at the start of the next (at most half
 * a chunk). Every character is in at least one chunk; offsets index the given text. A word
 * longer than a chunk is cut by characters, and no chunk is longer than 32 characters per
 * token of room. Deterministic, and linear in the text's length: each character is counted a
 * small, bounded number of times.
 */
export function chunkText(text: string, options: ChunkOptions): TextChunk[] {
  const { chunkTokens, counter } = options;
  if (!Number.isInteger(chunkTokens) || chunkTokens < 1) throw new RangeError('chunkTokens must be a positive integer');
  if (!Number.isInteger(options.overlapTokens) || options.overlapTokens < 0 || options.overlapTokens >= chunkTokens) {
    throw new RangeError('overlapTokens must be an integer from 0 to chunkTokens - 1');
  }
  if (!/\S/.test(text)) return [];
  const overhead = counter.countTokens('');
  const budget = chunkTokens - overhead;
  if (budget < 2) throw new RangeError(`chunkTokens (${chunkTokens}) leaves no room for text after the counter's ${overhead} special tokens`);
  const overlap = Math.min(options.overlapTokens, Math.floor(budget / 2));
  const pieces = splitIntoPieces(text, { maxPieceTokens: budget - overlap, counter, overhead });
  const count = (start: number, end: number): number => counter.countTokens(text.slice(start, end));
  // Characters are bounded too, so that text the counter sees as almost no tokens (a long run
  // of whitespace or of marks it ignores) cannot make one huge chunk.
  const maxChunkChars = Math.max(2048, budget * MAX_CHARS_PER_TOKEN);
  const fits = (tokens: number, chars: number): boolean => tokens <= budget && chars <= maxChunkChars;

  const chunks: TextChunk[] = [];
  let first = 0; // first piece not yet in any chunk
  let start = 0; // where the next chunk starts (inside earlier pieces when overlapping)
  let carried = 0; // estimated tokens of the overlap
  while (first < pieces.length) {
    let taken = first;
    let tokens = carried;
    while (taken < pieces.length && (taken === first || fits(tokens + pieces[taken]!.tokens, pieces[taken]!.end - start))) {
      tokens += pieces[taken++]!.tokens;
    }
    let cut = taken === pieces.length ? taken : preferredCut(pieces, first, taken, carried, budget);

    let tokenCount = count(start, pieces[cut - 1]!.end);
    while (tokenCount > chunkTokens && cut - 1 > first) tokenCount = count(start, pieces[--cut - 1]!.end);
    if (tokenCount > chunkTokens) {
      // Even one new piece does not fit after the overlap: give up the overlap for this chunk.
      start = pieces[first]!.start;
      tokenCount = count(start, pieces[cut - 1]!.end);
    }
    const end = pieces[cut - 1]!.end;
    chunks.push({ index: chunks.length, text: text.slice(start, end), start, end, tokenCount });
    if (cut === pieces.length) break;

    const next = overlapStart(text, pieces, { first, cut, overlap, maxChars: maxChunkChars / 2 }, counter, overhead);
    start = next.start;
    carried = next.tokens;
    first = cut;
  }
  return options.pages ? assignPages(chunks, options.pages) : chunks;
}

/** Where to end a chunk holding pieces [first, taken): the strongest boundary once it is half full, the latest among equals. */
function preferredCut(pieces: ReadonlyArray<Piece>, first: number, taken: number, carried: number, budget: number): number {
  let best = taken;
  let bestLevel = -1;
  let tokens = carried;
  for (let i = first; i < taken; i++) {
    tokens += pieces[i]!.tokens;
    const eligible = i === taken - 1 || tokens >= budget * MIN_FILL_FOR_EARLY_CUT;
    if (eligible && pieces[i]!.breakAfter >= bestLevel) {
      best = i + 1;
      bestLevel = pieces[i]!.breakAfter;
    }
  }
  return best;
}

/**
 * The start of the next chunk: whole pieces from the end of this chunk (never its first new
 * piece, so chunks always advance) while they fit in `overlap` tokens and `maxChars`, then, if
 * room is left, a word-aligned tail of the piece before them.
 */
function overlapStart(
  text: string,
  pieces: ReadonlyArray<Piece>,
  { first, cut, overlap, maxChars }: { first: number; cut: number; overlap: number; maxChars: number },
  counter: TokenCounter,
  overhead: number,
): { start: number; tokens: number } {
  const none = { start: pieces[cut]!.start, tokens: 0 };
  if (overlap === 0) return none;
  const end = pieces[cut - 1]!.end;
  let k = cut;
  let tokens = 0;
  while (k - 1 > first && tokens + pieces[k - 1]!.tokens <= overlap && end - pieces[k - 1]!.start <= maxChars) tokens += pieces[--k]!.tokens;
  const room = overlap - tokens;
  const whole = k < cut ? { start: pieces[k]!.start, tokens } : none;
  const piece = pieces[k - 1]!;
  if (room <= 0 || piece.tokens <= 0) return whole;

  const length = piece.end - piece.start;
  let chars = Math.min(length - 1, Math.ceil((length * room) / piece.tokens));
  for (let attempt = 0; attempt < OVERLAP_ATTEMPTS && chars > 0; attempt++) {
    const tailStart = alignToWordStart(text, piece, piece.end - chars);
    if (tailStart === undefined || end - tailStart > maxChars) return whole;
    const tailTokens = Math.max(0, counter.countTokens(text.slice(tailStart, piece.end)) - overhead);
    if (tailTokens <= room) return { start: tailStart, tokens: tokens + tailTokens };
    chars = Math.floor((chars * room) / tailTokens) - 1;
  }
  return whole;
}

/**
 * A word start near `position` inside the piece: the first one at or after it, else the last
 * one before it; any position when the piece has no spaces (a hard-split stretch).
 */
function alignToWordStart(text: string, piece: Piece, position: number): number | undefined {
  const from = Math.max(piece.start + 1, position);
  if (from >= piece.end) return undefined;
  if (!/\s/.test(text.slice(piece.start, piece.end))) return surrogateSafe(text, from);
  const isSpace = (i: number): boolean => /\s/.test(text[i]!);
  for (let i = from; i < piece.end; i++) if (!isSpace(i) && isSpace(i - 1)) return i;
  for (let i = from - 1; i > piece.start; i--) if (!isSpace(i) && isSpace(i - 1)) return i;
  return undefined;
}

function surrogateSafe(text: string, position: number): number {
  const code = text.charCodeAt(position);
  return code >= 0xdc00 && code <= 0xdfff ? position + 1 : position;
}
