import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { embeddingTestConfig, hashingModel } from '../../../../test/support/embedding-config.js';
import { ConfigModule } from '../../../config/config.module.js';
import { MetricsModule } from '../../../platform/metrics/metrics.module.js';
import { MetricsService } from '../../../platform/metrics/metrics.service.js';
import { EmbeddingEngine } from './embedding-engine.js';
import { EmbeddingsModule } from './embeddings.module.js';

describe('EmbeddingsModule', () => {
  it('provides one EmbeddingEngine built from the node config, reporting to the node metrics, closed with the app', async () => {
    const config = embeddingTestConfig({ models: [hashingModel()] });
    const app = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), MetricsModule, EmbeddingsModule] }).compile();
    await app.init();
    const engine = app.get(EmbeddingEngine);
    expect(engine).toBeInstanceOf(EmbeddingEngine);
    expect((await engine.embed({ texts: ['x'], use: 'documents' })).model).toBe('hashing');
    expect(await app.get(MetricsService).registry.metrics()).toMatch(/tars_embeddings_total\{model="hashing"\} 1\b/);

    let closed = false;
    const close = engine.close.bind(engine);
    engine.close = async () => {
      closed = true;
      await close();
    };
    await app.close();
    expect(closed).toBe(true);
  });
});
