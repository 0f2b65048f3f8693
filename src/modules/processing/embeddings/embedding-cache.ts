import type { EmbeddingMetrics } from './embedding.types.js';
import type { SharedEmbeddingCache } from './shared-embedding-cache.js';
import { TinyLfuCache } from './tiny-lfu-cache.js';
import { decodeVector, encodeVector, type VectorStorage } from './vector-codec.js';

/**
 * The two cache tiers in front of the models: in-process (TinyLFU-admitted LRU) then the shared
 * NATS KV bucket. Both hold vectors compactly (fp16 or int8); a shared hit is copied into memory.
 */
export class EmbeddingCache {
  private readonly memory: TinyLfuCache<Uint8Array>;

  constructor(
    memoryEntries: number,
    private readonly storage: VectorStorage,
    private readonly shared?: SharedEmbeddingCache,
    private readonly metrics?: EmbeddingMetrics,
  ) {
    this.memory = new TinyLfuCache(memoryEntries);
  }

  get memorySize(): number {
    return this.memory.size;
  }

  /** The cached vectors of these keys; keys not found in either tier are absent. */
  async getMany(keys: readonly string[], normalize: boolean): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    const missing: string[] = [];
    for (const key of keys) {
      const bytes = this.memory.get(key);
      if (bytes) found.set(key, decodeVector(bytes, normalize));
      else missing.push(key);
    }
    this.count('memory', found.size, missing.length);
    if (missing.length === 0 || !this.shared?.ready) {
      this.metrics?.observeEmbeddingLookups?.(found.size, keys.length - found.size);
      return found;
    }

    const fromShared = await this.shared.getMany(missing);
    for (const [key, bytes] of fromShared) {
      this.memory.set(key, bytes);
      found.set(key, decodeVector(bytes, normalize));
    }
    this.count('shared', fromShared.size, missing.length - fromShared.size);
    this.metrics?.observeEmbeddingLookups?.(found.size, keys.length - found.size);
    return found;
  }

  /** Stores freshly computed vectors in both tiers. */
  async putMany(entries: ReadonlyArray<[string, Float32Array]>): Promise<void> {
    const encoded = entries.map(([key, vector]): [string, Uint8Array] => [key, encodeVector(vector, this.storage)]);
    for (const [key, bytes] of encoded) this.memory.set(key, bytes);
    await this.shared?.putMany(encoded);
  }

  private count(tier: 'memory' | 'shared', hits: number, misses: number): void {
    if (!this.metrics || (tier === 'memory' && this.memory.capacity === 0)) return;
    if (hits > 0) this.metrics.observeEmbeddingCache(tier, 'hit', hits);
    if (misses > 0) this.metrics.observeEmbeddingCache(tier, 'miss', misses);
  }
}
