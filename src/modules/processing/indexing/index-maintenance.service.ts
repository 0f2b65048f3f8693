import { Injectable, Logger } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import { dataPath } from '../../../config/config.loader.js';
import { NotFoundError } from '../../../contracts/errors.js';
import type {
  BackupIndexesCommand,
  CompactIndexesCommand,
  IndexBackupResultDto,
  IndexCompactionDto,
  IndexCompactionResultDto,
  IndexCountsDto,
} from '../../../contracts/processing/index-maintenance.dto.js';
import { writeIndexBackup } from './index-backup.js';
import type { IndexStats } from './vector-index.types.js';
import { VectorIndexes } from './vector-index.provider.js';

const counts = (stats: IndexStats): IndexCountsDto => ({ live: stats.live, stored: stats.stored, tombstones: stats.tombstones });

/** The nightly maintenance of this node's FAISS indexes: compaction and backups (the index-maintenance job calls it). */
@Injectable()
export class IndexMaintenanceService {
  private readonly logger = new Logger('vector-index');

  constructor(
    private readonly indexes: VectorIndexes,
    private readonly config: TarsConfig,
  ) {}

  /** `<dataDir>/backups/index` of this node. */
  get backupsDir(): string {
    return dataPath(this.config, 'backups', 'index');
  }

  /**
   * Catches each index up with PostgreSQL (so that deletions made anywhere are tombstones here), then
   * rebuilds it without its tombstones. An index that is unavailable is reported, not fatal to the others.
   */
  async compact(command: CompactIndexesCommand): Promise<IndexCompactionResultDto> {
    await this.indexes.opening();
    const manager = this.indexes.manager;
    const models = command.model ? [command.model] : manager.modelIds();
    if (command.model && !manager.modelIds().includes(command.model)) {
      throw new NotFoundError(`no vector index for embedding model '${command.model}'`, { model: command.model });
    }
    const results: IndexCompactionDto[] = [];
    for (const model of models) {
      try {
        await manager.sync(model);
        const before = counts(manager.stats(model));
        await manager.compact(model);
        results.push({ model, state: 'compacted', before, after: counts(manager.stats(model)) });
      } catch (err) {
        this.logger.error(`${model}: compaction failed: ${(err as Error).message}`);
        results.push({ model, state: 'failed', before: counts(manager.stats(model)), error: (err as Error).message });
      }
    }
    return { node: this.config.nodeName, models: results };
  }

  /** Snapshots every saved index into a new backup folder (see writeIndexBackup). */
  async backup(command: BackupIndexesCommand): Promise<IndexBackupResultDto> {
    await this.indexes.opening();
    const { path, manifest, removed } = await writeIndexBackup(this.indexes.manager, {
      backupsDir: this.backupsDir,
      keep: command.keep,
      node: this.config.nodeName,
    });
    this.logger.log(`index backup written to ${path} (${manifest.models.filter((m) => m.state === 'saved').length} models; ${removed.length} old backups removed)`);
    return { node: manifest.node, path, createdAt: manifest.createdAt, models: manifest.models, removed };
  }
}
