import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexFolder } from './index-folder.js';
import type { IndexManifest } from './index-manifest.js';

let root: string;
beforeEach(async () => (root = await mkdtemp(join(tmpdir(), 'index-folder-'))));
afterEach(() => rm(root, { recursive: true, force: true }));

function manifestFor(generation: number): IndexManifest {
  return {
    format: 1, modelId: 'm', dimensions: 4, kind: 'flat', hnswM: 32, indexFile: `index-${generation}.faiss`, indexBytes: 3,
    indexSha256: '0'.repeat(64), generation, stored: 0, live: 0, ids: [], tombstones: [], watermark: 0, savedAt: 'now',
  };
}

describe('IndexFolder', () => {
  it('is missing until a manifest is published, then names the current file and keeps only it', async () => {
    const folder = new IndexFolder(root, 'm');
    await folder.prepare();
    expect(await folder.inspect('m', 4)).toEqual({ state: 'missing', reason: 'no manifest' });
    for (const generation of [1, 2]) {
      await writeFile(folder.tempIndexPath(generation), 'abc');
      await folder.publish(generation, manifestFor(generation));
    }
    expect((await readdir(folder.dir)).sort()).toEqual(['index-2.faiss', 'manifest.json']);
    expect(await folder.inspect('m', 4)).toMatchObject({ state: 'ok', manifest: { generation: 2 } });
    expect(await folder.nextGeneration(2)).toBe(3);
  });

  it('calls a manifest of another model or dimension count corrupt', async () => {
    const folder = new IndexFolder(root, 'm');
    await folder.prepare();
    await writeFile(folder.tempIndexPath(1), 'abc');
    await folder.publish(1, manifestFor(1));
    expect(await folder.inspect('m', 8)).toMatchObject({ state: 'corrupt', reason: expect.stringMatching(/4 dimensions/) });
  });

  it('removes temporary files of an interrupted save', async () => {
    const folder = new IndexFolder(root, 'm');
    await folder.prepare();
    await writeFile(folder.tempIndexPath(5), 'half');
    await folder.prepare();
    expect(await readdir(folder.dir)).toEqual([]);
  });

  it('refuses model ids that would leave the indexes folder', () => {
    expect(() => new IndexFolder(root, '..')).toThrow(/cannot name a folder/);
    expect(() => new IndexFolder(root, 'a/b')).toThrow(/cannot name a folder/);
  });
});
