import type { EmbeddingModelConfig } from '../../../config/config.schema.js';
import type { TokenCounter } from '../text/token-counter.js';
import { EmbeddingModelUnavailableError } from './embedding.errors.js';
import type { ModelLocation } from './model-location.js';

/**
 * Counts tokens with the model's own tokenizer (tokenizer.json of the same folder the worker
 * loads), so that chunks fit the model. Special tokens ([CLS], [SEP]) are not counted: they are
 * added once per chunk, not per piece of text.
 */
export async function loadTransformersTokenCounter(model: EmbeddingModelConfig, location: ModelLocation): Promise<TokenCounter> {
  // Imported on demand: nodes that never chunk text do not pay for loading transformers.js.
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.localModelPath = location.modelsDir.endsWith('/') ? location.modelsDir : `${location.modelsDir}/`;
  env.cacheDir = location.modelsDir;
  env.allowLocalModels = true;
  env.allowRemoteModels = location.allowRemoteModels;
  let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(model.source);
  } catch (err) {
    throw new EmbeddingModelUnavailableError(`cannot load the tokenizer of '${model.source}': ${(err as Error).message}`, { model: model.id });
  }
  return {
    countTokens: (text: string) => tokenizer.encode(text, { add_special_tokens: false }).length,
  };
}
