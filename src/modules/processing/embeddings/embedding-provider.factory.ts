import type { EmbeddingModelConfig, TarsConfigValues } from '../../../config/config.schema.js';
import type { EmbeddingProvider } from './embedding.types.js';
import { HashingEmbeddingProvider } from './hashing.provider.js';
import { modelLocation } from './model-location.js';
import { OllamaEmbeddingProvider } from './ollama.provider.js';
import { TransformersEmbeddingProvider } from './transformers.provider.js';

/** Builds the provider of a model; the engine calls it once per model, on first use. */
export type EmbeddingProviderFactory = (model: EmbeddingModelConfig) => EmbeddingProvider;

export function embeddingProviderFactory(config: Pick<TarsConfigValues, 'dataDir' | 'embeddings' | 'ollama'>): EmbeddingProviderFactory {
  const location = modelLocation(config);
  return (model) => {
    switch (model.provider) {
      case 'transformers':
        return new TransformersEmbeddingProvider(model, location);
      case 'ollama':
        return new OllamaEmbeddingProvider(model, config.ollama);
      case 'hashing':
        return new HashingEmbeddingProvider(model);
    }
  };
}
