import type { TarsConfigValues } from '../../src/config/config.schema.js';
import { embeddingTestConfig, hashingModel } from './embedding-config.js';

export const CHAT_MODEL = 'llama3.2:3b';

/**
 * A node configuration for chat tests: the Ollama simulator at `llmUrl` as the only LLM backend,
 * the hashing embedder (fast, offline), follow-ups rewritten by concatenation unless told otherwise,
 * and backend probes every 200 ms so that a stopped LLM is noticed quickly.
 */
export function chatTestConfig(llmUrl: string, env: Record<string, string> = {}): TarsConfigValues {
  return embeddingTestConfig({
    models: [hashingModel()],
    env: {
      TARS_INFERENCE_BACKENDS: JSON.stringify([
        { id: 'ollama', kind: 'ollama', host: llmUrl, model: CHAT_MODEL, maxConcurrent: 4, firstTokenTimeoutMs: 10_000, idleTimeoutMs: 5_000 },
      ]),
      TARS_INFERENCE_PROBE_INTERVAL_MS: '200',
      TARS_INFERENCE_PROBE_TIMEOUT_MS: '500',
      TARS_ORCHESTRATOR_REWRITE_MODE: 'concat',
      ...env,
    },
  });
}
