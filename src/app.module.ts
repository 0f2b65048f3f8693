import { type DynamicModule, Module, type Type, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ApiModule } from './api/api.module.js';
import { ConfigModule } from './config/config.module.js';
import type { TarsConfigValues } from './config/config.schema.js';
import type { ModuleName } from './config/roles.js';
import { ALL_CONTRACTS } from './contracts/index.js';
import { ValidationFailedError } from './contracts/errors.js';
import { InferenceModule } from './modules/inference/inference.module.js';
import { MemoryModule } from './modules/memory/memory.module.js';
import { MonitoringModule } from './modules/monitoring/monitoring.module.js';
import { OrchestratorModule } from './modules/orchestrator/orchestrator.module.js';
import { ProcessingModule } from './modules/processing/processing.module.js';
import { BusModule } from './platform/bus/bus.module.js';
import { ClusterModule } from './platform/cluster/cluster.module.js';
import { describeValidationErrors } from './platform/bus/validate-payload.js';
import { DatabaseModule } from './platform/database/database.module.js';
import { HealthModule } from './platform/health/health.module.js';
import { ErrorResponseFilter } from './platform/http/error-response.filter.js';
import { MetricsModule } from './platform/metrics/metrics.module.js';
import { UploadsModule } from './platform/uploads/uploads.module.js';

/** The Nest module of each role; whether a module also serves its contract over NATS depends on the config. */
function moduleFor(name: ModuleName, config: TarsConfigValues): Type | DynamicModule {
  const serveOverNats = config.nats.url !== '';
  switch (name) {
    case 'inference':
      return InferenceModule.register({ serveOverNats });
    case 'memory':
      return MemoryModule.register({ serveOverNats });
    case 'orchestrator':
      return OrchestratorModule.register({ serveOverNats });
    case 'processing':
      return ProcessingModule.register({ serveOverNats });
    case 'monitoring':
      return MonitoringModule.register({ serveOverNats });
    case 'api':
      return ApiModule;
  }
}

/** Request DTOs are validated everywhere; failures become ValidationFailedError (400 with the fields). */
const validationPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  stopAtFirstError: true,
  exceptionFactory: (errors) => {
    const fields = describeValidationErrors(errors);
    return new ValidationFailedError(fields.join('; '), { fields });
  },
});

@Module({})
export class AppModule {
  /**
   * Composes a node: platform plumbing that every node has (config, database, NATS, health,
   * metrics), the modules of its roles, and a NATS binding for each contract whose module runs elsewhere.
   */
  static forRoles(config: TarsConfigValues): DynamicModule {
    const remote = ALL_CONTRACTS.filter((contract) => !config.roles.includes(contract.module));
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(config),
        BusModule.forRoot(config, remote),
        MetricsModule,
        ClusterModule,
        HealthModule,
        UploadsModule,
        ...config.roles.map((role) => moduleFor(role, config)),
      ],
      providers: [
        { provide: APP_PIPE, useValue: validationPipe },
        { provide: APP_FILTER, useClass: ErrorResponseFilter },
      ],
    };
  }
}
