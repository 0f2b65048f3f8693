import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OllamaSimulator } from '../../../../test/support/ollama-simulator.mjs';
import type { InferenceBackendConfig } from '../../../config/config.schema.js';
import { LlmUnavailableError } from '../../../contracts/errors.js';
import { backendConfig, inferenceTestConfig } from '../testing/inference-test-config.js';
import { backendFactory, importLocalBackend, type LocalBackendClass, localModelLocation } from './backend.factory.js';
import { OllamaBackend } from './ollama.backend.js';

const llamacpp: InferenceBackendConfig = {
  ...backendConfig({ id: 'gguf', model: 'local-gguf' }),
  kind: 'llamacpp',
  modelPath: 'model.gguf',
  gpuLayers: 0,
  threads: 0,
} as InferenceBackendConfig;

describe('backend factory', () => {
  it("builds an Ollama backend at the backend's host, or at ollama.host when it has none", async () => {
    const sim = await OllamaSimulator.start();
    try {
      const nowhere = 'http://127.0.0.1:9';
      const own = await backendFactory({ ...inferenceTestConfig([]), ollama: { host: nowhere, requestTimeoutMs: 1000 } })(backendConfig({ id: 'own', host: sim.url }));
      const shared = await backendFactory({ ...inferenceTestConfig([]), ollama: { host: sim.url, requestTimeoutMs: 1000 } })(backendConfig({ id: 'shared', host: '' }));
      expect(own).toBeInstanceOf(OllamaBackend);
      expect(await own.probe(2000)).toEqual({ up: true, detail: `Ollama 0.12.6 at ${sim.url}` });
      expect(await shared.probe(2000)).toEqual({ up: true, detail: `Ollama 0.12.6 at ${sim.url}` });
    } finally {
      await sim.close();
    }
  });

  it('constructs an in-process backend with its config and the resolved models folder', async () => {
    const constructed: unknown[][] = [];
    class Recording {
      constructor(...args: unknown[]) {
        constructed.push(args);
      }
    }
    const create = backendFactory(inferenceTestConfig([], { modelsDir: '' }), async () => Recording as unknown as LocalBackendClass);
    await create(llamacpp);
    expect(constructed).toEqual([[llamacpp, { modelsDir: '/tmp/tars-inference-test/models', allowRemoteModels: false }]]);
  });

  it('fails with LlmUnavailableError when an in-process backend cannot be loaded (a missing optional package)', async () => {
    const create = backendFactory(inferenceTestConfig([]), async () => {
      throw new Error("Cannot find package 'node-llama-cpp'");
    });
    const error = await create(llamacpp).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LlmUnavailableError);
    expect((error as LlmUnavailableError).message).toContain('node-llama-cpp');
    expect((error as LlmUnavailableError).details).toMatchObject({ backend: 'gguf', model: 'local-gguf' });
  });

  it('imports the in-process backend classes lazily, from their own files', async () => {
    expect((await importLocalBackend('llamacpp')).name).toBe('LlamaCppBackend');
    expect((await importLocalBackend('transformers')).name).toBe('TransformersBackend');
  });

  it.each([
    ['', '/data/models'],
    ['~/llm', join(homedir(), 'llm')],
    ['models-elsewhere', '/data/models-elsewhere'],
    ['/srv/models', '/srv/models'],
  ])('resolves modelsDir %j to %s', (modelsDir, expected) => {
    const config = { ...inferenceTestConfig([], { modelsDir }), dataDir: '/data' };
    expect(localModelLocation(config).modelsDir).toBe(expected);
  });
});
