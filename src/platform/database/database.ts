import { mkdirSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { DataSource, type DataSourceOptions, type EntitySchema } from 'typeorm';
import type { TarsConfigValues } from '../../config/config.schema.js';
import { dataPath } from '../../config/config.loader.js';
import { MIGRATIONS } from './migrations/index.js';
import { acquirePgliteLock } from './pglite-lock.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityTarget = Function | EntitySchema;

/** Arbitrary constant naming the advisory lock that serialises migrations across nodes. */
const MIGRATION_LOCK_ID = 7_164_250_001;
const logger = new Logger('database');

/** An open database: its TypeORM data source and how to close everything that was opened for it. */
export interface OpenDatabase {
  dataSource: DataSource;
  embedded: boolean;
  close(): Promise<void>;
}

export function pgliteDir(config: TarsConfigValues): string {
  return dataPath(config, 'pglite');
}

export function pgliteLockFile(config: TarsConfigValues): string {
  return dataPath(config, 'pglite.lock');
}

/**
 * Opens the node's database: the PostgreSQL server at `database.url`, or, when none is set, the
 * embedded PGlite in the data folder (locked to this process). Runs pending migrations when
 * `database.migrate` is on. TypeORM's `synchronize` is never used.
 */
export async function openDatabase(config: TarsConfigValues, entities: EntityTarget[]): Promise<OpenDatabase> {
  const common = {
    type: 'postgres' as const,
    entities,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
  };
  if (config.database.url !== '') {
    const dataSource = new DataSource({
      ...common,
      url: config.database.url,
      extra: { max: config.database.poolSize, connectionTimeoutMillis: 10_000 },
    } as DataSourceOptions);
    await dataSource.initialize();
    if (config.database.migrate) await migrateWithLock(dataSource);
    return { dataSource, embedded: false, close: () => destroyOnce(dataSource) };
  }
  return openEmbedded(config, common);
}

async function openEmbedded(config: TarsConfigValues, common: Partial<DataSourceOptions>): Promise<OpenDatabase> {
  const dir = pgliteDir(config);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const release = acquirePgliteLock(pgliteLockFile(config), dir);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
    const pglite = new PGlite(dir);
    const pgConfig = createPgConfig(pglite);
    // node-postgres talks to PGlite through this connection object; PGlite serves one connection.
    const dataSource = new DataSource({
      ...common,
      extra: { connection: pgConfig.connection, max: 1, idleTimeoutMillis: 0 },
    } as DataSourceOptions);
    await dataSource.initialize();
    if (config.database.migrate) await runMigrations(dataSource);
    logger.log(`embedded PostgreSQL (PGlite) in ${dir}`);
    return {
      dataSource,
      embedded: true,
      close: async () => {
        try {
          await destroyOnce(dataSource);
          if (!pglite.closed) await pglite.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/** Nest's TypeORM module may already have destroyed the data source at shutdown. */
async function destroyOnce(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) await dataSource.destroy();
}

async function runMigrations(dataSource: DataSource): Promise<void> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  for (const migration of applied) logger.log(`migration applied: ${migration.name}`);
}

/** Several nodes may start at once against one server: a session advisory lock lets one migrate at a time. */
async function migrateWithLock(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await runMigrations(dataSource);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}
