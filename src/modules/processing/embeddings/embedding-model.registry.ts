import type { EmbeddingModelConfig, TarsConfigValues } from '../../../config/config.schema.js';
import { ValidationFailedError } from '../../../contracts/errors.js';
import type { EmbeddingUse } from './embedding.types.js';

/** The embedding models of `config.embeddings`: lookup by id, default per use, fallback chain. */
export class EmbeddingModelRegistry {
  private readonly byId: ReadonlyMap<string, EmbeddingModelConfig>;

  constructor(private readonly embeddings: TarsConfigValues['embeddings']) {
    this.byId = new Map(embeddings.models.map((m) => [m.id, m]));
  }

  get models(): readonly EmbeddingModelConfig[] {
    return this.embeddings.models;
  }

  /** The model with this id; an unknown id is the caller's mistake. */
  get(id: string): EmbeddingModelConfig {
    const model = this.byId.get(id);
    if (!model) throw new ValidationFailedError(`unknown embedding model '${id}' (configured: ${[...this.byId.keys()].join(', ')})`);
    return model;
  }

  defaultFor(use: EmbeddingUse): EmbeddingModelConfig {
    return this.get(this.embeddings.defaults[use]);
  }

  /** The models to try, in order, for a request of `id`: the model itself, then `embeddings.fallback`. */
  chainFor(id: string): EmbeddingModelConfig[] {
    const first = this.get(id);
    return [first, ...this.embeddings.fallback.filter((f) => f !== id).map((f) => this.get(f))];
  }
}

/** The text a model actually sees: queries get the query prefix, stored texts the document prefix. */
export function withPrefix(model: EmbeddingModelConfig, use: EmbeddingUse, text: string): string {
  return (use === 'queries' ? model.queryPrefix : model.documentPrefix) + text;
}
