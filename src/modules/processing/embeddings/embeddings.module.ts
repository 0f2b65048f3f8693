import { Module, type Provider } from '@nestjs/common';
import { TarsConfig } from '../../../config/tars-config.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import { EmbedTextsService } from './embed-texts.service.js';
import { EmbeddingEngine } from './embedding-engine.js';

/** The engine as a Nest provider: one per node, with the node's config and metrics. */
export const embeddingsProviders: Provider[] = [
  {
    provide: EmbeddingEngine,
    useFactory: (config: TarsConfig, metrics: MetricsService) => new EmbeddingEngine(config, { metrics }),
    inject: [TarsConfig, MetricsService],
  },
  EmbedTextsService,
];

/** Embedding models, providers and caches of the processing module; import it and inject `EmbeddingEngine` (or `EmbedTextsService`). */
@Module({ providers: embeddingsProviders, exports: [EmbeddingEngine, EmbedTextsService] })
export class EmbeddingsModule {}
