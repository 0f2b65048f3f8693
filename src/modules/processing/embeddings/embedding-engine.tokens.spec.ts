import { afterEach, describe, expect, it } from 'vitest';
import type { EmbeddingModelConfig } from '../../../config/config.schema.js';
import { embeddingTestConfig, fixtureModel, hashingModel } from '../../../../test/support/embedding-config.js';
import { EmbeddingEngine } from './embedding-engine.js';
import { EmbeddingModelUnavailableError, TokenEmbeddingsUnsupportedError } from './embedding.errors.js';
import type { EmbeddingProvider, TextTokenVectors } from './embedding.types.js';
import { HashingEmbeddingProvider, hashingTokenVectors } from './hashing.provider.js';
import { modelLocation } from './model-location.js';
import { loadTransformersTokenCounter } from './transformers.token-counter.js';
import { dot } from './vector-math.js';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
const ollamaModel = { id: 'nomic', provider: 'ollama' as const, source: 'nomic-embed-text', dimensions: 768 };

const engines: EmbeddingEngine[] = [];
function engine(setup: Parameters<typeof embeddingTestConfig>[0], providerFactory?: (model: EmbeddingModelConfig) => EmbeddingProvider) {
  const created = new EmbeddingEngine(embeddingTestConfig(setup), { logger: quiet, providerFactory });
  engines.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});

const hashed = (text: string, maxTokens = 512) => hashingTokenVectors(text, { dimensions: 384, maxTokens });

