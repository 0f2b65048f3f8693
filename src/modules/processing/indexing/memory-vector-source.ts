import { decodeVector } from '../../../contracts/memory/semantic.dto.js';
import type { MemoryContract } from '../../../contracts/memory/memory.contract.js';
import type { VectorRecord, VectorSource } from './vector-source.js';

const PAGE = 1000;

/** The vectors of memory layer 3 (PostgreSQL, owned by the memory module), read through its contract. */
export class MemoryVectorSource implements VectorSource {
  constructor(private readonly memory: () => MemoryContract) {}

  async latestSequence(modelId: string): Promise<number> {
    return (await this.memory().scanVectors({ model: modelId, afterSequence: Number.MAX_SAFE_INTEGER, limit: 1 })).latestSequence;
  }

  async *scan(modelId: string, afterSequence: number): AsyncIterable<VectorRecord[]> {
    let after = afterSequence;
    for (;;) {
      const page = await this.memory().scanVectors({ model: modelId, afterSequence: after, limit: PAGE });
      if (page.vectors.length === 0) return;
      yield page.vectors.map((v): VectorRecord =>
        v.deleted || v.vector === null
          ? { id: v.itemId, sequence: v.sequence, deleted: true }
          : { id: v.itemId, sequence: v.sequence, vector: decodeVector(v.vector) },
      );
      after = page.vectors[page.vectors.length - 1].sequence;
      // Pages may be cut short by size: only reaching the latest sequence means the end.
      if (after >= page.latestSequence) return;
    }
  }
}
