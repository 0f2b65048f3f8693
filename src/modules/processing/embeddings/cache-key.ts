import { createHash } from 'node:crypto';
import type { EmbeddingModelConfig } from '../../../config/config.schema.js';

/**
 * Cache keys: `<model id>.<model fingerprint>.<SHA-256 of the text the model sees>`. The
 * fingerprint covers every setting that changes the vectors (source, dtype, pooling...), so that
 * changing a model's config under the same id never serves its old vectors. Keys only use
 * characters that NATS KV accepts.
 */
export function cacheKeyPrefix(model: EmbeddingModelConfig): string {
  const { provider, source, dimensions, dtype, pooling, normalize, maxTokens } = model;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([provider, source, dimensions, dtype, pooling, normalize, maxTokens]))
    .digest('hex')
    .slice(0, 12);
  return `${model.id}.${fingerprint}`;
}

/** The key of one text as the model sees it (prefix included). */
export function cacheKey(keyPrefix: string, modelInput: string): string {
  return `${keyPrefix}.${createHash('sha256').update(modelInput).digest('hex')}`;
}
