// Reads behind the organization's admin pages (add package, teams, settings, activity, audit):
// plain rows from SQLite, no authorization (the routes decide with can()).
import type { Sqlite } from '../db/client.js';
import type { JobRow } from '../jobs/queue.js';
import { auditRefs, nameAuditRow, type AuditNames, type NamedAuditRow, type RawAuditRow } from './audit-names.js';
import type { DeliveryTargets } from '../domain/deliveries.js';

export interface CredentialOption {
  name: string;
  type: string;
  /** The hosts it is bound to (empty: bound to the first package's host when attached). */
  hosts: string[];
}

export interface UnaddedRepo {
  fullName: string;
  composer: 'yes' | 'no' | 'unknown' | 'ignored';
  archived: boolean;
  visibility: string;
}

export interface TeamView {
  id: number;
  slug: string;
  name: string;
  parentId: number | null;
  /** The forge's id of the team a sync made (null for a team made by hand). */
  externalId: string | null;
  synced: boolean;
  members: { login: string; role: 'maintainer' | 'member' }[];
  packages: { packageId: number; name: string | null; url: string; permission: string; source: 'local' | 'sync' }[];
}

export interface OrgMemberView {
  login: string;
  role: 'owner' | 'member';
  source: 'local' | 'sync';
}

export interface DeliveryView {
  id: number;
  deliveryId: string;
  event: string;
  action: string | null;
  receivedAt: number;
  status: 'accepted' | 'ignored' | 'rejected' | 'failed';
  outcome: string;
  /** What it queued; null for deliveries logged before migration 0006. */
  targets: DeliveryTargets | null;
}

type DeliveryRow = Omit<DeliveryView, 'targets'> & { targets: string | null };

function deliveryView(row: DeliveryRow): DeliveryView {
  let targets: DeliveryTargets | null = null;
  try {
    targets = row.targets === null ? null : (JSON.parse(row.targets) as DeliveryTargets);
  } catch {
    targets = null;
  }
  return { ...row, targets };
}

export type AuditRow = RawAuditRow;

/** The package an import job is for (only when it belongs to the organization). */
export interface ImportPackage {
  id: number;
  name: string | null;
  url: string;
  lastError: string | null;
  lastErrorCode: string | null;
}

/** Job rows of the activity page, with the package name when the job is a package's. */
export interface ActivityJob extends Pick<JobRow, 'id' | 'type' | 'status' | 'trigger' | 'createdAt' | 'startedAt' | 'finishedAt' | 'error'> {
  packageName: string | null;
  packageUrl: string | null;
}

export class OrgAdminReads {
  private readonly q;

