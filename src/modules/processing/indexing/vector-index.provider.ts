import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TarsConfig } from '../../../config/tars-config.js';
import { MEMORY_CONTRACT, type MemoryContract } from '../../../contracts/memory/memory.contract.js';
import { MemoryVectorSource } from './memory-vector-source.js';
import { VectorIndexManager } from './vector-index.manager.js';

/** The node's VectorIndexManager, fed from memory layer 3, opened after start-up and closed at shutdown. */
@Injectable()
export class VectorIndexes implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('vector-index');
  readonly manager: VectorIndexManager;
  private opened?: Promise<unknown>;

  constructor(config: TarsConfig, moduleRef: ModuleRef) {
    // Resolved at call time: memory and processing depend on each other's contracts.
    const memory = () => moduleRef.get<MemoryContract>(MEMORY_CONTRACT.token, { strict: false });
    this.manager = new VectorIndexManager(new MemoryVectorSource(memory), VectorIndexManager.optionsFromConfig(config));
  }

  /** Loads (or rebuilds) every model's index in the background; searches wait for their model's index. */
  onApplicationBootstrap(): void {
    this.opened = this.manager.open().then(
      (reports) => reports.forEach((r) => this.logger.log(`index ${JSON.stringify(r)}`)),
      (err) => this.logger.error(`opening the vector indexes failed: ${(err as Error)?.stack ?? String(err)}`),
    );
  }

  async opening(): Promise<void> {
    await this.opened;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.opened?.catch(() => undefined);
    await this.manager.close();
  }
}
