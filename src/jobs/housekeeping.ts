// The housekeeping job (enqueued by the schedule): prunes finished job rows and webhook delivery
// logs past their retention, and removes mirrors of packages that no longer exist. Dists are
// never pruned: lock files pin their URLs.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Deps } from '../compose.js';
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

export function createHousekeepingHandler(deps: Deps): JobHandler {
  return async ({ log }) => {
    const now = Date.now();
    const hk = deps.config.housekeeping;
    const jobs = pruneJobs(deps.sqlite, now - hk.job_retention_days * DAY_MS);
    const deliveries = pruneDeliveries(deps.sqlite, now - hk.delivery_retention_days * DAY_MS);
    const mirrors = await removeOrphanMirrors(deps.sqlite, deps.paths.mirrors);
    log.info({ jobs, deliveries, mirrors: mirrors.length }, 'housekeeping done');
    return { prunedJobs: jobs, prunedDeliveries: deliveries, removedMirrors: mirrors };
  };
}
