import { type DynamicModule, Global, Module } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { TarsConfig } from '../../config/tars-config.js';
import { INFERENCE_CONTRACT } from '../../contracts/inference/inference.contract.js';
import { contractMessageHandlers, provideLocalContract } from '../../platform/bus/contract-binding.js';
import { MetricsService } from '../../platform/metrics/metrics.service.js';
import { InferenceEngine } from './inference.engine.js';
import { InferenceFacade } from './inference.facade.js';
import { LlmHealth } from './llm.health.js';

/**
 * Inference: LLM generation over the configured backends (Ollama, llama.cpp, transformers.js) with
 * per-backend concurrency limits, bounded queues, time limits and fallback. Exports the contract
 * and `LlmHealth` for the node's readiness check.
 */
@Global()
@Module({})
export class InferenceModule {
  static register(options: { serveOverNats: boolean }): DynamicModule {
    return {
      module: InferenceModule,
      providers: [
        // The engine's onModuleInit starts the backend probes; onModuleDestroy stops them and frees the backends.
        {
          provide: InferenceEngine,
          useFactory: (config: TarsConfig, metrics?: MetricsService) => new InferenceEngine(config, { metrics }),
          inject: [TarsConfig, { token: MetricsService, optional: true }],
        },
        HealthIndicatorService,
        LlmHealth,
        ...provideLocalContract(INFERENCE_CONTRACT, InferenceFacade),
      ],
      controllers: options.serveOverNats ? [contractMessageHandlers(INFERENCE_CONTRACT)] : [],
      exports: [INFERENCE_CONTRACT.token, LlmHealth],
    };
  }
}
