import type { Observable } from 'rxjs';
import { CancelledError } from '../../contracts/errors.js';

/**
 * Feeds an Observable's items to `onItem` until it completes (resolves) or fails (rejects with its
 * error). Aborting the signal unsubscribes — which cancels the work upstream — and rejects with
 * CancelledError.
 */
export function consume<T>(source: Observable<T>, signal: AbortSignal, onItem: (item: T) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(new CancelledError('the caller went away'));
      return;
    }
    const onAbort = () => {
      subscription.unsubscribe();
      reject(new CancelledError('the caller went away'));
    };
    const subscription = source.subscribe({
      next: (item) => {
        try {
          onItem(item);
        } catch (err) {
          subscription?.unsubscribe();
          signal.removeEventListener('abort', onAbort);
          reject(err);
        }
      },
      error: (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
      complete: () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
