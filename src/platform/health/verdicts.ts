import type { IndexStats } from '../../modules/processing/indexing/vector-index.types.js';
import type { ConsumerState } from '../queue/jetstream-work-queue.js';
import type { DiskSpace, MemoryAvailability } from './system-resources.js';

/** What a readiness check concludes from what it measured: its status and the detail it shows. */
export interface Verdict {
  status: 'up' | 'degraded' | 'down';
  /** The check's detail in /health/ready; `message` says why when it is not up. */
  data: Record<string, unknown>;
}

const MIB = 1024 * 1024;

/** Down when the data folder's file system has less free space than `minFreePercent`. */
export function diskVerdict(space: DiskSpace, minFreePercent: number): Verdict {
  const freePercent = Math.round(space.freePercent * 10) / 10;
  const data = {
    path: space.path,
    freePercent,
    freeMb: Math.floor(space.freeBytes / MIB),
    totalMb: Math.floor(space.totalBytes / MIB),
    minFreePercent,
  };
  if (space.freePercent >= minFreePercent) return { status: 'up', data };
  return { status: 'down', data: { ...data, message: `only ${freePercent} % of the disk of ${space.path} is free (minimum ${minFreePercent} %)` } };
}

/** Down when the machine has less available memory (MemAvailable) than `minFreeMb`. */
export function memoryVerdict(memory: MemoryAvailability, minFreeMb: number): Verdict {
  const availableMb = Math.floor(memory.availableBytes / MIB);
  const data = { availableMb, totalMb: Math.floor(memory.totalBytes / MIB), minFreeMb };
  if (availableMb >= minFreeMb) return { status: 'up', data };
  return { status: 'down', data: { ...data, message: `only ${availableMb} MiB of memory available (minimum ${minFreeMb} MiB)` } };
}

/** Down when a queue's consumer is missing or this node does not pull from it; each queue's state and backlog as detail. */
export function jetStreamVerdict(states: ReadonlyArray<ConsumerState>): Verdict {
  const queues = Object.fromEntries(
    states.map(({ stream, ...state }) => [stream, Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined))]),
  );
  const problems = states.filter((s) => s.problem !== undefined).map((s) => `${s.stream}: ${s.problem}`);
  if (problems.length === 0) return { status: 'up', data: { queues } };
  return { status: 'down', data: { message: problems.join('; '), queues } };
}

/**
 * The vector indexes, one per embedding model: up when every one answers searches; degraded while
 * one loads or is rebuilt from the database (searches on it wait); down when one cannot be loaded.
 */
export function vectorIndexVerdict(stats: ReadonlyArray<IndexStats>): Verdict {
  const models = Object.fromEntries(
    stats.map((s) => [
      s.modelId,
      {
        phase: s.phase,
        kind: s.kind,
        vectors: s.live,
        tombstones: s.tombstones,
        ...(s.restructuring ? { restructuring: true } : {}),
        ...(s.lastError ? { lastError: s.lastError } : {}),
      },
    ]),
  );
  const broken = stats.filter((s) => s.phase === 'failed' || s.phase === 'closed');
  if (broken.length > 0) {
    const why = broken.map((s) => `the index of ${s.modelId} is ${s.phase === 'closed' ? 'closed' : `unavailable (${s.lastError ?? 'load failed'})`}`);
    return { status: 'down', data: { message: why.join('; '), models } };
  }
  const busy = stats.filter((s) => s.phase === 'starting' || s.phase === 'rebuilding');
  if (busy.length > 0) {
    const why = busy.map((s) => `the index of ${s.modelId} is ${s.phase === 'rebuilding' ? 'being rebuilt from the database' : 'loading'}`);
    return { status: 'degraded', data: { message: `${why.join('; ')}: searches on it wait until it is done`, models } };
  }
  return { status: 'up', data: { models } };
}
