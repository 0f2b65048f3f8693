import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TarsConfig } from '../../../config/tars-config.js';
import { TarsError } from '../../../contracts/errors.js';
import {
  MEMORY_LAYERS,
  type MemoryHitDto,
  type MemorySearchQuery,
  type MemorySearchResultDto,
} from '../../../contracts/memory/search.dto.js';
import { PROCESSING_CONTRACT, type ProcessingContract } from '../../../contracts/processing/processing.contract.js';
import type { SemanticSearchResult } from '../../../contracts/processing/semantic-search.dto.js';
import { FullTextSearch, type TextHit } from './full-text.search.js';
import { reciprocalRankFusion } from './rrf.js';

const DEFAULT_K = 10;

/**
 * Hybrid retrieval: PostgreSQL full-text ranking per layer and vector similarity (through the
 * processing module's index) fused by reciprocal rank fusion. Says so when it finds nothing or
 * when the vector half is unavailable, instead of failing or staying silent.
 */
/** The longest passage text returned with a hit (`withText`); a chunk is far shorter. */
const PASSAGE_MAX_CHARS = 8000;

@Injectable()
export class HybridSearchService {
  private readonly logger = new Logger('memory:search');

  constructor(
    private readonly fullText: FullTextSearch,
    private readonly config: TarsConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async search(query: MemorySearchQuery): Promise<MemorySearchResultDto> {
    const k = query.k ?? DEFAULT_K;
    const layers = query.layers?.length ? query.layers : [...MEMORY_LAYERS];
    const candidates = k * this.config.memory.search.candidateFactor;
    const notices: string[] = [];

    const [textLists, vector] = await Promise.all([
      Promise.all(layers.map((layer) => this.fullText.search(layer, query.q, candidates))),
      layers.includes('semantic') ? this.vectorSearch(query.q, candidates, notices) : Promise.resolve(undefined),
    ]);

    const byKey = new Map<string, TextHit>();
    for (const hit of textLists.flat()) byKey.set(hit.key, hit);
    const similarity = new Map<string, number>();
    const vectorRanking: string[] = [];
    const vectorHits = vector?.hits ?? [];
    for (const hit of vectorHits) {
      const key = `item:${hit.itemId}`;
      similarity.set(key, hit.score);
      vectorRanking.push(key);
    }
    // Vector-only hits need their rows (and a snippet); items deleted since indexing drop out here.
    const missing = vectorHits.filter((h) => !byKey.has(`item:${h.itemId}`)).map((h) => h.itemId);
    for (const [id, hit] of await this.fullText.semanticItems(missing, query.q)) byKey.set(`item:${id}`, hit);

    const fused = reciprocalRankFusion(
      [...textLists.map((list) => list.map((h) => h.key)), vectorRanking.filter((key) => byKey.has(key))],
      this.config.memory.search.rrfK,
    );
    const hits: MemoryHitDto[] = [...fused.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([key, score]) => {
        const hit = byKey.get(key)!;
        const textRank = textLists.flat().find((h) => h.key === key)?.rank;
        return {
          layer: hit.layer,
          kind: hit.kind,
          title: hit.title,
          snippet: hit.snippet,
          score,
          ...(similarity.has(key) ? { similarity: similarity.get(key) } : {}),
          ...(textRank !== undefined ? { textRank } : {}),
          source: hit.source,
        };
      });

    if (query.withText && hits.length > 0) {
      const keys = [...fused.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([key]) => key);
      const texts = await this.fullText.passageTexts(keys, PASSAGE_MAX_CHARS);
      hits.forEach((hit, i) => {
        const text = texts.get(keys[i]);
        if (text !== undefined) hit.text = text;
      });
    }
    if (hits.length === 0) notices.push(`nothing in memory (${layers.join(', ')}) matches "${query.q}"`);
    return { query: query.q, layers, hits, vectorModel: vector?.model ?? null, notices };
  }

  /** The processing contract, resolved lazily: memory and processing depend on each other's contracts. */
  private processing(): ProcessingContract | undefined {
    try {
      return this.moduleRef.get<ProcessingContract>(PROCESSING_CONTRACT.token, { strict: false });
    } catch {
      return undefined;
    }
  }

  private async vectorSearch(q: string, k: number, notices: string[]): Promise<SemanticSearchResult | undefined> {
    const processing = this.processing();
    if (!processing) {
      notices.push('vector search unavailable (no processing module is configured): results come from full-text search only');
      return undefined;
    }
    try {
      const result = await processing.semanticSearch({ query: q, k, use: 'queries' });
      if (result.fallbackFrom) {
        notices.push(`embedding model ${result.fallbackFrom} was unavailable; vectors of ${result.model} were searched instead`);
      }
      return result;
    } catch (err) {
      const reason = err instanceof TarsError ? err.message : 'vector search failed';
      if (!(err instanceof TarsError)) this.logger.error((err as Error)?.stack ?? String(err));
      notices.push(`vector search unavailable (${reason}): results come from full-text search only`);
      return undefined;
    }
  }
}
