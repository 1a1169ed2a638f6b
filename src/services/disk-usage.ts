// Bytes used by the parts of data_dir (database with its WAL, mirrors, dists), for /metrics.
// Walking every mirror is slow, so a result is reused for `maxAgeMs` and walks never overlap.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiskPart } from '../metrics.js';

export interface DiskUsagePaths {
  database: string;
  mirrors: string;
  dists: string;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await lstat(path)).size;
  } catch {
    return 0;
  }
}

/** Sum of the sizes of the regular files under `dir` (symlinks are not followed). */
export async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      continue; // removed while walking, or not created yet
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) total += await fileSize(p);
    }
  }
  return total;
}

export class DiskUsage {
  private cached: { at: number; value: Record<DiskPart, number> } | null = null;
  private pending: Promise<Record<DiskPart, number>> | null = null;

  constructor(
    private readonly paths: DiskUsagePaths,
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<Record<DiskPart, number>> {
    if (this.cached && this.now() - this.cached.at < this.maxAgeMs) return Promise.resolve(this.cached.value);
    this.pending ??= this.measure().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async measure(): Promise<Record<DiskPart, number>> {
    const db = this.paths.database;
    const [main, wal, shm, mirrors, dists] = await Promise.all([
      fileSize(db),
      fileSize(`${db}-wal`),
      fileSize(`${db}-shm`),
      treeSize(this.paths.mirrors),
      treeSize(this.paths.dists),
    ]);
    const value = { database: main + wal + shm, mirrors, dists };
    this.cached = { at: this.now(), value };
    return value;
  }
}
