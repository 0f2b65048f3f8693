import type { InferenceBackendConfig } from '../../../config/config.schema.js';
import type { InferenceEngineConfig } from '../inference.engine.js';

type OllamaBackendConfig = Extract<InferenceBackendConfig, { kind: 'ollama' }>;

/** One backend entry with small, test-friendly defaults (an Ollama kind; the fake backends ignore the kind). */
export function backendConfig(overrides: Partial<OllamaBackendConfig> & { id: string }): OllamaBackendConfig {
  return {
    kind: 'ollama',
    enabled: true,
    model: 'small:1b',
    maxConcurrent: 1,
    maxQueue: 16,
    firstTokenTimeoutMs: 60_000,
    idleTimeoutMs: 60_000,
    contextLength: 8192,
    host: '',
    keepAlive: '1m',
    ...overrides,
  };
}

/** The config sections the inference engine reads, around the given backends. */
export function inferenceTestConfig(
  backends: InferenceBackendConfig[],
  overrides: Partial<InferenceEngineConfig['inference']> = {},
): InferenceEngineConfig {
  return {
    dataDir: '/tmp/tars-inference-test',
    ollama: { host: 'http://127.0.0.1:11434', requestTimeoutMs: 5000 },
    inference: {
      backends,
      modelsDir: '',
      allowRemoteModels: false,
      temperature: 0.3,
      maxAnswerTokens: 256,
      probeIntervalMs: 3_600_000,
      probeTimeoutMs: 2000,
      ...overrides,
    },
  };
}
