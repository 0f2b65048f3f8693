import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingTestConfig } from '../../../../test/support/embedding-config.js';
import { OllamaSimulator } from '../../../../test/support/ollama-simulator.mjs';
import { EmbeddingFailedError, EmbeddingModelUnavailableError, EmbeddingOverloadedError } from './embedding.errors.js';
import { OllamaEmbeddingProvider } from './ollama.provider.js';
import { dot } from './vector-math.js';

const model = embeddingTestConfig({
  models: [
    {
      id: 'nomic',
      provider: 'ollama',
      source: 'nomic-embed-text',
      dimensions: 768,
      queryPrefix: 'search_query: ',
      documentPrefix: 'search_document: ',
      maxTokens: 2048,
      batchSize: 2,
    },
  ],
}).embeddings.models[0];

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Ollama embedding provider (against the Ollama simulator)', () => {
  let ollama: OllamaSimulator;
  beforeAll(async () => {
    ollama = await OllamaSimulator.start();
  });
  afterAll(() => ollama.close());

  const provider = (overrides: Partial<typeof model> = {}, timeoutMs = 5000) =>
    new OllamaEmbeddingProvider({ ...model, ...overrides }, { host: ollama.url, requestTimeoutMs: timeoutMs });

  it('embeds texts in batches of batchSize with the document prefix, in order', async () => {
    const before = ollama.requestCount('/api/embed');
    const texts = ['first', 'second', 'third'];
    const vectors = await provider().embed(texts, 'documents');
    expect(ollama.requestCount('/api/embed') - before).toBe(2);
    expect(vectors).toHaveLength(3);
    texts.forEach((text, i) => {
      const expected = OllamaSimulator.embedding('nomic-embed-text', `search_document: ${text}`, 768);
      expect(vectors[i]).toHaveLength(768);
      expect(vectors[i][0]).toBeCloseTo(expected[0], 6);
      expect(dot(vectors[i], vectors[i])).toBeCloseTo(1, 5);
    });
    const sent = ollama.received.at(-1)!.body as Record<string, unknown>;
    expect(sent).toMatchObject({ model: 'nomic-embed-text', input: ['search_document: third'], truncate: true, options: { num_ctx: 2048 } });
  });

  it('uses the query prefix for queries', async () => {
    const [vector] = await provider().embed(['boiler'], 'queries');
    expect(vector[5]).toBeCloseTo(OllamaSimulator.embedding('nomic-embed-text', 'search_query: boiler', 768)[5], 6);
  });

  it('classifies a model that is not pulled (404) as unavailable', async () => {
    const error = await provider({ source: 'not-pulled' }).embed(['x'], 'documents').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingModelUnavailableError);
    expect((error as Error).message).toContain('model "not-pulled" not found, try pulling it first');
  });

  it('classifies 503 (queue full) and 429 (quota) as overload, not as unavailable', async () => {
    ollama.failNext(1, { status: 503, body: { error: 'server busy, please try again.  maximum pending requests exceeded' } });
    await expect(provider().embed(['x'], 'documents')).rejects.toBeInstanceOf(EmbeddingOverloadedError);
    ollama.failNext(1, { status: 429, body: { error: 'you have reached your weekly usage limit' } });
    const quota = await provider().embed(['x'], 'documents').catch((e: unknown) => e);
    expect(quota).toBeInstanceOf(EmbeddingOverloadedError);
    expect(quota).not.toBeInstanceOf(EmbeddingModelUnavailableError);
  });

  it('classifies a full queue of the real kind (parallel 1, queue 0) as overload', async () => {
    const busy = await OllamaSimulator.start({ parallel: 1, maxQueue: 0, ttftMs: 1000 }); // long enough that the second request surely arrives while the first holds the slot
    try {
      const p = (t: string) => new OllamaEmbeddingProvider(model, { host: busy.url, requestTimeoutMs: 5000 }).embed([t], 'documents');
      const [first, second] = await Promise.allSettled([p('a'), p('b')]);
      expect(first.status).toBe('fulfilled');
      expect(second.status === 'rejected' && second.reason).toBeInstanceOf(EmbeddingOverloadedError);
    } finally {
      await busy.close();
    }
  });

  it('classifies other error statuses as failures', async () => {
    ollama.failNext(1, { status: 500, body: { error: 'llama runner process has terminated' } });
    await expect(provider().embed(['x'], 'documents')).rejects.toBeInstanceOf(EmbeddingFailedError);
  });

  it('classifies no answer within requestTimeoutMs as overload', async () => {
    ollama.ttftMs = 500;
    try {
      const error = await provider({}, 100).embed(['x'], 'documents').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbeddingOverloadedError);
      expect((error as EmbeddingOverloadedError).details).toMatchObject({ timeout: true });
    } finally {
      ollama.ttftMs = 0;
    }
  });

  it('classifies a host where nothing listens (connection refused) as unavailable', async () => {
    const port = await closedPort();
    const sut = new OllamaEmbeddingProvider(model, { host: `http://127.0.0.1:${port}`, requestTimeoutMs: 2000 });
    const error = await sut.embed(['x'], 'documents').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingModelUnavailableError);
    expect((error as EmbeddingModelUnavailableError).details).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('rejects vectors whose size is not the configured dimensions', async () => {
    await expect(provider({ dimensions: 384 }).embed(['x'], 'documents')).rejects.toThrow(/gives 768 dimensions, configured are 384/);
  });
});
