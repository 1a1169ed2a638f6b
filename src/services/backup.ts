// Backup and restore of what cannot be rebuilt: the database (SQLite online backup, consistent
// while the server writes), the secret key, and the stored dists (lock files pin their bytes).
// Mirrors are left out: they are fetched again. The archive is a gzipped tar made by tar(1).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Sqlite } from '../db/client.js';
import { AppError } from '../domain/errors.js';
import { makeTreePrivate, PRIVATE_DIR, PRIVATE_FILE } from './file-modes.js';

export const BACKUP_FORMAT = 'packyard-backup';
export const BACKUP_VERSION = 1;

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  dists: number;
  secretKey: boolean;
}

function tar(args: string[]): void {
  try {
    execFileSync('tar', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 3_600_000 });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new AppError('BAD_REQUEST', `tar failed: ${stderr || (e as Error).message}`);
  }
}

/** Links a file into the staging tree (same filesystem: no copy), or copies it. */
function place(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true, mode: PRIVATE_DIR });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** The parts of the data directory's layout (compose.ts's Paths) a backup reads and a restore writes. */
export interface BackupPaths {
  database: string;
  dists: string;
  secretKey: string;
  /** Where the archive is staged (this process's scratch directory). */
  tmp: string;
}

export async function createBackup(sqlite: Sqlite, paths: BackupPaths, file: string): Promise<BackupManifest> {
  mkdirSync(paths.tmp, { recursive: true, mode: PRIVATE_DIR });
  const staging = mkdtempSync(join(paths.tmp, 'backup-'));
  try {
    const dbCopy = join(staging, 'packyard.db');
    await sqlite.backup(dbCopy);
    // The dists the snapshot knows about; files are immutable once written, so linking them
    // after the snapshot is consistent with it.
    const snap = new Database(dbCopy, { readonly: true });
    // A removed package's dists during their grace period too: nothing could rebuild them.
    const rows = snap.prepare('SELECT path FROM dists UNION SELECT path FROM removed_dists').all() as { path: string }[];
    snap.close();
    let dists = 0;
    for (const r of rows) {
      const src = join(paths.dists, r.path);
      if (!existsSync(src)) continue;
      place(src, join(staging, 'dists', r.path));
      dists++;
    }
    const secretKey = existsSync(paths.secretKey);
    if (secretKey) place(paths.secretKey, join(staging, 'secret.key'));
    const manifest: BackupManifest = { format: BACKUP_FORMAT, version: BACKUP_VERSION, createdAt: new Date().toISOString(), dists, secretKey };
    writeFileSync(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: PRIVATE_FILE });
    const partial = `${file}.partial`;
    // The archive holds the secret key and every credential: private, whatever tar's umask.
    writeFileSync(partial, '', { mode: PRIVATE_FILE });
    chmodSync(partial, PRIVATE_FILE);
    tar(['-czf', partial, '-C', staging, '.']);
    renameSync(partial, file);
    return manifest;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Restores into the data directory. Refuses to overwrite an existing database unless `force`
 * (then the old files are kept beside it as *.before-restore). The server must be stopped.
 */
export function restoreBackup(paths: BackupPaths, file: string, opts: { force?: boolean } = {}): BackupManifest {
  if (!existsSync(file)) throw new AppError('BAD_REQUEST', `backup file ${file} does not exist`);
  if (existsSync(paths.database) && !opts.force) {
    throw new AppError('BAD_REQUEST', `${paths.database} exists: restore into an empty data directory, or pass --force to replace it (stop the server first)`);
  }
  mkdirSync(paths.tmp, { recursive: true, mode: PRIVATE_DIR });
  const staging = mkdtempSync(join(paths.tmp, 'restore-'));
  try {
    tar(['-xzf', file, '-C', staging, '--no-same-owner']);
    // tar keeps the modes stored in the archive (an older backup's 0644 files): make them private.
    makeTreePrivate(staging);
    const manifestFile = join(staging, 'manifest.json');
    if (!existsSync(manifestFile)) throw new AppError('BAD_REQUEST', `${file} is not a Packyard backup (no manifest.json)`);
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as BackupManifest;
    if (manifest.format !== BACKUP_FORMAT || manifest.version > BACKUP_VERSION) {
      throw new AppError('BAD_REQUEST', `${file} is a backup format this version cannot read (${manifest.format} v${manifest.version})`);
    }
    const check = new Database(join(staging, 'packyard.db'), { readonly: true });
    const integrity = check.pragma('integrity_check', { simple: true });
    check.close();
    if (integrity !== 'ok') throw new AppError('BAD_REQUEST', `the database in ${file} is damaged: ${String(integrity)}`);
    // Leases held when the backup was taken (the running server's, a mirror's) belong to
    // processes of the backed-up instance: a restored server must not wait for them.
    const restored = new Database(join(staging, 'packyard.db'));
    try {
      if (restored.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'locks'`).get()) restored.exec(`DELETE FROM locks`);
    } finally {
      restored.close();
    }
    makeTreePrivate(staging);

    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    for (const suffix of ['', '-wal', '-shm']) {
      const f = `${paths.database}${suffix}`;
      if (existsSync(f)) renameSync(f, `${f}.before-restore-${stamp}`);
    }
    renameSync(join(staging, 'packyard.db'), paths.database);
    if (manifest.secretKey) {
      if (existsSync(paths.secretKey)) renameSync(paths.secretKey, `${paths.secretKey}.before-restore-${stamp}`);
      renameSync(join(staging, 'secret.key'), paths.secretKey);
    }
    // Dists are immutable and keyed by package id and commit: merge them in.
    const distsDir = join(staging, 'dists');
    if (existsSync(distsDir)) {
      for (const pkg of readdirSync(distsDir)) {
        for (const f of readdirSync(join(distsDir, pkg))) {
          const to = join(paths.dists, pkg, f);
          if (existsSync(to) && statSync(to).size === statSync(join(distsDir, pkg, f)).size) continue;
          mkdirSync(dirname(to), { recursive: true, mode: PRIVATE_DIR });
          renameSync(join(distsDir, pkg, f), to);
        }
      }
    }
    return manifest;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
