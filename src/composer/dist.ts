// Dist zips: one per (package, commit), built once from the mirror, stored under data_dir/dists
// and served with the same bytes forever (lock files pin the URL); a removed package's dists are
// served from removed_dists until their grace period ends.
import { and, eq, gt } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Db } from '../db/client.js';
import { dists, removedDists } from '../db/schema.js';
import type { Driver } from '../vcs/types.js';

/** Mutual exclusion per key (jobs/mutex.ts's Mutexes): a dist build never races an update of its mirror. */
export interface RepoLocks {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

const HEX40 = /^[0-9a-f]{40}$/;

const ENCODED = /^svn-([A-Za-z0-9_-]{2,1400})$/;

/**
 * The REF of a dist URL (`/ORG/dists/VENDOR/NAME/REF.zip`): the commit id for git and hg; for svn,
 * composer's `/PATH/@REV` identifier encoded as `svn-` + base64url (it holds slashes and "@").
 */
export function distUrlKey(reference: string): string {
  return HEX40.test(reference) ? reference : `svn-${Buffer.from(reference, 'utf8').toString('base64url')}`;
}

/** The revision a dist URL's REF names, or null when REF is neither form. */
export function parseDistUrlKey(key: string): string | null {
  if (HEX40.test(key)) return key;
  const m = ENCODED.exec(key);
  if (!m) return null;
  const reference = Buffer.from(m[1]!, 'base64url').toString('utf8');
  return distUrlKey(reference) === key ? reference : null;
}

/** The dist's file name on disk: the commit id, or the sha1 of an svn identifier (bounded length). */
function distFileKey(reference: string): string {
  return HEX40.test(reference) ? reference : createHash('sha1').update(reference).digest('hex');
}

export interface StoredDist {
  file: string;
  size: number;
  sha1: string;
}

async function sha1File(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class DistStore {
  constructor(private readonly opts: { db: Db; dir: string; locks: RepoLocks }) {}

  relativePath(packageId: number, commit: string): string {
    return join(String(packageId), `${distFileKey(commit)}.zip`);
  }

  find(packageId: number, commit: string): StoredDist | null {
    const row = this.opts.db.select().from(dists).where(and(eq(dists.packageId, packageId), eq(dists.commit, commit))).get();
    if (!row) return null;
    const file = join(this.opts.dir, row.path);
    return existsSync(file) ? { file, size: row.size, sha1: row.sha1 } : null;
  }

  /** A removed package's dist, while its grace period lasts (never built: only what was stored). */
  findRemoved(orgId: number, packageName: string, commit: string, now = Date.now()): StoredDist | null {
    const row = this.opts.db.select().from(removedDists)
      .where(and(eq(removedDists.orgId, orgId), eq(removedDists.packageName, packageName), eq(removedDists.commit, commit), gt(removedDists.expiresAt, now))).get();
    if (!row) return null;
    const file = join(this.opts.dir, row.path);
    return existsSync(file) ? { file, size: row.size, sha1: row.sha1 } : null;
  }

  /** Returns the stored zip, building it from the mirror first if needed (under the repository lock). */
  async ensure(packageId: number, commit: string, driver: () => Promise<Driver>): Promise<StoredDist> {
    const found = this.find(packageId, commit);
    if (found) return found;
    return this.opts.locks.run(`repo:${packageId}`, async () => {
      const again = this.find(packageId, commit);
      if (again) return again;
      const rel = this.relativePath(packageId, commit);
      const file = join(this.opts.dir, rel);
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      if (!existsSync(file)) {
        const d = await driver();
        try {
          await d.archive(commit, file);
        } catch {
          // The mirror may be missing (restored backup) or older than the commit: refresh once.
          await d.syncMirror();
          await d.archive(commit, file);
        }
      }
      const size = statSync(file).size;
      const sha1 = await sha1File(file);
      this.opts.db
        .insert(dists)
        .values({ packageId, commit, path: rel, size, sha1, createdAt: Date.now() })
        .onConflictDoNothing()
        .run();
      return { file, size, sha1 };
    });
  }
}
