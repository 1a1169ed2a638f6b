// Organizations and their members: create, look up, add members, and apply the config file's
// organizations at start-up.
import { and, eq } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { organizations, orgMembers, users } from '../db/schema.js';
import { writeAudit } from '../db/repos/audit.js';
import { AppError } from '../domain/errors.js';
import { validateOrgName } from '../domain/orgs.js';
import type { OrganizationConfig } from '../config/schema.js';

export type OrgRow = typeof organizations.$inferSelect;

export function findOrg(db: Tx, name: string): OrgRow | null {
  return db.select().from(organizations).where(eq(organizations.name, name)).get() ?? null;
}

export function getOrg(db: Tx, name: string): OrgRow {
  const org = findOrg(db, name);
  if (!org) throw new AppError('ORG_NOT_FOUND', `organization "${name}" does not exist`, { org: name });
  return org;
}

export function createOrg(db: Tx, name: string, actor: string, opts: { fromConfig?: boolean; sync?: { integration: string; source: string } } = {}): OrgRow {
  const bad = validateOrgName(name);
  if (bad) throw new AppError('ORG_NAME_INVALID', bad, { org: name });
  return db.transaction((tx) => {
    if (findOrg(tx, name)) throw new AppError('ORG_EXISTS', `organization "${name}" already exists`, { org: name });
    const now = Date.now();
    const org = tx
      .insert(organizations)
      .values({
        name,
        fromConfig: opts.fromConfig ?? false,
        syncIntegration: opts.sync?.integration ?? null,
        syncSource: opts.sync?.source ?? null,
        aclChangedAt: now,
        packagesChangedAt: now,
        createdAt: now,
      })
      .returning()
      .get();
    writeAudit(tx, { orgId: org.id, actor, action: 'org.create', target: name });
    return org;
  });
}

/** Creates or updates the organizations the config file declares (never deletes others). */
export function ensureConfigOrgs(db: Tx, orgs: readonly OrganizationConfig[]): void {
  for (const o of orgs) {
    const existing = findOrg(db, o.name);
    const sync = o.sync ? { integration: o.sync.integration, source: o.sync.source } : undefined;
    if (!existing) {
      createOrg(db, o.name, 'config', { fromConfig: true, ...(sync ? { sync } : {}) });
      continue;
    }
    if (existing.syncIntegration !== (sync?.integration ?? null) || existing.syncSource !== (sync?.source ?? null) || !existing.fromConfig) {
      db.update(organizations)
        .set({ syncIntegration: sync?.integration ?? null, syncSource: sync?.source ?? null, fromConfig: true, aclChangedAt: Date.now() })
        .where(eq(organizations.id, existing.id))
        .run();
    }
  }
}

export function addOrgMember(db: Tx, orgName: string, login: string, role: 'owner' | 'member', actor: string): void {
  db.transaction((tx) => {
    const org = getOrg(tx, orgName);
    if (org.syncIntegration) {
      throw new AppError('ORG_SYNCED', `organization "${orgName}" takes its members from ${org.syncIntegration}; change them there`, { org: orgName });
    }
    const user = tx.select().from(users).where(eq(users.login, login)).get();
    if (!user) throw new AppError('USER_NOT_FOUND', `user "${login}" does not exist (create it with: packyard user create ${login})`, { login });
    const now = Date.now();
    const existing = tx.select().from(orgMembers).where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id))).get();
    if (existing) {
      tx.update(orgMembers).set({ role }).where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id))).run();
    } else {
      tx.insert(orgMembers).values({ orgId: org.id, userId: user.id, role, source: 'local', createdAt: now }).run();
    }
    tx.update(users).set({ aclChangedAt: now }).where(eq(users.id, user.id)).run();
    tx.update(organizations).set({ aclChangedAt: now }).where(eq(organizations.id, org.id)).run();
    writeAudit(tx, { orgId: org.id, actor, action: existing ? 'member.role' : 'member.add', target: login, details: { role } });
  });
}
