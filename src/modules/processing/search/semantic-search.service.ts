import { Injectable } from '@nestjs/common';
import type { SemanticSearchQuery, SemanticSearchResult } from '../../../contracts/processing/semantic-search.dto.js';
import { EmbeddingEngine } from '../embeddings/embedding-engine.js';
import { VectorIndexes } from '../indexing/vector-index.provider.js';

/** Vector search: embed the query with the model of its use, then search that model's index. */
const SYNC_INTERVAL_MS = 1000;

@Injectable()
export class SemanticSearchService {
  private readonly lastSync = new Map<string, number>();

  constructor(
    private readonly engine: EmbeddingEngine,
    private readonly indexes: VectorIndexes,
  ) {}

  async semanticSearch(query: SemanticSearchQuery): Promise<SemanticSearchResult> {
    const embedded = await this.engine.embed({ texts: [query.query], use: query.use ?? 'queries' });
    await this.indexes.opening();
    // Vectors stored by other nodes since the last sync are taken in first (at most once a second:
    // each sync asks memory for the latest sequence number).
    const now = Date.now();
    if (now - (this.lastSync.get(embedded.model) ?? 0) >= SYNC_INTERVAL_MS) {
      this.lastSync.set(embedded.model, now);
      await this.indexes.manager.sync(embedded.model);
    }
    const hits = await this.indexes.manager.search(embedded.model, embedded.vectors[0], query.k);
    // A nearest neighbour is not always a relevant one: below the model's floor, it is left out.
    const floor = this.engine.registry.get(embedded.model).minSimilarity;
    return {
      model: embedded.model,
      ...(embedded.fallbackFrom ? { fallbackFrom: embedded.fallbackFrom } : {}),
      hits: hits.filter((h) => h.score >= floor).map((h) => ({ itemId: h.id, score: h.score })),
    };
  }
}