  constructor(sqlite: Sqlite) {
    this.q = {
      credentials: sqlite.prepare(`SELECT name, type, hosts FROM credentials WHERE org_id = ? ORDER BY name`),
      unadded: sqlite.prepare(
        `SELECT full_name AS fullName, composer, archived, visibility FROM forge_repos
         WHERE org_id = ? AND package_id IS NULL AND deleted_at IS NULL ORDER BY composer = 'yes' DESC, lower(full_name)`,
      ),
      teams: sqlite.prepare(`SELECT id, slug, name, parent_id AS parentId, external_id AS externalId, external_id IS NOT NULL AS synced FROM teams WHERE org_id = ? ORDER BY lower(name), id`),
      teamMembers: sqlite.prepare(
        `SELECT tm.team_id AS teamId, u.login, tm.role FROM team_members tm JOIN teams t ON t.id = tm.team_id JOIN users u ON u.id = tm.user_id
         WHERE t.org_id = ? ORDER BY u.login`,
      ),
      teamAccess: sqlite.prepare(
        `SELECT pa.team_id AS teamId, p.id AS packageId, p.name, p.url, pa.permission, pa.source FROM package_access pa
         JOIN packages p ON p.id = pa.package_id WHERE p.org_id = ? AND pa.team_id IS NOT NULL ORDER BY p.name IS NULL, p.name, p.url`,
      ),
      members: sqlite.prepare(
        `SELECT u.login, m.role, m.source FROM org_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? ORDER BY m.role = 'owner' DESC, u.login`,
      ),
      // The unary + keeps SQLite off jobs_lock_key here: walking jobs newest first and stopping
      // at the 50th match beats fetching every job of 500 packages' keys and sorting them.
      jobs: sqlite.prepare(
        `SELECT j.id, j.type, j.status, j.trigger, j.created_at AS createdAt, j.started_at AS startedAt, j.finished_at AS finishedAt, j.error,
           p.name AS packageName, p.url AS packageUrl
         FROM jobs j LEFT JOIN packages p ON j.lock_key LIKE 'package:%' AND p.id = CAST(substr(j.lock_key, 9) AS INTEGER)
         WHERE +j.lock_key = 'sync:' || @org OR +j.lock_key IN (SELECT 'package:' || id FROM packages WHERE org_id = @orgId)
         ORDER BY j.id DESC LIMIT @limit`,
      ),
      job: sqlite.prepare(`SELECT id FROM jobs WHERE id = ? AND lock_key = ?`),
      activeSync: sqlite.prepare(`SELECT id FROM jobs WHERE lock_key = ? AND status IN ('queued', 'running') ORDER BY id DESC LIMIT 1`),
      deliveries: sqlite.prepare(
        `SELECT id, delivery_id AS deliveryId, event, action, received_at AS receivedAt, status, outcome, targets FROM deliveries
         WHERE integration = ? ORDER BY received_at DESC, id DESC LIMIT ?`,
      ),
      delivery: sqlite.prepare(
        `SELECT id, delivery_id AS deliveryId, event, action, received_at AS receivedAt, status, outcome, targets FROM deliveries WHERE integration = ? AND id = ?`,
      ),
      repoOfOrg: sqlite.prepare(`SELECT 1 FROM forge_repos WHERE org_id = ? AND lower(full_name) = lower(?)`),
      orgsOfIntegration: sqlite.prepare(`SELECT COUNT(*) AS n FROM organizations WHERE sync_integration = ?`),
      repoPackage: sqlite.prepare(
        `SELECT package_id AS packageId FROM forge_repos WHERE org_id = ? AND lower(full_name) = lower(?) AND package_id IS NOT NULL`,
      ),
      audit: sqlite.prepare(
        `SELECT id, at, actor, action, target, details FROM audit_log WHERE org_id = @orgId AND id < @before
         ORDER BY id DESC LIMIT @limit`,
      ),
      // The names an audit page needs, one query per kind for the whole page (json_each: the ids as a JSON array).
      auditTeams: sqlite.prepare(`SELECT external_id AS ext, name FROM teams WHERE org_id = ? AND external_id IN (SELECT value FROM json_each(?))`),
      auditUsers: sqlite.prepare(
        `SELECT i.external_id AS ext, u.login FROM identities i JOIN users u ON u.id = i.user_id
         WHERE i.integration = ? AND i.external_id IN (SELECT value FROM json_each(?))`,
      ),
      auditRepos: sqlite.prepare(`SELECT external_id AS ext, full_name AS fullName FROM forge_repos WHERE org_id = ? AND external_id IN (SELECT value FROM json_each(?))`),
      auditPackages: sqlite.prepare(`SELECT id, name, url FROM packages WHERE org_id = ? AND id IN (SELECT value FROM json_each(?))`),
      importPackage: sqlite.prepare(`SELECT id, name, url, last_error AS lastError, last_error_code AS lastErrorCode FROM packages WHERE id = ? AND org_id = ?`),
      identities: sqlite.prepare(`SELECT i.external_id AS ext, u.login FROM identities i JOIN users u ON u.id = i.user_id WHERE i.integration = ?`),
      teamsByExt: sqlite.prepare(`SELECT external_id AS ext, slug FROM teams WHERE org_id = ? AND external_id IS NOT NULL`),
      reposByExt: sqlite.prepare(`SELECT external_id AS ext, full_name AS fullName FROM forge_repos WHERE org_id = ?`),
      access: sqlite.prepare(
        `SELECT pa.id, p.name, p.url, t.slug AS team, u.login AS user FROM package_access pa JOIN packages p ON p.id = pa.package_id
         LEFT JOIN teams t ON t.id = pa.team_id LEFT JOIN users u ON u.id = pa.user_id WHERE p.org_id = ?`,
      ),
    };
  }

  credentials(orgId: number): CredentialOption[] {
    return (this.q.credentials.all(orgId) as { name: string; type: string; hosts: string }[]).map((c) => ({ ...c, hosts: JSON.parse(c.hosts) as string[] }));
  }

  unaddedRepos(orgId: number): UnaddedRepo[] {
    return (this.q.unadded.all(orgId) as (Omit<UnaddedRepo, 'archived'> & { archived: number })[]).map((r) => ({ ...r, archived: Boolean(r.archived) }));
  }

  teams(orgId: number): TeamView[] {
    const teams = (this.q.teams.all(orgId) as (Omit<TeamView, 'members' | 'packages' | 'synced'> & { synced: number })[]).map(
      (t): TeamView => ({ ...t, synced: Boolean(t.synced), members: [], packages: [] }),
    );
    const byId = new Map(teams.map((t) => [t.id, t]));
    for (const m of this.q.teamMembers.all(orgId) as { teamId: number; login: string; role: 'maintainer' | 'member' }[]) {
      byId.get(m.teamId)?.members.push({ login: m.login, role: m.role });
    }
    for (const a of this.q.teamAccess.all(orgId) as (TeamView['packages'][number] & { teamId: number })[]) {
      byId.get(a.teamId)?.packages.push({ packageId: a.packageId, name: a.name, url: a.url, permission: a.permission, source: a.source });
    }
    return teams;
  }

