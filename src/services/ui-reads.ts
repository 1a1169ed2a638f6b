// Read models for the web UI's pages: organizations, package rows (with search), a package's
// versions and skipped refs, the active update job, a user's tokens. Plain rows, no policy:
// the routes decide what may be seen (domain/policy.ts) and filter.
import type { Sqlite } from '../db/client.js';
import { packagistOrder } from '../composer/metadata.js';

export interface OrgSummary {
  id: number;
  name: string;
  syncIntegration: string | null;
  packages: number;
}

export interface PackageSummary {
  id: number;
  name: string | null;
  url: string;
  status: 'new' | 'ok' | 'error';
  lastUpdatedAt: number | null;
  description: string | null;
}

export interface PackageDetail extends PackageSummary {
  vcsType: 'git' | 'hg' | 'svn';
  forgeStatus: string | null;
  lastError: string | null;
  /** Its stable code (who may see a connection error's detail depends on it). */
  lastErrorCode: string | null;
  lastErrorAt: number | null;
  hasHook: boolean;
  /** In packagist.org's order: dev branches (the default branch first), then tags newest first. */
  versions: {
    version: string;
    normalized: string;
    isDev: boolean;
    /** The version of the repository's default branch (composer's "default-branch": true). */
    defaultBranch: boolean;
    stability: string;
    refKind: string;
    refName: string;
    commit: string;
    time: string | null;
    require: Record<string, string>;
  }[];
  skipped: { kind: string; name: string; commit: string; reason: string }[];
}

export interface TokenSummary {
  id: number;
  name: string;
  hint: string;
  scope: 'read' | 'update';
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

// The description shown is the default branch's, as composer takes the name from it (else the
// first version's). The version is found by id first and its JSON read once: ordering every
// version by "is the default branch" parsed all their JSON (versions_package_ref finds the branch).
const DESCRIPTION = `(SELECT json_extract(data, '$.description') FROM versions WHERE id = COALESCE(
  (SELECT v.id FROM versions v WHERE v.package_id = p.id AND v.ref_kind = 'branch' AND v.ref_name = p.default_branch ORDER BY v.position LIMIT 1),
  (SELECT v.id FROM versions v WHERE v.package_id = p.id ORDER BY v.position LIMIT 1)))`;

function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function stringRecord(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

export class UiReads {
  private readonly q;

  constructor(sqlite: Sqlite) {
    this.q = {
      orgs: sqlite.prepare(
        `SELECT o.id, o.name, o.sync_integration AS syncIntegration, (SELECT COUNT(*) FROM packages p WHERE p.org_id = o.id) AS packages
         FROM organizations o ORDER BY o.name`,
      ),
      packages: sqlite.prepare(
        `SELECT * FROM (SELECT p.id, p.name, p.url, p.status, p.last_updated_at AS lastUpdatedAt, ${DESCRIPTION} AS description
         FROM packages p WHERE p.org_id = @org) WHERE @q = '' OR name LIKE @like ESCAPE '\\' OR url LIKE @like ESCAPE '\\' OR description LIKE @like ESCAPE '\\'
         ORDER BY name IS NULL, name, url`,
      ),
      packageIds: sqlite.prepare(`SELECT id FROM packages WHERE org_id = ?`),
      pkg: sqlite.prepare(
        `SELECT p.id, p.name, p.url, p.status, p.last_updated_at AS lastUpdatedAt, ${DESCRIPTION} AS description, p.vcs_type AS vcsType,
           p.forge_status AS forgeStatus, p.last_error AS lastError, p.last_error_code AS lastErrorCode, p.last_error_at AS lastErrorAt, p.hook_token_hash IS NOT NULL AS hasHook
         FROM packages p WHERE p.org_id = ? AND p.name = ?`,
      ),
      versions: sqlite.prepare(
        `SELECT version, normalized, is_dev AS isDev, json_extract(data, '$."default-branch"') IS 1 AS defaultBranch, stability,
           ref_kind AS refKind, ref_name AS refName, "commit", time, json_extract(data, '$.require') AS require
         FROM versions WHERE package_id = ? ORDER BY position`,
      ),
      skipped: sqlite.prepare(`SELECT kind, name, "commit", skip_reason AS reason FROM package_refs WHERE package_id = ? AND skip_reason IS NOT NULL ORDER BY kind DESC, name`),
      activeJob: sqlite.prepare(`SELECT id FROM jobs WHERE lock_key = ? AND status IN ('queued', 'running') ORDER BY id DESC LIMIT 1`),
      tokens: sqlite.prepare(
        `SELECT id, name, hint, scope, created_at AS createdAt, expires_at AS expiresAt, last_used_at AS lastUsedAt, revoked_at AS revokedAt
         FROM tokens WHERE user_id = ? AND org_id = ? ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC`,
      ),
    };
  }

  orgs(): OrgSummary[] {
    return this.q.orgs.all() as OrgSummary[];
  }

  packages(orgId: number, q = ''): PackageSummary[] {
    const term = q.trim().toLowerCase();
    return this.q.packages.all({ org: orgId, q: term, like: likePattern(term) }) as PackageSummary[];
  }

  /** The ids of an organization's packages (for counting what a user may read). */
  packageIds(orgId: number): number[] {
    return (this.q.packageIds.all(orgId) as { id: number }[]).map((r) => r.id);
  }

  package(orgId: number, name: string): PackageDetail | null {
    const row = this.q.pkg.get(orgId, name.toLowerCase()) as (Omit<PackageDetail, 'versions' | 'skipped' | 'hasHook'> & { hasHook: number }) | undefined;
    if (!row) return null;
    type Row = Omit<PackageDetail['versions'][number], 'require' | 'isDev' | 'defaultBranch'> & { require: string | null; isDev: number; defaultBranch: number };
    const versions = packagistOrder(
      (this.q.versions.all(row.id) as Row[]).map((v) => ({
        ...v,
        isDev: v.isDev === 1,
        defaultBranch: v.defaultBranch === 1,
        require: stringRecord(v.require ? JSON.parse(v.require) : null),
      })),
    );
    const skipped = this.q.skipped.all(row.id) as PackageDetail['skipped'];
    return { ...row, hasHook: row.hasHook === 1, versions, skipped };
  }

  /** The newest queued or running update job of a package. */
  activeUpdateJob(packageId: number): number | null {
    return (this.q.activeJob.get(`package:${packageId}`) as { id: number } | undefined)?.id ?? null;
  }

  tokens(userId: number, orgId: number): TokenSummary[] {
    return this.q.tokens.all(userId, orgId) as TokenSummary[];
  }
}
