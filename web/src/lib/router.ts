import { useEffect, useState } from 'preact/hooks';

/**
 * Client routes live under /ui/ so that they never shadow an API route (GET /documents is the API,
 * /ui/documents the page); the server answers index.html for any /ui/ path.
 */
export const UI_PREFIX = '/ui';

export type Route =
  | { page: 'chat'; id?: string }
  | { page: 'documents' }
  | { page: 'memory' }
  | { page: 'projects'; id?: string }
  | { page: 'questions'; id?: string }
  | { page: 'stats' }
  | { page: 'cluster' }
  | { page: 'not-found'; path: string };

const PAGES = ['chat', 'documents', 'memory', 'projects', 'questions', 'stats', 'cluster'] as const;
const WITH_ID = new Set(['chat', 'projects', 'questions']);

/** The route of a location path (`/` and `/ui` lead to the chat). */
export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '');
  if (path === '' || path === UI_PREFIX) return { page: 'chat' };
  if (!path.startsWith(`${UI_PREFIX}/`)) return { page: 'not-found', path: pathname };
  const [page, id, ...rest] = path.slice(UI_PREFIX.length + 1).split('/').map(decodeURIComponent);
  if (rest.length > 0 || !PAGES.includes(page as (typeof PAGES)[number])) return { page: 'not-found', path: pathname };
  if (id !== undefined && !WITH_ID.has(page ?? '')) return { page: 'not-found', path: pathname };
  return (id === undefined ? { page } : { page, id }) as Route;
}

export function hrefFor(page: (typeof PAGES)[number], id?: string): string {
  return `${UI_PREFIX}/${page}${id ? `/${encodeURIComponent(id)}` : ''}`;
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((listener) => listener()));

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (href === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  listeners.forEach((listener) => listener());
}

/** The current route; re-renders on navigation. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return route;
}

/** Click handler of in-app links: navigate without reloading (a modified click keeps the browser's behaviour). */
export function onLinkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.currentTarget as HTMLAnchorElement | null) ?? null;
  const href = anchor?.getAttribute('href');
  if (!href || !href.startsWith('/')) return;
  event.preventDefault();
  navigate(href);
}
