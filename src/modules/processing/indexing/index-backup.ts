import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BackupModelDto } from '../../../contracts/processing/index-maintenance.dto.js';
import type { SavedIndexCopy } from './index-folder.js';

/** The file in each backup folder that lists what it holds, with the SHA-256 of every file. */
export const BACKUP_MANIFEST = 'backup.json';
/** Backup folders are named by their UTC time, e.g. 20261124T030000123Z, so that names sort by age. */
const BACKUP_NAME = /^\d{8}T\d{9}Z(-\d+)?$/;

export interface BackupManifest {
  format: 1;
  createdAt: string;
  node: string;
  models: BackupModelDto[];
}

/** What a backup needs of the indexes (VectorIndexManager). */
export interface BackupSource {
  modelIds(): string[];
  backup(modelId: string, targetDir: string): Promise<SavedIndexCopy>;
}

export async function sha256OfFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Writes a backup of every model's saved index into `<backupsDir>/<time>/<model>/` (the same layout
 * as `<dataDir>/indexes/`, so that restoring is copying the model folders back) with `backup.json`.
 * Each model is copied while its index cannot save (a consistent manifest + faiss pair); the copy of
 * the faiss file is checked against the SHA-256 its manifest records. The folder is assembled under a
 * temporary name and renamed when complete: a crash leaves no half backup under a backup's name.
 * Keeps the newest `keep` backups.
 */
export async function writeIndexBackup(
  source: BackupSource,
  options: { backupsDir: string; keep: number; node: string; now?: Date },
): Promise<{ path: string; manifest: BackupManifest; removed: string[] }> {
  const now = options.now ?? new Date();
  await mkdir(options.backupsDir, { recursive: true });
  const base = now.toISOString().replace(/[-:.]/g, '');
  const temp = join(options.backupsDir, `.${base}-${process.pid}.tmp`);
  await rm(temp, { recursive: true, force: true });
  await mkdir(temp);
  try {
    const models: BackupModelDto[] = [];
    for (const model of source.modelIds()) models.push(await backupModel(source, model, temp));
    const manifest: BackupManifest = { format: 1, createdAt: now.toISOString(), node: options.node, models };
    await writeFlushed(join(temp, BACKUP_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    const path = await renameToFreeName(temp, options.backupsDir, base);
    await syncDir(options.backupsDir);
    const removed = await pruneBackups(options.backupsDir, options.keep, path);
    return { path, manifest, removed };
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}

async function backupModel(source: BackupSource, model: string, folder: string): Promise<BackupModelDto> {
  const copy = await source.backup(model, join(folder, model));
  if (copy.state === 'missing') return { model, state: 'missing', reason: copy.reason, files: [] };
  const files = [];
  for (const name of copy.files) {
    const { sha256, bytes } = await sha256OfFile(join(folder, model, name));
    if (name === copy.manifest.indexFile && sha256 !== copy.manifest.indexSha256) {
      throw new Error(`the copy of ${model}/${name} does not match the SHA-256 of its manifest`);
    }
    files.push({ path: `${model}/${name}`, bytes, sha256 });
  }
  return { model, state: 'saved', watermark: copy.manifest.watermark, live: copy.manifest.live, files };
}

/** Checks a backup folder against its backup.json: every file present with its size and SHA-256. Returns the problems (none: valid). */
export async function verifyIndexBackup(dir: string): Promise<string[]> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, BACKUP_MANIFEST), 'utf8')) as BackupManifest;
  } catch (err) {
    return [`${BACKUP_MANIFEST} cannot be read: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  for (const file of manifest.models.flatMap((m) => m.files)) {
    try {
      const { sha256, bytes } = await sha256OfFile(join(dir, file.path));
      if (bytes !== file.bytes) problems.push(`${file.path}: ${bytes} bytes, ${file.bytes} expected`);
      else if (sha256 !== file.sha256) problems.push(`${file.path}: SHA-256 differs`);
    } catch (err) {
      problems.push(`${file.path}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** Deletes all but the newest `keep` backups (never the one just written), and folders of interrupted ones. */
async function pruneBackups(backupsDir: string, keep: number, written: string): Promise<string[]> {
  const names = await readdir(backupsDir);
  const others = names.filter((name) => BACKUP_NAME.test(name) && name !== basename(written)).sort().reverse();
  const backups = [basename(written), ...others];
  const removed: string[] = [];
  for (const name of backups.slice(keep)) {
    await rm(join(backupsDir, name), { recursive: true, force: true });
    removed.push(join(backupsDir, name));
  }
  for (const name of names.filter((n) => n.endsWith('.tmp') && !n.endsWith(`-${process.pid}.tmp`))) {
    await rm(join(backupsDir, name), { recursive: true, force: true });
  }
  return removed;
}

async function renameToFreeName(temp: string, dir: string, base: string): Promise<string> {
  for (let n = 0; n < 100; n++) {
    const path = join(dir, n === 0 ? base : `${base}-${n}`);
    const taken = await stat(path).then(
      () => true,
      () => false,
    );
    if (taken) continue;
    await rename(temp, path);
    return path;
  }
  throw new Error(`no free backup folder name for ${base} in ${dir}`);
}

async function writeFlushed(path: string, text: string): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
