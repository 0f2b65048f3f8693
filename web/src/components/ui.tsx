import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { onLinkClick } from '../lib/router';

/** An in-app link (navigates without reloading). */
export function Link({ href, children, class: className, current }: { href: string; children: ComponentChildren; class?: string; current?: boolean }) {
  return (
    <a href={href} class={className} onClick={onLinkClick} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  );
}

/** An error for the user, announced by screen readers. */
export function ErrorMessage({ error, children }: { error?: string | undefined; children?: ComponentChildren }) {
  if (!error && !children) return null;
  return (
    <p class="error" role="alert">
      {error}
      {children}
    </p>
  );
}

const STATE_TONES: Record<string, string> = {
  up: 'good', ok: 'good', indexed: 'good', validated: 'good', succeeded: 'good', resolved: 'good', done: 'good',
  degraded: 'warn', suspect: 'warn', low_quality: 'warn', retrying: 'warn', skipped: 'warn', stopped: 'warn',
  down: 'bad', failed: 'bad', error: 'bad', firing: 'bad',
};

/** A state word with a colour that repeats the word (never colour alone). */
export function StateBadge({ state, label }: { state: string; label?: string }) {
  return <span class={`badge tone-${STATE_TONES[state] ?? 'neutral'}`}>{label ?? state.replace(/_/g, ' ')}</span>;
}

/** A modal dialog (the browser's <dialog>: focus stays inside, Escape closes). */
export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} class="modal" aria-labelledby="modal-title" onClose={onClose} onClick={(e) => e.target === ref.current && onClose()}>
      <div class="modal-body">
        <header class="modal-header">
          <h2 id="modal-title">{title}</h2>
          <button type="button" class="icon-button" onClick={onClose} aria-label="Close">
            ×
          </button>
        </header>
        {children}
      </div>
    </dialog>
  );
}

/** A loading line that screen readers hear once. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="muted" role="status">
      {label}
    </p>
  );
}
