// Everything under data_dir is private to the server's user: directories 0700, files 0600.
// The entries set a umask of 0o077; code that creates files also passes these modes, and an
// existing install (or a restored backup) is tightened here.
import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Sqlite } from '../db/client.js';

export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;
/** New files and directories get no group or other bits (set by the server's and the CLI's entry). */
export const PRIVATE_UMASK = 0o077;

/** The `settings` key recording that data_dir's trees were made private once (install of an older version). */
const TIGHTENED_KEY = 'data_dir_private';

function chmodQuiet(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch {
    // Gone meanwhile (a temp file), or not ours: nothing to tighten.
  }
}

/** Removes group/other bits of one entry (keeping the owner's, e.g. an executable hook's x). */
function tightenEntry(path: string): { dir: boolean } | null {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return null;
  }
  if (st.isSymbolicLink()) return null;
  if (st.isDirectory()) {
    if ((st.mode & 0o777) !== PRIVATE_DIR) chmodQuiet(path, PRIVATE_DIR);
    return { dir: true };
  }
  if ((st.mode & 0o077) !== 0) chmodQuiet(path, st.mode & 0o700);
  return { dir: false };
}

/** Makes a whole tree private (directories 0700, files without group/other bits). */
export function makeTreePrivate(root: string): void {
  const stack = [root];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    const kind = tightenEntry(dir);
    if (kind?.dir !== true) continue;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) stack.push(join(dir, name));
  }
}

/**
 * At server start: data_dir and its top-level entries (the database and its -wal/-shm,
 * secret.key, mirrors, dists, tmp) every time (cheap); the trees below them once per database,
 * recorded in `settings`, so a big install is not walked on every start.
 */
export function tightenDataDir(dataDir: string, sqlite: Sqlite): void {
  tightenEntry(dataDir);
  let names: string[] = [];
  try {
    names = readdirSync(dataDir);
  } catch {
    return;
  }
  for (const name of names) tightenEntry(join(dataDir, name));
  const done = sqlite.prepare(`SELECT value FROM settings WHERE key = ?`).get(TIGHTENED_KEY) as { value: string } | undefined;
  if (done !== undefined) return;
  makeTreePrivate(dataDir);
  sqlite.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`).run(TIGHTENED_KEY, new Date().toISOString());
}
