import { useMemo } from 'preact/hooks';
import { openConfirmedLink, renderMarkdown } from '../lib/markdown';

/** Follows a rendered link (data-href) only after the user confirmed it; Enter works as a click. */
export function onMarkdownLinkEvent(event: MouseEvent | KeyboardEvent): void {
  if (event instanceof KeyboardEvent && event.key !== 'Enter') return;
  const link = (event.target as Element | null)?.closest?.('[data-href]');
  if (!link) return;
  event.preventDefault();
  openConfirmedLink(link);
}

/** Untrusted Markdown, sanitised (see lib/markdown.ts). */
export function MarkdownView({ text, class: className = '' }: { text: string; class?: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return (
    <div
      class={`markdown ${className}`}
      onClick={onMarkdownLinkEvent}
      onKeyDown={onMarkdownLinkEvent}
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