describe('embedding engine: token vectors', () => {
  it('gives the hashing token vectors of each raw text (no use prefix), with the model that made them', async () => {
    const sut = engine({ models: [hashingModel({ queryPrefix: 'query: ', documentPrefix: 'passage: ' })] });
    const result = await sut.embedTokens({ texts: ['The boiler was serviced.', 'Rain tomorrow.'], model: 'hashing' });
    expect(result).toMatchObject({ model: 'hashing', dimensions: 384 });
    expect(result.fallbackFrom).toBeUndefined();
    expect(result.texts.map((t) => t.vectors.length)).toEqual([4, 2]);
    result.texts[0].vectors.forEach((v, i) => expect([...v]).toEqual([...hashed('The boiler was serviced.').vectors[i]]));
  });

  it('skips a model that gives pooled vectors only (Ollama) for the next of the chain, without marking it unavailable', async () => {
    const sut = engine({ models: [ollamaModel, hashingModel()], fallback: ['hashing'] });
    const result = await sut.embedTokens({ texts: ['x y'], model: 'nomic' });
    expect(result).toMatchObject({ model: 'hashing', fallbackFrom: 'nomic' });
    expect(result.texts[0].vectors).toHaveLength(2);
    expect(sut.unavailableModels().size).toBe(0);
  });

  it('fails clearly when no model of the chain gives token vectors', async () => {
    const sut = engine({ models: [ollamaModel] });
    const error = await sut.embedTokens({ texts: ['x'], model: 'nomic' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenEmbeddingsUnsupportedError);
    expect((error as Error).message).toMatch(/no embedding model could give token vectors \(nomic: Ollama model 'nomic-embed-text' gives pooled vectors only/);
    expect((error as TokenEmbeddingsUnsupportedError).details).toMatchObject({ reason: 'token_embeddings_unsupported', tried: ['nomic'] });
  });

  it('treats a provider without a token method as pooled-only', async () => {
    const pooledOnly = (model: EmbeddingModelConfig): EmbeddingProvider =>
      model.id === 'hashing' ? new HashingEmbeddingProvider(model) : { model, embed: async () => [], close: async () => undefined };
    const sut = engine({ models: [hashingModel({ id: 'pooled' }), hashingModel()], fallback: ['hashing'] }, pooledOnly);
    expect(await sut.embedTokens({ texts: ['x'], model: 'pooled' })).toMatchObject({ model: 'hashing', fallbackFrom: 'pooled' });
    await expect(sut.embedTokens({ texts: ['x'], model: 'pooled', allowFallback: false })).rejects.toThrow(/the hashing provider gives pooled vectors only/);
  });

  it('falls back when the model is unavailable, and says unavailable (not unsupported) when the chain runs out', async () => {
    const sut = engine({ models: [fixtureModel({ source: 'no-such-model' }), hashingModel()], fallback: ['hashing'] });
    expect(await sut.embedTokens({ texts: ['x'], model: 'minilm' })).toMatchObject({ model: 'hashing', fallbackFrom: 'minilm' });
    expect([...sut.unavailableModels().keys()]).toEqual(['minilm']);
    await expect(sut.embedTokens({ texts: ['x'], model: 'minilm', allowFallback: false })).rejects.toBeInstanceOf(EmbeddingModelUnavailableError);
  });

  it('caps each text at maxTokens tokens and marks the texts it cut, including texts cut by length before tokenizing', async () => {
    const sut = engine({ models: [hashingModel({ maxTokens: 8 })] });
    const long = 'one two three four five six seven eight nine ten';
    const result = await sut.embedTokens({ texts: [long, 'one two', 'x'.repeat(5_000)], model: 'hashing' });
    expect(result.texts.map((t) => t.vectors.length)).toEqual([8, 2, 1]);
    expect(result.texts.map((t) => t.truncated)).toEqual([true, false, true]);
    result.texts[0].vectors.forEach((v, i) => expect([...v]).toEqual([...hashed(long, 8).vectors[i]]));
  });

  it('runs a text given twice once, and hands out vectors that each own their buffer', async () => {
    const seen: string[][] = [];
    const recording = (model: EmbeddingModelConfig): EmbeddingProvider => {
      const real = new HashingEmbeddingProvider(model);
      return {
        model,
        embed: (texts, use) => real.embed(texts, use),
        embedTokens: (texts): Promise<TextTokenVectors[]> => {
          seen.push([...texts]);
          return real.embedTokens(texts);
        },
        close: async () => undefined,
      };
    };
    const sut = engine({ models: [hashingModel()] }, recording);
    const result = await sut.embedTokens({ texts: ['same text', 'other', 'same text'], model: 'hashing' });
    expect(seen).toEqual([['same text', 'other']]);
    expect([...result.texts[2].vectors[0]]).toEqual([...result.texts[0].vectors[0]]);
    expect(result.texts[2].vectors[0].buffer).not.toBe(result.texts[0].vectors[0].buffer);
  });

  it('leaves embed() and its cache alone', async () => {
    const sut = engine({ models: [hashingModel()] });
    await sut.embedTokens({ texts: ['boiler'], model: 'hashing' });
    expect((await sut.embed({ texts: ['boiler'], use: 'documents' })).cacheHits).toBe(0);
    expect((await sut.embed({ texts: ['boiler'], use: 'documents' })).cacheHits).toBe(1);
  });

  it('rejects an unknown model id as a validation error', async () => {
    await expect(engine({ models: [hashingModel()] }).embedTokens({ texts: ['x'], model: 'nope' })).rejects.toThrow(/unknown embedding model 'nope'/);
  });
});

describe('embedding engine: token vectors of the transformers fixture (random weights: shapes and bookkeeping only)', () => {
  const SENTENCES = ['Hello world, tokenization!', 'The boiler was serviced on the third of March.', 'A short one.'];

  it('gives one unit vector of the hidden size per token of the text, special tokens and padding left out', async () => {
    const setup = { models: [fixtureModel({ batchSize: 2 })] };
    const sut = engine(setup);
    const counter = await loadTransformersTokenCounter(embeddingTestConfig(setup).embeddings.models[0], modelLocation(embeddingTestConfig(setup)));
    const result = await sut.embedTokens({ texts: SENTENCES, model: 'minilm' });
    expect(result).toMatchObject({ model: 'minilm', dimensions: 384 });
    expect(result.texts.map((t) => t.vectors.length)).toEqual(SENTENCES.map((s) => counter.countTokens(s)));
    expect(result.texts[0].vectors).toHaveLength(5); // hello world , tokenization ! (fixture vocab)
    for (const text of result.texts) {
      expect(text.truncated).toBe(false);
      for (const vector of text.vectors) expect(dot(vector, vector)).toBeCloseTo(1, 5);
    }
  });

  it("gives the model's last hidden states of the text's tokens, between [CLS] and [SEP], scaled to unit length", async () => {
    const config = embeddingTestConfig({ models: [fixtureModel()] });
    const { AutoModel, AutoTokenizer, env } = await import('@huggingface/transformers');
    env.localModelPath = `${modelLocation(config).modelsDir}/`;
    env.allowRemoteModels = false;
    const tokenizer = await AutoTokenizer.from_pretrained('minilm-l6-random');
    const model = await AutoModel.from_pretrained('minilm-l6-random', { dtype: 'fp32' });
    const text = SENTENCES[1];
    const inputs = tokenizer([text]);
    const hidden = (await model(inputs)).last_hidden_state as { dims: number[]; data: Float32Array };
    const [, sequence, width] = hidden.dims;
    const expected = Array.from({ length: sequence - 2 }, (_, t) => {
      const row = hidden.data.slice((t + 1) * width, (t + 2) * width); // position 0 is [CLS], the last [SEP]
      const length = Math.sqrt(dot(row, row));
      return row.map((x) => x / length);
    });
    await model.dispose();

    const [tokens] = (await engine({ models: [fixtureModel()] }).embedTokens({ texts: [text], model: 'minilm' })).texts;
    expect(tokens.vectors).toHaveLength(expected.length);
    tokens.vectors.forEach((v, i) => expect(dot(v, expected[i])).toBeGreaterThan(0.99999));
  });

  it('gives a text the same token vectors alone as inside a padded batch', async () => {
    const sut = engine({ models: [fixtureModel({ batchSize: 8 })] });
    const batch = await sut.embedTokens({ texts: SENTENCES, model: 'minilm' });
    const alone = await sut.embedTokens({ texts: [SENTENCES[2]], model: 'minilm' });
    alone.texts[0].vectors.forEach((v, i) => expect(dot(v, batch.texts[2].vectors[i])).toBeGreaterThan(0.9999));
  });

  it('cuts a text at maxTokens with its closing [SEP] kept, so a cut text reads as its first tokens alone, and says so', async () => {
    const sut = engine({ models: [fixtureModel({ maxTokens: 8 })] });
    // One token per word in the fixture vocabulary: 8 - [CLS] - [SEP] = 6 words are read.
    const result = await sut.embedTokens({ texts: ['one two three four five six seven eight nine ten', 'one two three four five six'], model: 'minilm' });
    expect(result.texts.map((t) => t.vectors.length)).toEqual([6, 6]);
    expect(result.texts.map((t) => t.truncated)).toEqual([true, false]);
    result.texts[0].vectors.forEach((v, i) => expect(dot(v, result.texts[1].vectors[i])).toBeGreaterThan(0.9999));
  });
});
