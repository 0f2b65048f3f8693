import type { MemoryContract } from '../../../contracts/memory/memory.contract.js';
import type { MemoryHitDto, MemoryLayer } from '../../../contracts/memory/search.dto.js';
import { ModuleUnavailableError } from '../../../contracts/errors.js';

/** The longest query memory search accepts. */
const QUERY_MAX_CHARS = 500;

export interface RetrievedPassage {
  hit: MemoryHitDto;
  /** The (sub-)query that found it. */
  query: string;
}

export interface Retrieval {
  passages: RetrievedPassage[];
  notices: string[];
  /** False when memory could not be asked at all. */
  memoryAvailable: boolean;
}

/** Cuts a query to what memory search accepts, at a word boundary. */
export function retrievalQuery(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  if (trimmed.length <= QUERY_MAX_CHARS) return trimmed;
  const cut = trimmed.slice(0, QUERY_MAX_CHARS);
  const space = cut.lastIndexOf(' ');
  return space > QUERY_MAX_CHARS / 2 ? cut.slice(0, space) : cut;
}

/** A hit's identity across queries: the same chunk found twice is one passage. */
function hitKey(hit: MemoryHitDto): string {
  const s = hit.source;
  return [hit.layer, s.itemId ?? '', s.noteId ?? '', s.projectId ?? '', s.turnId ?? s.conversationId ?? '', hit.title].join('|');
}

/**
 * Runs the retrievals of a plan against memory (hybrid search) in parallel and merges them: each
 * passage once, best first, with every query contributing its best hits before the rest (so a
 * synthesis sees each part). Memory being unreachable is reported, not thrown: the answer goes on.
 */
export class ContextRetriever {
  constructor(private readonly memory: MemoryContract) {}

  async retrieve(queries: string[], k: number, layers?: MemoryLayer[]): Promise<Retrieval> {
    const perQuery = queries.length > 1 ? Math.max(2, Math.ceil((k * 1.5) / queries.length)) : k;
    const results = await Promise.allSettled(
      queries.map((query) => this.memory.search({ q: retrievalQuery(query), k: perQuery, layers, withText: true })),
    );
    const notices = new Set<string>();
    const lists: RetrievedPassage[][] = [];
    let failures = 0;
    results.forEach((result, i) => {
      if (result.status === 'rejected') {
        failures++;
        const err = result.reason as Error;
        notices.add(
          err instanceof ModuleUnavailableError
            ? `memory could not be searched: ${err.message}`
            : `memory search failed for "${queries[i]}": ${err.message}`,
        );
        return;
      }
      for (const notice of result.value.notices) notices.add(notice);
      lists.push(result.value.hits.map((hit) => ({ hit, query: queries[i] })));
    });

    const merged = new Map<string, RetrievedPassage>();
    const depth = Math.max(0, ...lists.map((l) => l.length));
    for (let rank = 0; rank < depth; rank++) {
      for (const list of lists) {
        const passage = list[rank];
        if (passage && !merged.has(hitKey(passage.hit))) merged.set(hitKey(passage.hit), passage);
      }
    }
    const budget = queries.length > 1 ? Math.ceil(k * 1.5) : k;
    return {
      passages: [...merged.values()].slice(0, budget),
      notices: [...notices],
      memoryAvailable: failures < queries.length,
    };
  }
}
