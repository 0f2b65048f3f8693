import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryVectorSource } from '../in-memory-vector-source.js';
import type { IndexLogger, LoadReport } from '../model-index.js';
import { type VectorIndexOptions, VectorIndexManager } from '../vector-index.manager.js';

/** A logger that keeps lines for assertions instead of printing them. */
export class RecordingLogger implements IndexLogger {
  readonly lines: string[] = [];
  log(message: string): void {
    this.lines.push(`log ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error ${message}`);
  }
}

/**
 * A data folder, an in-memory source and managers over them: `start()` plays a node starting
 * (a new manager on the same folder and source is a restart). Saves and syncs happen only when
 * a test asks, unless it passes other options.
 */
export class IndexFixture {
  readonly source = new InMemoryVectorSource(250);
  readonly logger = new RecordingLogger();
  private readonly managers: VectorIndexManager[] = [];

  private constructor(
    readonly dataDir: string,
    private readonly defaults: Omit<VectorIndexOptions, 'dataDir'>,
  ) {}

  static async create(options: Partial<Omit<VectorIndexOptions, 'dataDir'>> = {}): Promise<IndexFixture> {
    const dataDir = await mkdtemp(join(tmpdir(), 'tars-index-'));
    return new IndexFixture(dataDir, {
      models: [{ id: 'm', dimensions: 32 }],
      hnswThreshold: 1_000_000,
      hnswM: 16,
      quantization: 'none',
      saveDelayMs: 3_600_000,
      maxSaveDelayMs: 3_600_000,
      syncIntervalMs: 0,
      ...options,
    });
  }

  async start(options: Partial<Omit<VectorIndexOptions, 'dataDir'>> = {}): Promise<{ manager: VectorIndexManager; reports: LoadReport[] }> {
    const manager = new VectorIndexManager(this.source, { ...this.defaults, ...options, dataDir: this.dataDir }, this.logger);
    this.managers.push(manager);
    const reports = await manager.open();
    return { manager, reports };
  }

  modelDir(modelId = 'm'): string {
    return join(this.dataDir, 'indexes', modelId);
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.managers.map((manager) => manager.close().catch(() => undefined)));
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