  members(orgId: number): OrgMemberView[] {
    return this.q.members.all(orgId) as OrgMemberView[];
  }

  jobs(orgId: number, orgName: string, limit = 50): ActivityJob[] {
    return this.q.jobs.all({ org: orgName, orgId, limit }) as ActivityJob[];
  }

  /** Whether job `id` is this organization's sync job. */
  isSyncJob(id: number, orgName: string): boolean {
    return this.q.job.get(id, `sync:${orgName}`) !== undefined;
  }

  /** The organization's queued or running sync job, if any. */
  activeSyncJob(orgName: string): number | null {
    return (this.q.activeSync.get(`sync:${orgName}`) as { id: number } | undefined)?.id ?? null;
  }

  deliveries(integration: string, limit = 50): DeliveryView[] {
    return (this.q.deliveries.all(integration, limit) as DeliveryRow[]).map(deliveryView);
  }

  delivery(integration: string, id: number): DeliveryView | null {
    const row = this.q.delivery.get(integration, id) as DeliveryRow | undefined;
    return row === undefined ? null : deliveryView(row);
  }

  /** Whether `fullName` is a repository of this organization's forge listing. */
  isOrgRepo(orgId: number, fullName: string): boolean {
    return this.q.repoOfOrg.get(orgId, fullName) !== undefined;
  }

  /** How many organizations sync from `integration`. */
  orgsSyncingFrom(integration: string): number {
    return (this.q.orgsOfIntegration.get(integration) as { n: number }).n;
  }

  /** The package of a forge repository of this organization (by owner/name), if it is one. */
  packageOfRepo(orgId: number, fullName: string): number | null {
    return (this.q.repoPackage.get(orgId, fullName) as { packageId: number } | undefined)?.packageId ?? null;
  }

  /** Audit rows newest first; `before` is the last id of the previous page. */
  audit(orgId: number, before: number | null, limit: number): AuditRow[] {
    // A plain range (no "IS NULL OR") so that every page is a seek in audit_log_org_id.
    return this.q.audit.all({ orgId, before: before ?? Number.MAX_SAFE_INTEGER, limit }) as AuditRow[];
  }

  /**
   * One page of audit rows with names in place of ids (teams, users, repositories, packages):
   * the ids of the whole page are looked up with one query per kind.
   */
  namedAudit(orgId: number, integration: string | null, before: number | null, limit: number): NamedAuditRow[] {
    const rows = this.audit(orgId, before, limit);
    const refs = auditRefs(rows);
    const json = (ids: Iterable<string | number>) => JSON.stringify([...ids]);
    const names: AuditNames = {
      teams: new Map(refs.teams.size ? (this.q.auditTeams.all(orgId, json(refs.teams)) as { ext: string; name: string }[]).map((r) => [r.ext, r.name]) : []),
      users: new Map(refs.users.size && integration !== null
        ? (this.q.auditUsers.all(integration, json(refs.users)) as { ext: string; login: string }[]).map((r) => [r.ext, r.login])
        : []),
      repos: new Map(refs.repos.size ? (this.q.auditRepos.all(orgId, json(refs.repos)) as { ext: string; fullName: string }[]).map((r) => [r.ext, r.fullName]) : []),
      packages: new Map(refs.packages.size
        ? (this.q.auditPackages.all(orgId, json(refs.packages)) as { id: number; name: string | null; url: string }[]).map((r) => [r.id, { name: r.name, url: r.url }])
        : []),
    };
    return rows.map((r) => nameAuditRow(r, names));
  }

  /** The package of an import job's lock key ("package:ID"), when it is this organization's. */
  importPackage(orgId: number, lockKey: string): ImportPackage | null {
    const m = /^package:(\d{1,12})$/.exec(lockKey);
    if (!m) return null;
    return (this.q.importPackage.get(Number(m[1]), orgId) as ImportPackage | undefined) ?? null;
  }

  /** What the database knows to name forge ids in a sync plan. */
  names(orgId: number, integration: string) {
    const users = new Map((this.q.identities.all(integration) as { ext: string; login: string }[]).map((r) => [r.ext, r.login]));
    const teams = new Map((this.q.teamsByExt.all(orgId) as { ext: string; slug: string }[]).map((r) => [r.ext, r.slug]));
    const repos = new Map((this.q.reposByExt.all(orgId) as { ext: string; fullName: string }[]).map((r) => [r.ext, r.fullName]));
    const access = new Map(
      (this.q.access.all(orgId) as { id: number; name: string | null; url: string; team: string | null; user: string | null }[]).map((r) => [r.id, r]),
    );
    return { users, teams, repos, access };
  }
}
