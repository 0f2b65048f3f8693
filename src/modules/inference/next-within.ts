/**
 * The next item of `iterator`, or a rejection with the abort reason as soon as `attempt` aborts —
 * also when the source ignores the abort and never settles. When `ms` pass first, `attempt` is
 * aborted with `onTimeout()` (which stops the backend request) and that error is the rejection.
 */
export function nextWithin<T>(iterator: AsyncIterator<T>, attempt: AbortController, ms: number, onTimeout: () => Error): Promise<IteratorResult<T>> {
  const { signal } = attempt;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<IteratorResult<T>>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    const timer = setTimeout(() => attempt.abort(onTimeout()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
    let next: Promise<IteratorResult<T>>;
    try {
      next = iterator.next();
    } catch (err) {
      next = Promise.reject(err as Error);
    }
    void next.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}
