import { LlmUnavailableError, ModelNotFoundError } from '../../contracts/errors.js';
import type { BackendHandle } from './backend-handle.js';

/** A model list is trusted this long... */
export const MODEL_LIST_MAX_AGE_MS = 5_000;
/** ...except that it is fetched again once when a named model is in none of the lists (it may have just been pulled). */
const MODEL_LIST_MISS_AGE_MS = 1_000;

/** One step of a fallback chain: a backend and its own name of the model to ask for. */
export interface ChainStep {
  handle: BackendHandle;
  model: string;
}

/**
 * The backends to try for a request, in the order of inference.backends: with no model named,
 * every enabled backend with its default model; with a model named, only the backends whose model
 * list has it. None: ModelNotFoundError naming the models there are, or LlmUnavailableError when
 * a backend that might have it could not be asked.
 */
export async function fallbackChain(handles: BackendHandle[], model: string | undefined, maxAgeMs: number): Promise<ChainStep[]> {
  if (handles.length === 0) throw new LlmUnavailableError('no LLM backend is enabled (inference.backends)');
  const requested = model?.trim();
  if (!requested) return handles.map((handle) => ({ handle, model: handle.config.model }));
  let found = await serving(handles, requested, maxAgeMs);
  if (found.steps.length === 0) found = await serving(handles, requested, Math.min(MODEL_LIST_MISS_AGE_MS, maxAgeMs));
  if (found.steps.length > 0) return found.steps;
  const available = [...new Set(found.available)].sort();
  if (found.unreachable.length > 0) {
    throw new LlmUnavailableError(`no reachable LLM backend serves model '${requested}' (${found.unreachable.join('; ')})`, {
      model: requested,
      available,
    });
  }
  throw new ModelNotFoundError(`no LLM backend serves model '${requested}' (available: ${available.join(', ') || 'none'})`, {
    model: requested,
    available,
    status: 404,
  });
}

async function serving(handles: BackendHandle[], requested: string, maxAgeMs: number) {
  const wanted = canonicalModelName(requested);
  const result = { steps: [] as ChainStep[], available: [] as string[], unreachable: [] as string[] };
  const listings = await Promise.all(handles.map(async (handle) => ({ handle, listing: await handle.models(maxAgeMs) })));
  for (const { handle, listing } of listings) {
    if (listing.error) {
      result.unreachable.push(`${handle.id}: ${listing.error.message}`);
      continue;
    }
    const match = listing.models.find((m) => canonicalModelName(m.name) === wanted);
    if (match) result.steps.push({ handle, model: match.name });
    result.available.push(...listing.models.map((m) => m.name));
  }
  return result;
}

/** Ollama treats `llama3.2` and `llama3.2:latest` as one model. */
function canonicalModelName(name: string): string {
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? name : `${name}:latest`;
}
