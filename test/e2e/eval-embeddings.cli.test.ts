import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../support/config.js';
import { FIXTURE_MODELS_DIR } from '../support/embedding-config.js';
import { runCli } from '../support/tars-process.js';

/**
 * Issue 3, point 8 as a user meets it: `tars eval embeddings` on the built CLI. It needs no
 * database and no NATS; models are named explicitly so that no test downloads the default model.
 */

const dir = tempDataDir('tars-eval');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Only local models, whatever the caller's environment says. */
const OFFLINE = {
  TARS_DATA_DIR: dir,
  TARS_EMBEDDINGS_MODELS_DIR: FIXTURE_MODELS_DIR,
  TARS_EMBEDDINGS_ALLOW_REMOTE_MODELS: 'false',
  DATABASE_URL: '',
  NATS_URL: '',
};

describe('tars eval embeddings', () => {
  it('prints the figures of a model on the shipped sample as JSON', async () => {
    const { code, stdout, stderr } = await runCli(['eval', 'embeddings', '--models', 'hashing', '--json'], OFFLINE);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      set: { name: 'tars-personal-sample', file: expect.stringMatching(/eval\/embeddings-sample\.json$/) },
      k: 10,
      cutoffs: [1, 5, 10],
    });
    expect(report.models).toHaveLength(1);
    expect(report.models[0]).toMatchObject({
      model: 'hashing',
      provider: 'hashing',
      dimensions: 384,
      status: 'evaluated',
      recall: { 1: expect.any(Number), 5: expect.any(Number), 10: expect.any(Number) },
      mrr: expect.any(Number),
      ndcg: expect.any(Number),
      spearman: expect.any(Number),
      textsPerSecond: expect.any(Number),
    });
  });

  it('prints one row per model, and the reason of a model that cannot load', async () => {
    const models = JSON.stringify([
      { id: 'hashing', provider: 'hashing', dimensions: 384 },
      { id: 'absent', provider: 'transformers', source: 'no-such-model', dimensions: 384 },
    ]);
    const env = {
      ...OFFLINE,
      TARS_EMBEDDINGS_MODELS: models,
      TARS_EMBEDDINGS_DEFAULTS_DOCUMENTS: 'hashing',
      TARS_EMBEDDINGS_DEFAULTS_QUERIES: 'hashing',
      TARS_EMBEDDINGS_DEFAULTS_CONVERSATIONS: 'hashing',
    };
    const { code, stdout, stderr } = await runCli(['eval', 'embeddings', '--k', '3'], env);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^MODEL +PROVIDER +DIMS +R@1 +R@3 +R@5 +MRR@3 +nDCG@3 +SPEARMAN +TEXTS\/S$/m);
    expect(stdout).toMatch(/^hashing +hashing +384 +(\d\.\d{3} +){6}\d+$/m);
    expect(stdout).toMatch(/^absent +transformers +384 +unavailable$/m);
    expect(stdout).toMatch(/^absent: unavailable: .*no-such-model/m);
  });

  it('stops with a message naming the entry of a bad set file', async () => {
    const file = join(dir, 'bad-set.json');
    writeFileSync(file, JSON.stringify({ name: 'bad', corpus: [{ id: 'a', text: 'x' }], queries: [{ query: 'q', relevant: ['b'] }] }));
    const { code, stderr } = await runCli(['eval', 'embeddings', '--set', file, '--models', 'hashing'], OFFLINE);
    expect(code).toBe(1);
    expect(stderr).toContain(`tars: ${file}: invalid evaluation set:`);
    expect(stderr).toContain("queries[0].relevant[0]: 'b' is not an id of the corpus");
  });

  it('stops with a message for an unknown model', async () => {
    const { code, stderr } = await runCli(['eval', 'embeddings', '--models', 'hashing,nope'], OFFLINE);
    expect(code).toBe(1);
    expect(stderr).toMatch(/tars: unknown embedding model 'nope' \(configured: .*hashing/);
  });
});
