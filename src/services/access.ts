// Loads the facts the policy needs for one principal in one organization (memberships and
// package grants) and lists the packages a principal may read.
import type { Sqlite } from '../db/client.js';
import { canReadAllPackages, type OrgFacts, type Principal } from '../domain/policy.js';
import { GenerationCache, type ChangeTracker } from './change-tracker.js';

export interface OrgRef {
  id: number;
  syncIntegration: string | null;
}

export class AccessReader {
  private readonly role;
  private readonly grants;
  private readonly cache = new GenerationCache<string, OrgFacts>();

  constructor(
    sqlite: Sqlite,
    private readonly tracker: ChangeTracker,
  ) {
    this.role = sqlite.prepare(`SELECT role FROM org_members WHERE org_id = ? AND user_id = ?`);
    this.grants = sqlite.prepare(
      `SELECT DISTINCT pa.package_id AS id FROM package_access pa JOIN packages p ON p.id = pa.package_id
       WHERE p.org_id = ? AND (pa.user_id = ? OR pa.team_id IN (SELECT team_id FROM team_members WHERE user_id = ?))`,
    );
  }

  facts(p: Principal, org: OrgRef, gen = this.tracker.current()): OrgFacts {
    const key = `${p.kind === 'token' ? `t${p.tokenId}` : p.kind === 'user' ? `u${p.userId}` : `s${p.name}`}:${org.id}`;
    return this.cache.get(gen, key, () => this.load(p, org));
  }

  private load(p: Principal, org: OrgRef): OrgFacts {
    const userId = p.kind === 'user' ? p.userId : p.kind === 'token' ? p.userId : null;
    const synced = org.syncIntegration !== null;
    if (userId === null) return { orgId: org.id, synced, role: null, grantedPackageIds: new Set() };
    const role = (this.role.get(org.id, userId) as { role: 'owner' | 'member' } | undefined)?.role ?? null;
    const base: OrgFacts = { orgId: org.id, synced, role, grantedPackageIds: new Set() };
    if (canReadAllPackages(p, base)) return base;
    const ids = (this.grants.all(org.id, userId, userId) as { id: number }[]).map((r) => r.id);
    return { ...base, grantedPackageIds: new Set(ids) };
  }
}
