/** Where one page of a document lies in a text: `text.slice(start, end)` is the page (1-based `page`). */
export interface PageRange {
  page: number;
  start: number;
  end: number;
}

/** The text of a document, ready for cleaning. */
export interface ExtractedText {
  text: string;
  /** From <title>/<h1>, Markdown front matter or first heading, or the PDF's metadata. */
  title?: string;
  /** PDF only: each page read, in order, as character ranges of `text`. */
  pages?: PageRange[];
  /** Part of the document was left out (over maxDocumentChars, or over the page limit). */
  truncated: boolean;
  /** What the owner may want to know (encoding guessed, pages unreadable, text cut...). */
  warnings: string[];
}

/** The limits of `processing` in the configuration that bound extraction. */
export interface ExtractionLimits {
  maxDocumentChars: number;
  pdf: { timeoutMs: number; maxPages: number; memoryLimitMb: number };
}

export interface ExtractionOptions {
  /** Aborting stops a PDF parse at once (its process is killed). */
  signal?: AbortSignal;
}
