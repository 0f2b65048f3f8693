import type { Observable } from 'rxjs';
import type { TarsError } from '../../../contracts/errors.js';
import type { GenerationEvent, GenerationSummaryDto } from '../../../contracts/inference/generation.dto.js';
import type { BackendEvent } from '../backends/inference-backend.js';

/** Everything a backend yields: its text pieces and its end. */
export async function collectBackendEvents(events: AsyncIterable<BackendEvent>) {
  const tokens: string[] = [];
  let end: Extract<BackendEvent, { type: 'end' }> | undefined;
  for await (const event of events) {
    if (event.type === 'token') tokens.push(event.text);
    else end = event;
  }
  return { tokens, text: tokens.join(''), end };
}

export interface CollectedGeneration {
  tokens: string[];
  summary?: GenerationSummaryDto;
  error?: TarsError;
}

/** Everything a generation stream emits until it completes or errors (the error is returned, not thrown). */
export function collectGeneration(stream: Observable<GenerationEvent>): Promise<CollectedGeneration> {
  const result: CollectedGeneration = { tokens: [] };
  return new Promise((resolve) => {
    stream.subscribe({
      next: (event) => (event.type === 'token' ? result.tokens.push(event.text) : (result.summary = event.summary)),
      error: (error: TarsError) => resolve({ ...result, error }),
      complete: () => resolve(result),
    });
  });
}
