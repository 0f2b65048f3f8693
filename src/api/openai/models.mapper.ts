import type { ModelInfoDto } from '../../contracts/inference/generation.dto.js';
import type { EmbeddingModelInfoDto } from '../../contracts/processing/embed-texts.dto.js';
import { TARS_MODEL } from './chat-request.mapper.js';
import type { OpenAiModelDto } from './models.dto.js';

/** `owned_by` of the embedding models, which the embeddings registry serves rather than an LLM backend. */
export const EMBEDDINGS_OWNER = 'tars-embeddings';

/**
 * The models a client may name: `tars` first, then the LLMs (owned by their backend) and the
 * embedding models. A name listed twice (the same model on two backends) appears once, first wins.
 */
export function openAiModels(created: number, llms: readonly ModelInfoDto[], embeddings: readonly EmbeddingModelInfoDto[]): OpenAiModelDto[] {
  const entries: Array<[string, string]> = [
    [TARS_MODEL, 'tars'],
    ...llms.map((m): [string, string] => [m.name, m.backend]),
    ...embeddings.map((m): [string, string] => [m.id, EMBEDDINGS_OWNER]),
  ];
  const seen = new Set<string>();
  return entries.flatMap(([id, owner]) => {
    if (seen.has(id)) return [];
    seen.add(id);
    return [{ id, object: 'model' as const, created, owned_by: owner }];
  });
}
