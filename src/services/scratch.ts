// data_dir/tmp holds short-lived files (ssh keys, hgrc, known_hosts, CA files, backup staging).
// Each process works in its own subdirectory, tmp/<pid>-<start time>-<random>, removed when it
// exits; at start-up the subdirectories of processes that are gone (a crash, a kill -9) are
// removed, with whatever an older version left directly in tmp. A live process's files are kept.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, processStart } from '../jobs/process-identity.js';
import { PRIVATE_DIR } from './file-modes.js';

const OWNED = /^(\d+)-(\d*)-[0-9a-f]+$/;

export interface ProcessScratch {
  /** This process's private scratch directory. */
  readonly dir: string;
  /** Removes it (also done when the process exits). */
  remove(): void;
}

/** Removes what dead processes left in `tmpRoot`; returns the names removed. */
export function sweepScratch(tmpRoot: string): string[] {
  let names: string[];
  try {
    names = readdirSync(tmpRoot);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = OWNED.exec(name);
    // Not a per-process directory: left by a version that wrote into tmp directly (git-*, hg-*,
    // svn-*, backup-*, ca), which cannot be running beside this one on the same database.
    if (m !== null && processAlive(Number(m[1]), m[2] ?? null)) continue;
    rmSync(join(tmpRoot, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Sweeps `tmpRoot`, then creates this process's own scratch directory in it. */
export function openProcessScratch(tmpRoot: string): ProcessScratch {
  mkdirSync(tmpRoot, { recursive: true, mode: PRIVATE_DIR });
  sweepScratch(tmpRoot);
  const dir = join(tmpRoot, `${process.pid}-${processStart(process.pid) ?? ''}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { mode: PRIVATE_DIR });
  const remove = (): void => {
    process.off('exit', remove);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', remove);
  return { dir, remove };
}
