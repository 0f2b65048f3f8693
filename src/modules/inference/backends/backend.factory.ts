import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { InferenceBackendConfig, TarsConfigValues } from '../../../config/config.schema.js';
import { LlmUnavailableError } from '../../../contracts/errors.js';
import type { InferenceBackend } from './inference-backend.js';
import type { LocalModelOptions } from './local-model.js';
import { OllamaBackend } from './ollama.backend.js';

/** Builds the backend of one entry of inference.backends (the engine calls it once per backend, on first use). */
export type BackendFactory = (config: InferenceBackendConfig) => Promise<InferenceBackend>;

type LocalKind = Exclude<InferenceBackendConfig['kind'], 'ollama'>;
export type LocalBackendClass = new (config: never, location: LocalModelOptions) => InferenceBackend;
/** Loads the class of an in-process backend (replaced in tests). */
export type LocalBackendLoader = (kind: LocalKind) => Promise<LocalBackendClass>;

/**
 * In-process backends are imported only when configured: their packages (node-llama-cpp,
 * transformers.js) are heavy or optional, and a missing one must not stop a node that does not use it.
 */
export const importLocalBackend: LocalBackendLoader = async (kind) => {
  switch (kind) {
    case 'llamacpp':
      return (await import('./llama-cpp.backend.js')).LlamaCppBackend;
    case 'transformers':
      return (await import('./transformers.backend.js')).TransformersBackend;
  }
};

export function backendFactory(
  config: Pick<TarsConfigValues, 'dataDir' | 'inference' | 'ollama'>,
  loadLocal: LocalBackendLoader = importLocalBackend,
): BackendFactory {
  const location = localModelLocation(config);
  return async (backend) => {
    if (backend.kind === 'ollama') {
      const host = firstUrl(backend.host) || firstUrl(config.ollama.host);
      return new OllamaBackend(backend, { host, listTimeoutMs: config.inference.probeTimeoutMs });
    }
    try {
      const BackendClass = await loadLocal(backend.kind);
      return new BackendClass(backend as never, location);
    } catch (err) {
      throw new LlmUnavailableError(`the ${backend.kind} backend '${backend.id}' cannot be loaded: ${(err as Error)?.message ?? String(err)}`, {
        backend: backend.id,
        model: backend.model,
      });
    }
  };
}

/** inference.modelsDir resolved: empty means <dataDir>/models; `~` and relative paths are expanded. */
export function localModelLocation(config: Pick<TarsConfigValues, 'dataDir' | 'inference'>): LocalModelOptions {
  let modelsDir = config.inference.modelsDir === '' ? 'models' : config.inference.modelsDir;
  if (modelsDir === '~' || modelsDir.startsWith('~/')) modelsDir = join(homedir(), modelsDir.slice(1));
  if (!isAbsolute(modelsDir)) modelsDir = join(config.dataDir, modelsDir);
  return { modelsDir, allowRemoteModels: config.inference.allowRemoteModels };
}

/** URL settings accept a comma list; a backend talks to the first one. */
function firstUrl(value: string): string {
  return value.split(',')[0].trim();
}
