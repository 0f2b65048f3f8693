import { statfs } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { totalmem, freemem } from 'node:os';

export interface DiskSpace {
  path: string;
  freeBytes: number;
  totalBytes: number;
  /** Free space available to this (unprivileged) process, percent of the file system. */
  freePercent: number;
}

/** Free space of the file system that holds `path` (space an unprivileged process may use). */
export async function diskSpace(path: string): Promise<DiskSpace> {
  const stats = await statfs(path);
  const totalBytes = stats.blocks * stats.bsize;
  const freeBytes = stats.bavail * stats.bsize;
  return { path, freeBytes, totalBytes, freePercent: totalBytes > 0 ? (freeBytes / totalBytes) * 100 : 0 };
}

export interface MemoryAvailability {
  /** Memory the kernel can give to new work without swapping (MemAvailable; os.freemem() elsewhere). */
  availableBytes: number;
  totalBytes: number;
}

/** Memory headroom of the machine: Linux's MemAvailable counts reclaimable caches, which os.freemem() does not. */
export async function memoryAvailability(): Promise<MemoryAvailability> {
  const totalBytes = totalmem();
  try {
    const meminfo = await readFile('/proc/meminfo', 'utf8');
    const match = /^MemAvailable:\s+(\d+) kB$/m.exec(meminfo);
    if (match) return { availableBytes: Number(match[1]) * 1024, totalBytes };
  } catch {
    // not Linux: fall through
  }
  return { availableBytes: freemem(), totalBytes };
}
