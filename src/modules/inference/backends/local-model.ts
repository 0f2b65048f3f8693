import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** Where the in-process backends (llama.cpp, transformers.js) find their model files. */
export interface LocalModelOptions {
  /** inference.modelsDir, already resolved (empty config value: <dataDir>/models). */
  modelsDir: string;
  /** inference.allowRemoteModels: transformers.js may download a hub id that is not in modelsDir. */
  allowRemoteModels: boolean;
}

/** A configured model path: `~` expanded, relative paths taken from modelsDir. */
export function resolveModelPath(modelsDir: string, path: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(modelsDir, path);
}

/** An error's message, whatever was thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
