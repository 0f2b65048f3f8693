import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { TarsConfigValues } from '../../config/config.schema.js';
import { openDatabase, type OpenDatabase } from './database.js';

/** Connection errors worth retrying at start (refused, unresolvable, PostgreSQL starting up). */
const RETRYABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', '57P03']);

/** Injection token of the node's OpenDatabase (the data source plus how it was opened). */
export const OPEN_DATABASE = 'OpenDatabase';

@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(OPEN_DATABASE) private readonly database: OpenDatabase) {}

  /** Closes the embedded PostgreSQL too and releases its lock, which TypeORM alone would not do. */
  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}

/**
 * The node's PostgreSQL (server or embedded), with migrations applied. Modules register their
 * entities with `TypeOrmModule.forFeature`; only the entities of loaded modules are mapped.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: TarsConfigValues): DynamicModule {
    let opened: OpenDatabase | undefined;
    const typeorm = TypeOrmModule.forRootAsync({
      useFactory: () => ({
        type: 'postgres',
        autoLoadEntities: true,
        // A server that is still starting (boot order) is waited for; any other failure stops the node at once.
        retryAttempts: 10,
        retryDelay: 2000,
        toRetry: (err: unknown) => RETRYABLE.has((err as { code?: string })?.code ?? ''),
      }),
      dataSourceFactory: async (options) => {
        // autoLoadEntities has collected the entities of the modules loaded on this node.
        opened = await openDatabase(config, (options?.entities as never[]) ?? []);
        return opened.dataSource;
      },
    });
    return {
      module: DatabaseModule,
      imports: [typeorm],
      providers: [{ provide: OPEN_DATABASE, useFactory: () => opened, inject: [DataSource] }, DatabaseLifecycle],
      exports: [OPEN_DATABASE],
    };
  }
}
