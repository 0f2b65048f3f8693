import { resolve } from 'node:path';
import type { TarsConfigValues } from '../../src/config/config.schema.js';
import { testConfig } from './config.js';
import { REPO_ROOT } from './paths.js';

/** Folder holding the benchmark/test model `minilm-l6-random` (../shared/models next to the repo). */
export const FIXTURE_MODELS_DIR = process.env.TEST_EMBEDDING_MODELS_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'models');

/** The fixture: MiniLM-L6's architecture and tokenizer with random weights (its vectors mean nothing). */
export const FIXTURE_MODEL = 'minilm-l6-random';

type ModelInput = { id: string; provider: 'transformers' | 'ollama' | 'hashing'; dimensions: number } & Record<string, unknown>;

export const hashingModel = (overrides: Partial<ModelInput> = {}): ModelInput => ({
  id: 'hashing',
  provider: 'hashing',
  dimensions: 384,
  // As in config/default.yaml: hashed features give low cosines even for related texts.
  minSimilarity: 0.1,
  ...overrides,
});

export const fixtureModel = (overrides: Partial<ModelInput> = {}): ModelInput => ({
  id: 'minilm',
  provider: 'transformers',
  source: FIXTURE_MODEL,
  dimensions: 384,
  dtype: 'fp32',
  ...overrides,
});

export interface EmbeddingTestSetup {
  models: ModelInput[];
  /** Default model of every use (first model when absent). */
  defaultModel?: string;
  fallback?: string[];
  memoryEntries?: number;
  storage?: 'fp16' | 'int8';
  /** Shared cache over NATS: set `nats.url` too. */
  shared?: boolean;
  env?: Record<string, string>;
}

/** A validated node configuration whose `embeddings` section is the given one (fixture models folder, no downloads). */
export function embeddingTestConfig(setup: EmbeddingTestSetup): TarsConfigValues {
  const defaultModel = setup.defaultModel ?? setup.models[0].id;
  return testConfig({
    TARS_EMBEDDINGS_MODELS_DIR: FIXTURE_MODELS_DIR,
    TARS_EMBEDDINGS_ALLOW_REMOTE_MODELS: 'false',
    TARS_EMBEDDINGS_MODELS: JSON.stringify(setup.models),
    TARS_EMBEDDINGS_DEFAULTS_DOCUMENTS: defaultModel,
    TARS_EMBEDDINGS_DEFAULTS_QUERIES: defaultModel,
    TARS_EMBEDDINGS_DEFAULTS_CONVERSATIONS: defaultModel,
    TARS_EMBEDDINGS_FALLBACK: JSON.stringify(setup.fallback ?? []),
    TARS_EMBEDDINGS_CACHE_MEMORY_ENTRIES: String(setup.memoryEntries ?? 1000),
    TARS_EMBEDDINGS_CACHE_STORAGE: setup.storage ?? 'fp16',
    TARS_EMBEDDINGS_CACHE_SHARED: String(setup.shared ?? false),
    ...setup.env,
  });
}
