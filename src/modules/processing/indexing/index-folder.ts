import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeManifest, encodeManifest, type IndexManifest } from './index-manifest.js';

const MANIFEST = 'manifest.json';
const INDEX_FILE = /^index-(\d+)\.faiss$/;

/** What is on disk for a model, before faiss reads anything. */
export type FolderInspection =
  | { state: 'ok'; manifest: IndexManifest; indexPath: string }
  | { state: 'missing' | 'corrupt'; reason: string };

/** What a backup copied of a model's saved index. */
export type SavedIndexCopy =
  | { state: 'saved'; manifest: IndexManifest; files: string[] }
  | { state: 'missing'; reason: string };

/**
 * The files of one model's index, `<dataDir>/indexes/<modelId>/`: faiss files named by generation
 * (`index-<n>.faiss`) and `manifest.json`, which names the current one. A save writes a new faiss
 * file, then the manifest (written to a temporary file, flushed, renamed): a crash at any point
 * leaves the previous manifest with the previous file, or the new pair.
 */
export class IndexFolder {
  readonly dir: string;

  constructor(indexesDir: string, modelId: string) {
    if (!/^[A-Za-z0-9._-]+$/.test(modelId) || /^\.+$/.test(modelId)) throw new Error(`model id '${modelId}' cannot name a folder`);
    this.dir = join(indexesDir, modelId);
  }

  indexPath(generation: number): string {
    return join(this.dir, `index-${generation}.faiss`);
  }

  tempIndexPath(generation: number): string {
    return `${this.indexPath(generation)}.tmp`;
  }

  async inspect(modelId: string, dimensions: number): Promise<FolderInspection> {
    let text: string;
    try {
      text = await readFile(join(this.dir, MANIFEST), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing', reason: 'no manifest' };
      return { state: 'corrupt', reason: `the manifest cannot be read: ${(err as Error).message}` };
    }
    const decoded = decodeManifest(text);
    if ('problem' in decoded) return { state: 'corrupt', reason: decoded.problem };
    const { manifest } = decoded;
    if (manifest.modelId !== modelId) return { state: 'corrupt', reason: `the manifest is for model '${manifest.modelId}'` };
    if (manifest.dimensions !== dimensions) return { state: 'corrupt', reason: `the manifest says ${manifest.dimensions} dimensions, the model has ${dimensions}` };
    const indexPath = join(this.dir, manifest.indexFile);
    try {
      await stat(indexPath);
    } catch {
      return { state: 'missing', reason: `${manifest.indexFile} named by the manifest is missing` };
    }
    return { state: 'ok', manifest, indexPath };
  }

  /** Creates the folder and deletes temporary files left by an interrupted save. */
  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      if (name.endsWith('.tmp')) await rm(join(this.dir, name), { force: true });
    }
  }

  /** A generation number no file of the folder uses yet. */
  async nextGeneration(current: number): Promise<number> {
    let highest = current;
    for (const name of await readdir(this.dir)) {
      const match = INDEX_FILE.exec(name.replace(/\.tmp$/, ''));
      if (match) highest = Math.max(highest, Number(match[1]));
    }
    return highest + 1;
  }

  /** Makes a flushed temporary index file the generation's file, then writes the manifest naming it. */
  async publish(generation: number, manifest: IndexManifest): Promise<void> {
    await rename(this.tempIndexPath(generation), this.indexPath(generation));
    const manifestPath = join(this.dir, MANIFEST);
    const temp = `${manifestPath}.tmp`;
    const file = await open(temp, 'w');
    try {
      await file.writeFile(encodeManifest(manifest));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, manifestPath);
    await this.syncDirectory();
    await this.removeIndexFilesExcept(generation);
  }

  /**
   * Copies the saved manifest and the faiss file it names into `targetDir` (flushed), when the folder
   * holds a valid pair. The caller makes sure no save runs meanwhile.
   */
  async copySavedIndex(modelId: string, dimensions: number, targetDir: string): Promise<SavedIndexCopy> {
    const inspection = await this.inspect(modelId, dimensions);
    if (inspection.state !== 'ok') return { state: 'missing', reason: inspection.reason };
    await mkdir(targetDir, { recursive: true });
    const files = [MANIFEST, inspection.manifest.indexFile];
    for (const name of files) {
      await copyFile(join(this.dir, name), join(targetDir, name));
      await syncFile(join(targetDir, name));
    }
    return { state: 'saved', manifest: inspection.manifest, files };
  }

  async freeBytes(): Promise<number> {
    const fs = await statfs(this.dir);
    return fs.bavail * fs.bsize;
  }

  private async removeIndexFilesExcept(generation: number): Promise<void> {
    for (const name of await readdir(this.dir)) {
      const match = INDEX_FILE.exec(name);
      if (match && Number(match[1]) !== generation) await rm(join(this.dir, name), { force: true });
    }
  }

  /** Renames are durable only once the directory itself is flushed. */
  private async syncDirectory(): Promise<void> {
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

async function syncFile(path: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}
