import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { TarsConfigValues } from '../../../config/config.schema.js';

/** Where transformers.js finds (or downloads) model folders. */
export interface ModelLocation {
  /** Folder holding `<source>/config.json`, `tokenizer.json`, `onnx/model.onnx`. */
  modelsDir: string;
  allowRemoteModels: boolean;
}

/** `embeddings.modelsDir` resolved: empty means `<dataDir>/models`; `~` and relative paths are expanded. */
export function modelLocation(config: Pick<TarsConfigValues, 'dataDir' | 'embeddings'>): ModelLocation {
  const configured = config.embeddings.modelsDir;
  let modelsDir = configured === '' ? 'models' : configured;
  if (modelsDir === '~' || modelsDir.startsWith('~/')) modelsDir = join(homedir(), modelsDir.slice(1));
  if (!isAbsolute(modelsDir)) modelsDir = join(config.dataDir, modelsDir);
  return { modelsDir, allowRemoteModels: config.embeddings.allowRemoteModels };
}
