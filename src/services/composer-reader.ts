// Prepared reads for the composer endpoints' hot path: organization, package, stored p2 file,
// visible package names and the timestamps that make up a per-token Last-Modified.
import type { Sqlite } from '../db/client.js';
import { GenerationCache, type ChangeTracker } from './change-tracker.js';

export interface OrgLookup {
  id: number;
  name: string;
  syncIntegration: string | null;
  aclChangedAt: number;
  packagesChangedAt: number;
}

export interface PackageLookup {
  id: number;
  name: string;
  vcsType: 'git' | 'hg' | 'svn';
}

export interface MetadataFile {
  json: Buffer;
  gzip: Buffer;
  lastModified: number;
}

/**
 * Reads are memoized until the database next changes (ChangeTracker): composer revalidates
 * every file on every run, so the same few rows are asked for again and again.
 */
export class ComposerReader {
  private readonly q;
  private readonly orgs = new GenerationCache<string, OrgLookup | null>();
  private readonly packages = new GenerationCache<string, PackageLookup | null>();
  private readonly files = new GenerationCache<string, MetadataFile | null>(20_000);
  private readonly names = new GenerationCache<number, { id: number; name: string }[]>();
  private readonly acl = new GenerationCache<number, number>();

  constructor(
    sqlite: Sqlite,
    readonly tracker: ChangeTracker,
  ) {
    this.q = {
      org: sqlite.prepare(
        `SELECT id, name, sync_integration AS syncIntegration, acl_changed_at AS aclChangedAt, packages_changed_at AS packagesChangedAt
         FROM organizations WHERE name = ?`,
      ),
      pkg: sqlite.prepare(`SELECT id, name, vcs_type AS vcsType FROM packages WHERE org_id = ? AND name = ?`),
      file: sqlite.prepare(`SELECT json, gzip, last_modified AS lastModified FROM metadata_files WHERE package_id = ? AND kind = ?`),
      names: sqlite.prepare(`SELECT id, name FROM packages WHERE org_id = ? AND name IS NOT NULL ORDER BY name`),
      userAcl: sqlite.prepare(`SELECT acl_changed_at AS t FROM users WHERE id = ?`),
      knownCommit: sqlite.prepare(
        `SELECT 1 FROM versions WHERE package_id = @p AND "commit" = @c
         UNION ALL SELECT 1 FROM manifest_cache WHERE package_id = @p AND "commit" = @c LIMIT 1`,
      ),
      countDownload: sqlite.prepare(
        `INSERT INTO downloads (package_id, normalized, day, count) VALUES (?, ?, ?, 1)
         ON CONFLICT (package_id, normalized, day) DO UPDATE SET count = count + 1`,
      ),
    };
  }

  org(name: string, gen = this.tracker.current()): OrgLookup | null {
    return this.orgs.get(gen, name, () => (this.q.org.get(name) as OrgLookup | undefined) ?? null);
  }

  package(orgId: number, name: string, gen = this.tracker.current()): PackageLookup | null {
    return this.packages.get(gen, `${orgId}:${name}`, () => (this.q.pkg.get(orgId, name) as PackageLookup | undefined) ?? null);
  }

  metadataFile(packageId: number, kind: 'tags' | 'dev', gen = this.tracker.current()): MetadataFile | null {
    return this.files.get(gen, `${packageId}:${kind}`, () => (this.q.file.get(packageId, kind) as MetadataFile | undefined) ?? null);
  }

  packageNames(orgId: number, gen = this.tracker.current()): { id: number; name: string }[] {
    return this.names.get(gen, orgId, () => this.q.names.all(orgId) as { id: number; name: string }[]);
  }

  userAclChangedAt(userId: number, gen = this.tracker.current()): number {
    return this.acl.get(gen, userId, () => (this.q.userAcl.get(userId) as { t: number } | undefined)?.t ?? 0);
  }

  /** A commit this package has published or scanned: the only ones a dist may be built for. */
  isKnownCommit(packageId: number, commit: string): boolean {
    return this.q.knownCommit.get({ p: packageId, c: commit }) !== undefined;
  }

  countDownload(packageId: number, normalized: string, day: string): void {
    this.q.countDownload.run(packageId, normalized, day);
  }
}
