// The housekeeping job (enqueued by the schedule): prunes finished job rows and webhook delivery
// logs past their retention, and removes mirrors of packages that no longer exist. Dists of live
// packages are never pruned (lock files pin their URLs); a removed package's go when their grace
// period (removed_dists.expires_at) ends.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { Sqlite } from '../db/client.js';
import type { JobHandler } from './runner.js';
import { HOUSEKEEPING } from './job-types.js';

export { HOUSEKEEPING };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Deletes done and failed jobs that finished before `before` (ms); queued and running stay. */
export function pruneJobs(sqlite: Sqlite, before: number): number {
  return sqlite.prepare(`DELETE FROM jobs WHERE status IN ('done', 'failed') AND finished_at < ?`).run(before).changes;
}

/** Deletes webhook delivery logs (and the delivery ids kept for deduplication) received before `before` (ms). */
export function pruneDeliveries(sqlite: Sqlite, before: number): number {
  return sqlite.prepare(`DELETE FROM deliveries WHERE received_at < ?`).run(before).changes;
}

// Mirror directories are named `<package id>.<vcs type>` (see update-package.ts mirrorDir).
const MIRROR_NAME = /^(\d+)\.(git|hg|svn)$/;

/**
 * Removes mirror directories whose package no longer exists. Package ids are never reused
 * (AUTOINCREMENT), so a directory without its package row can only belong to a deleted one.
 * Anything not named like a mirror is left alone.
 */
export async function removeOrphanMirrors(sqlite: Sqlite, mirrorsDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(mirrorsDir);
  } catch {
    return [];
  }
  const exists = sqlite.prepare(`SELECT 1 FROM packages WHERE id = ?`);
  const removed: string[] = [];
  for (const name of entries) {
    const m = MIRROR_NAME.exec(name);
    if (!m || exists.get(Number(m[1]))) continue;
    await rm(join(mirrorsDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Deletes removed packages' dists whose grace period ended: the rows and their files. */
export async function pruneRemovedDists(sqlite: Sqlite, distsDir: string, now: number): Promise<number> {
  const expired = sqlite.prepare(`SELECT org_id, package_name, "commit", path FROM removed_dists WHERE expires_at <= ?`).all(now) as
    { org_id: number; package_name: string; commit: string; path: string }[];
  const del = sqlite.prepare(`DELETE FROM removed_dists WHERE org_id = ? AND package_name = ? AND "commit" = ? AND expires_at <= ?`);
  for (const d of expired) {
    await rm(join(distsDir, d.path), { force: true });
    del.run(d.org_id, d.package_name, d.commit, now);
  }
  return expired.length;
}

/**
 * Removes dist directories (`<package id>/`) of packages that no longer exist and have no dist in
 * their grace period (deleted organizations, removed packages whose dists expired).
 */
export async function removeOrphanDists(sqlite: Sqlite, distsDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(distsDir);
  } catch {
    return [];
  }
  const exists = sqlite.prepare(`SELECT 1 FROM packages WHERE id = ? UNION ALL SELECT 1 FROM removed_dists WHERE package_id = ? LIMIT 1`);
  const removed: string[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name) || exists.get(Number(name), Number(name))) continue;
    await rm(join(distsDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** The retention settings, the database, and where mirrors and dists are. */
export interface HousekeepingDeps {
  config: Pick<Config, 'housekeeping'>;
  sqlite: Sqlite;
  paths: { mirrors: string; dists: string };
}

export function createHousekeepingHandler(deps: HousekeepingDeps): JobHandler {
  return async ({ log }) => {
    const now = Date.now();
    const hk = deps.config.housekeeping;
    const jobs = pruneJobs(deps.sqlite, now - hk.job_retention_days * DAY_MS);
    const deliveries = pruneDeliveries(deps.sqlite, now - hk.delivery_retention_days * DAY_MS);
    const mirrors = await removeOrphanMirrors(deps.sqlite, deps.paths.mirrors);
    const expiredDists = await pruneRemovedDists(deps.sqlite, deps.paths.dists, now);
    const distDirs = await removeOrphanDists(deps.sqlite, deps.paths.dists);
    log.info({ jobs, deliveries, mirrors: mirrors.length, expiredDists, distDirs: distDirs.length }, 'housekeeping done');
    return { prunedJobs: jobs, prunedDeliveries: deliveries, removedMirrors: mirrors, expiredDists, removedDistDirs: distDirs };
  };
}
