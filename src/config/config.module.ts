import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { TarsConfigValues } from './config.schema.js';
import { TarsConfig } from './tars-config.js';

/** Makes the node's validated configuration injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(values: TarsConfigValues): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: TarsConfig, useValue: values }], exports: [TarsConfig] };
  }
}
