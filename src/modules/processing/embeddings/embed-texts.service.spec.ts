import { afterEach, describe, expect, it } from 'vitest';
import { embeddingTestConfig, hashingModel } from '../../../../test/support/embedding-config.js';
import { ModelNotFoundError } from '../../../contracts/errors.js';
import { approximateTokenCounter } from '../text/token-counter.js';
import { EmbedTextsService } from './embed-texts.service.js';
import { EmbeddingEngine } from './embedding-engine.js';
import { hashingVector } from './hashing.provider.js';

const quiet = { log: () => {}, warn: () => {}, error: () => {} };
const engines: EmbeddingEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

function service(): EmbedTextsService {
  const config = embeddingTestConfig({ models: [hashingModel(), hashingModel({ id: 'wide', dimensions: 512, maxTokens: 8 })], defaultModel: 'hashing' });
  const engine = new EmbeddingEngine(config, { logger: quiet });
  engines.push(engine);
  return new EmbedTextsService(engine);
}

describe('EmbedTextsService', () => {
  it('embeds with the named model and answers plain numbers, in input order', async () => {
    const sut = service();
    const result = await sut.embedTexts({ texts: ['the boiler', 'the garden'], model: 'wide', use: 'documents' });
    expect(result.model).toBe('wide');
    expect(result.dimensions).toBe(512);
    expect(result.vectors).toHaveLength(2);
    expect(Array.isArray(result.vectors[0])).toBe(true);
    const expected = hashingVector('the garden', { dimensions: 512, maxTokens: 8, normalize: true });
    result.vectors[1].forEach((value, i) => expect(value).toBeCloseTo(expected[i], 6));
  });

  it('uses the default model of the use when none is named', async () => {
    expect((await service().embedTexts({ texts: ['x'], use: 'queries' })).model).toBe('hashing');
  });

  it('counts the tokens of every text (estimated for a model without a tokenizer), up to what the model reads', async () => {
    const sut = service();
    const short = await sut.embedTexts({ texts: ['one two three', 'four'], model: 'hashing' });
    expect(short.tokens).toBe(approximateTokenCounter.countTokens('one two three') + approximateTokenCounter.countTokens('four'));
    // `wide` reads at most 8 tokens × 16 characters of each text.
    const long = 'word '.repeat(1000);
    const cut = await sut.embedTexts({ texts: [long], model: 'wide' });
    expect(cut.tokens).toBe(approximateTokenCounter.countTokens(long.slice(0, 128)));
  });

  it('an unknown model is ModelNotFoundError, naming the configured ones', async () => {
    await expect(service().embedTexts({ texts: ['x'], model: 'text-embedding-3-small' })).rejects.toThrow(ModelNotFoundError);
    await expect(service().embedTexts({ texts: ['x'], model: 'nope' })).rejects.toThrow(/configured: hashing, wide/);
  });

  it('lists the registry models', () => {
    expect(service().listEmbeddingModels()).toEqual([
      { id: 'hashing', provider: 'hashing', dimensions: 384 },
      { id: 'wide', provider: 'hashing', dimensions: 512 },
    ]);
  });
});
