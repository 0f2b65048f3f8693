import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { TarsConfig } from '../../config/tars-config.js';

/**
 * Counts the answer streams each API key holds open. The rate limit counts requests; a stream
 * holds LLM capacity for its whole life, so open streams are capped per key as well.
 */
@Injectable()
export class StreamSlots {
  private readonly open = new Map<string, number>();

  constructor(private readonly config: TarsConfig) {}

  /** Takes a slot for the key or throws 429; the returned function gives it back (once). */
  acquire(keyId: string): () => void {
    const held = this.open.get(keyId) ?? 0;
    const limit = this.config.orchestrator.maxStreamsPerKey;
    if (held >= limit) {
      throw new HttpException(
        `this API key already has ${held} answer streams open (orchestrator.maxStreamsPerKey = ${limit})`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    this.open.set(keyId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.open.get(keyId) ?? 1) - 1;
      if (now <= 0) this.open.delete(keyId);
      else this.open.set(keyId, now);
    };
  }
}
