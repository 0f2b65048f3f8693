/**
 * Assembles text from the pieces of a markup document: whitespace runs collapse to one space,
 * blocks start on a new line (or after a blank line), and writing stops at `maxChars`.
 */
export class TextWriter {
  /** True once `maxChars` was reached and text was dropped. */
  full = false;
  private readonly parts: string[] = [];
  private length = 0;
  private pendingBreaks = 0;
  private linePrefix = '';
  private lastChar = '\n';

  constructor(private readonly maxChars: number) {}

  /** The next text starts on a new line (1) or after a blank line (2). */
  breakBefore(lines: 1 | 2): void {
    this.pendingBreaks = Math.max(this.pendingBreaks, lines);
  }

  /** An explicit line break (<br>): two in a row make a blank line. */
  lineBreak(): void {
    this.pendingBreaks = Math.min(2, this.pendingBreaks + 1);
  }

  /** Written before the next text if it starts a line (a list bullet). */
  setLinePrefix(prefix: string): void {
    this.linePrefix = prefix;
  }

  write(text: string): void {
    const collapsed = text.replace(/\s+/g, ' ');
    if (collapsed === ' ') {
      // Whitespace between inline elements separates words, but never starts a line.
      if (this.pendingBreaks === 0 && this.lastChar !== '\n' && this.lastChar !== ' ') this.push(' ');
      return;
    }
    this.emit(collapsed, false);
  }

  /** Text of a <pre> element: its line breaks and spaces are kept. */
  writePreformatted(text: string): void {
    this.emit(text, true);
  }

  toString(): string {
    return this.parts.join('');
  }

  private emit(text: string, preformatted: boolean): void {
    if (this.full) return;
    if (this.pendingBreaks > 0 && this.length > 0) this.push('\n'.repeat(this.pendingBreaks));
    this.pendingBreaks = 0;
    const atLineStart = this.lastChar === '\n';
    let piece = atLineStart && !preformatted ? text.trimStart() : text;
    if (piece === '') return;
    if (atLineStart && this.linePrefix) piece = this.linePrefix + piece;
    else if (this.lastChar === ' ' && piece.startsWith(' ')) piece = piece.slice(1);
    this.linePrefix = '';
    this.push(piece);
  }

  private push(piece: string): void {
    if (this.full) return;
    let kept = piece;
    const room = this.maxChars - this.length;
    if (kept.length > room) {
      const end = room > 0 && isHighSurrogate(kept.charCodeAt(room - 1)) ? room - 1 : room;
      kept = kept.slice(0, end);
      this.full = true;
    }
    if (kept === '') return;
    this.parts.push(kept);
    this.length += kept.length;
    this.lastChar = kept[kept.length - 1]!;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
