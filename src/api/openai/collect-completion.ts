import type { FastifyReply } from 'fastify';
import type { Observable } from 'rxjs';
import { LlmFailedError } from '../../contracts/errors.js';
import type { CompletionEnd, CompletionEvent } from './chat-completion.mapper.js';

/** The text of a completion stream and its end. */
export interface CollectedCompletion {
  text: string;
  end: CompletionEnd;
}

/**
 * Waits for a whole completion, consuming the stream rather than the blocking call so that a
 * client that hangs up cancels the generation upstream. Resolves undefined when the client left first.
 */
export function collectCompletion(events: Observable<CompletionEvent>, reply: FastifyReply): Promise<CollectedCompletion | undefined> {
  return new Promise((resolve, reject) => {
    const pieces: string[] = [];
    let end: CompletionEnd | undefined;
    const onClose = (): void => {
      subscription.unsubscribe();
      resolve(undefined);
    };
    const subscription = events.subscribe({
      next: (event) => {
        if (event.type === 'text') pieces.push(event.text);
        if (event.type === 'end') end = event;
      },
      error: (err: unknown) => {
        reply.raw.off('close', onClose);
        reject(err);
      },
      complete: () => {
        reply.raw.off('close', onClose);
        if (end) resolve({ text: pieces.join(''), end });
        else reject(new LlmFailedError('the answer stream ended without its end'));
      },
    });
    if (!subscription.closed) reply.raw.on('close', onClose);
  });
}
