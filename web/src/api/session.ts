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
