import { Module, type Provider } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import { EmbeddingEngine } from './embedding-engine.js';

/** The engine as a Nest provider: one per node, with the node's config and metrics. */
export const embeddingsProviders: Provider[] = [
  {
    provide: EmbeddingEngine,
    useFactory: (config: TarsConfig, metrics: MetricsService) => new EmbeddingEngine(config, { metrics }),
    inject: [TarsConfig, MetricsService],
  },
];

/** Embedding models, providers and caches of the processing module; import it and inject `EmbeddingEngine`. */
@Module({ providers: embeddingsProviders, exports: [EmbeddingEngine] })
export class EmbeddingsModule {}
