import { cosine } from '../embeddings/vector-math.js';

/**
 * The ids of the documents ordered by cosine similarity to the query, most similar first.
 * Equal similarities keep corpus order (Array.prototype.sort is stable), so a ranking is
 * reproducible; cosine rather than a dot product, so models configured without normalisation
 * are ranked correctly too.
 */
export function rankByCosine(query: Float32Array, documents: readonly Float32Array[], ids: readonly string[]): string[] {
  if (documents.length !== ids.length) throw new RangeError(`rankByCosine: ${documents.length} vectors for ${ids.length} ids`);
  const scores = documents.map((vector) => cosine(query, vector));
  return ids
    .map((id, index) => ({ id, index }))
    .sort((x, y) => scores[y.index] - scores[x.index])
    .map(({ id }) => id);
}
