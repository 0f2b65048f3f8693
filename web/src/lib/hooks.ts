import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../api/client';

export interface Resource<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  /** Loads again (keeps the current data while loading). */
  reload: () => Promise<void>;
}

/**
 * Data from the API: loaded when `deps` change, and again every `pollMs` while the page is visible
 * (never two loads at once). A failed load keeps the last data and says why.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], pollMs?: number): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const controller = useRef<AbortController | undefined>(undefined);
  const busy = useRef(false);

  const reload = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    const abort = new AbortController();
    controller.current = abort;
    setLoading(true);
    try {
      const value = await loadRef.current(abort.signal);
      if (abort.signal.aborted) return;
      setData(value);
      setError(undefined);
    } catch (err) {
      if (!abort.signal.aborted) setError(describeError(err));
    } finally {
      busy.current = false;
      if (!abort.signal.aborted) setLoading(false);
    }
  }, []);

  useEffect(() => {
    setData(undefined);
    setError(undefined);
    busy.current = false;
    void reload();
    return () => {
      controller.current?.abort();
      busy.current = false;
    };
    // The caller lists what the load depends on (the load function itself is new at each render).
  }, deps);

  useEffect(() => {
    if (!pollMs) return undefined;
    const timer = setInterval(() => document.hidden || void reload(), pollMs);
    return () => clearInterval(timer);
  }, [pollMs, reload]);

  return { data, error, loading, reload };
}

/** Calls `tick` every `ms` while the page is visible and `active` holds. */
export function useInterval(tick: () => void, ms: number, active = true): void {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => document.hidden || saved.current(), ms);
    return () => clearInterval(timer);
  }, [ms, active]);
}

/** Sets the document title while the page is shown. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · TARS`;
  }, [title]);
}
