import { describe, expect, it } from 'vitest';
import { openAiModels } from './models.mapper.js';

describe('openAiModels', () => {
  it('lists tars, then the LLMs by backend, then the embedding models, each name once', () => {
    const models = openAiModels(
      1_700_000_000,
      [
        { name: 'llama3.2:3b', backend: 'ollama' },
        { name: 'llama3.2:3b', backend: 'ollama-2' },
        { name: 'tars', backend: 'ollama' },
        { name: 'local-gguf', backend: 'llamacpp' },
      ],
      [{ id: 'minilm', provider: 'transformers', dimensions: 384 }],
    );
    expect(models).toEqual([
      { id: 'tars', object: 'model', created: 1_700_000_000, owned_by: 'tars' },
      { id: 'llama3.2:3b', object: 'model', created: 1_700_000_000, owned_by: 'ollama' },
      { id: 'local-gguf', object: 'model', created: 1_700_000_000, owned_by: 'llamacpp' },
      { id: 'minilm', object: 'model', created: 1_700_000_000, owned_by: 'tars-embeddings' },
    ]);
  });
});
