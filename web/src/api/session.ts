/**
 * The API key of this browser tab: kept in sessionStorage only (gone when the tab closes), sent with
 * every call. Signing out forgets it and everything else this UI kept for the session.
 */
const KEY = 'tars.apiKey';

type Listener = () => void;
const listeners = new Set<Listener>();
let signedOutBecause: string | undefined;

function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

export const session = {
  get key(): string | undefined {
    return storage()?.getItem(KEY) ?? undefined;
  },

  /** Why the last sign-out happened when it was not the user's choice (a refused key). */
  get reason(): string | undefined {
    return signedOutBecause;
  },

  signIn(key: string): void {
    signedOutBecause = undefined;
    storage()?.setItem(KEY, key);
    listeners.forEach((listener) => listener());
  },

  signOut(reason?: string): void {
    signedOutBecause = reason;
    storage()?.clear();
    listeners.forEach((listener) => listener());
  },

  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

/** Session-scoped JSON values of this UI (e.g. the questions submitted in this session). */
export function loadSessionValue<T>(name: string, fallback: T): T {
  try {
    const raw = storage()?.getItem(`tars.${name}`);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

export function saveSessionValue(name: string, value: unknown): void {
  try {
    storage()?.setItem(`tars.${name}`, JSON.stringify(value));
  } catch {
    // full or unavailable: the value lives for this page only
  }
}
