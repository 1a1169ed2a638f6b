// Organizations and their members: create (from the CLI, the UI or the config file, synced with a
// forge or not), look up, add and remove members, delete, and apply the config file's organizations at start-up.
import { and, eq, inArray } from 'drizzle-orm';
import cron from 'node-cron';
import type { Db, Tx } from '../db/client.js';
import { organizations, orgMembers, packageAccess, packages, teamMembers, teams, users } from '../db/schema.js';
import { writeAudit } from '../db/repos/audit.js';
import { AppError } from '../domain/errors.js';
import { validateOrgName } from '../domain/orgs.js';
import type { Config, OrganizationConfig } from '../config/schema.js';
import type { JobQueue } from '../jobs/queue.js';
import { requestSync } from '../jobs/requests.js';

export type OrgRow = typeof organizations.$inferSelect;

/**
 * What the organization writes that touch the sync schedule need (compose.ts's Deps has them):
 * the configured integrations to check a sync against, and the running schedule to reload
 * (jobs/schedule.ts's Schedules; a no-op in the CLI).
 */
export interface OrgWriteDeps {
  db: Db;
  queue: JobQueue;
  config: Pick<Config, 'integrations'>;
  schedules: { reload(): void };
}

export function findOrg(db: Tx, name: string): OrgRow | null {
  return db.select().from(organizations).where(eq(organizations.name, name)).get() ?? null;
}

export function getOrg(db: Tx, name: string): OrgRow {
  const org = findOrg(db, name);
  if (!org) throw new AppError('ORG_NOT_FOUND', `organization "${name}" does not exist`, { org: name });
  return org;
}

/** What a synced organization is synced with; settings left out take ORG_SYNC_DEFAULT_SETTINGS. */
export interface OrgSyncInput {
  integration: string;
  source: string;
  schedule?: string;
  autoAddPackages?: boolean;
  installWebhooks?: boolean;
}

function syncColumns(sync: OrgSyncInput | undefined) {
  return {
    syncIntegration: sync?.integration ?? null,
    syncSource: sync?.source ?? null,
    syncSchedule: sync?.schedule ?? null,
    syncAutoAddPackages: sync?.autoAddPackages ?? null,
    syncInstallWebhooks: sync?.installWebhooks ?? null,
  };
}

export function createOrg(
  db: Tx,
  name: string,
  actor: string,
  opts: { fromConfig?: boolean; sync?: OrgSyncInput; ownerUserId?: number } = {},
): OrgRow {
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
        ...syncColumns(opts.sync),
        aclChangedAt: now,
        packagesChangedAt: now,
        createdAt: now,
      })
      .returning()
      .get();
    const details = opts.sync ? { sync: { ...opts.sync } } : undefined;
    writeAudit(tx, { orgId: org.id, actor, action: 'org.create', target: name, ...(details ? { details } : {}) });
    if (opts.ownerUserId !== undefined) {
      const owner = tx.select().from(users).where(eq(users.id, opts.ownerUserId)).get();
      if (owner) {
        tx.insert(orgMembers).values({ orgId: org.id, userId: owner.id, role: 'owner', source: 'local', createdAt: now }).run();
        tx.update(users).set({ aclChangedAt: now }).where(eq(users.id, owner.id)).run();
        writeAudit(tx, { orgId: org.id, actor, action: 'member.add', target: owner.login, details: { role: 'owner' } });
      }
    }
    return org;
  });
}

export type SyncField = 'integration' | 'source' | 'schedule';

/** Why `input` cannot be an organization's sync settings, and which field is wrong (null when it can). */
export function syncInputProblem(integrations: readonly { id: string }[], input: OrgSyncInput): { field: SyncField; message: string } | null {
  if (!integrations.some((i) => i.id === input.integration)) {
    const known = integrations.map((i) => i.id);
    return { field: 'integration', message: `unknown integration "${input.integration}" (${known.length ? `configured: ${known.join(', ')}` : 'no integration is configured'})` };
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._\/,-]{0,199}$/.test(input.source)) {
    return { field: 'source', message: `source "${input.source}" must name what to sync on the forge (an organization, a group path or project keys): letters, digits and . _ - / ,` };
  }
  if (input.schedule !== undefined && !cron.validate(input.schedule)) {
    return { field: 'schedule', message: `schedule "${input.schedule}" is not a valid cron expression (e.g. "*/15 * * * *")` };
  }
  return null;
}

/**
 * Creates an organization for the CLI and the UI: an unsynced one gets `owner` as its owner; a
 * synced one gets its owners from the forge, its first sync queued, and a cron schedule in the
 * running server (deps.schedules).
 */
export function createOrganization(
  deps: OrgWriteDeps,
  input: { name: string; sync?: OrgSyncInput; ownerUserId?: number },
  actor: string,
): { org: OrgRow; syncJobId: number | null } {
  const bad = validateOrgName(input.name);
  if (bad) throw new AppError('ORG_NAME_INVALID', bad, { org: input.name });
  if (input.sync) {
    const problem = syncInputProblem(deps.config.integrations, input.sync);
    if (problem) throw new AppError('ORG_SYNC_INVALID', problem.message, { org: input.name, field: problem.field });
  }
  const org = createOrg(deps.db, input.name, actor, {
    ...(input.sync ? { sync: input.sync } : {}),
    ...(!input.sync && input.ownerUserId !== undefined ? { ownerUserId: input.ownerUserId } : {}),
  });
  const syncJobId = input.sync ? requestSync(deps.queue, org.name, actor).job.id : null;
  deps.schedules.reload();
  return { org, syncJobId };
}

/**
 * Changes the sync settings of an organization created in the UI or the CLI (a config-file
 * organization takes them from the config file), audited; the running schedule follows at once.
 */
export function updateOrgSyncSettings(
  deps: Pick<OrgWriteDeps, 'db' | 'config' | 'schedules'>,
  orgName: string,
  settings: { schedule: string; autoAddPackages: boolean; installWebhooks: boolean },
  actor: string,
): void {
  deps.db.transaction((tx) => {
    const org = getOrg(tx, orgName);
    if (!org.syncIntegration || !org.syncSource) throw new AppError('BAD_REQUEST', `organization "${orgName}" is not synced with a forge`, { org: orgName });
    if (org.fromConfig) {
      throw new AppError('ORG_SYNC_INVALID', `the sync settings of "${orgName}" come from the config file (organizations[].sync); change them there`, { org: orgName });
    }
    const problem = syncInputProblem(deps.config.integrations, { integration: org.syncIntegration, source: org.syncSource, schedule: settings.schedule });
    if (problem) throw new AppError('ORG_SYNC_INVALID', problem.message, { org: orgName, field: problem.field });
    tx.update(organizations)
      .set({ syncSchedule: settings.schedule, syncAutoAddPackages: settings.autoAddPackages, syncInstallWebhooks: settings.installWebhooks })
      .where(eq(organizations.id, org.id))
      .run();
    writeAudit(tx, { orgId: org.id, actor, action: 'org.sync-settings', target: orgName, details: { ...settings } });
  });
  deps.schedules.reload();
}

/**
 * Creates or updates the organizations the config file declares (never deletes others): the
 * config stays the source of truth of their sync settings, written into their rows here.
 */
export function ensureConfigOrgs(db: Tx, orgs: readonly OrganizationConfig[]): void {
  for (const o of orgs) {
    const existing = findOrg(db, o.name);
    const sync: OrgSyncInput | undefined = o.sync
      ? { integration: o.sync.integration, source: o.sync.source, schedule: o.sync.schedule, autoAddPackages: o.sync.auto_add_packages, installWebhooks: o.sync.install_webhooks }
      : undefined;
    if (!existing) {
      createOrg(db, o.name, 'config', { fromConfig: true, ...(sync ? { sync } : {}) });
      continue;
    }
    const want = syncColumns(sync);
    const aclMoves = existing.syncIntegration !== want.syncIntegration || existing.syncSource !== want.syncSource || !existing.fromConfig;
    const settingsMove = existing.syncSchedule !== want.syncSchedule || existing.syncAutoAddPackages !== want.syncAutoAddPackages
      || existing.syncInstallWebhooks !== want.syncInstallWebhooks;
    if (aclMoves || settingsMove) {
      db.update(organizations)
        .set({ ...want, fromConfig: true, ...(aclMoves ? { aclChangedAt: Date.now() } : {}) })
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

/** The user's role in the organization, or null when they are not a member (or do not exist). */
export function memberRole(db: Tx, orgId: number, login: string): 'owner' | 'member' | null {
  const row = db.select({ role: orgMembers.role }).from(orgMembers).innerJoin(users, eq(users.id, orgMembers.userId))
    .where(and(eq(orgMembers.orgId, orgId), eq(users.login, login))).get();
  return row?.role ?? null;
}

/**
 * Removes a member of an unsynced organization (a synced one takes its members from the forge),
 * with their team places and grants there; the last owner stays. Their user tokens narrowed to
 * this organization read nothing from then on.
 */
export function removeOrgMember(db: Tx, orgName: string, login: string, actor: string): void {
  db.transaction((tx) => {
    const org = getOrg(tx, orgName);
    if (org.syncIntegration) {
      throw new AppError('ORG_SYNCED', `organization "${orgName}" takes its members from ${org.syncIntegration}; remove ${login} there`, { org: orgName });
    }
    const user = tx.select().from(users).where(eq(users.login, login)).get();
    if (!user) throw new AppError('USER_NOT_FOUND', `user "${login}" does not exist`, { login });
    const member = tx.select().from(orgMembers).where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id))).get();
    if (!member) throw new AppError('NOT_FOUND', `user "${login}" is not a member of "${orgName}"`, { org: orgName, login });
    if (member.role === 'owner') {
      const owners = tx.select({ userId: orgMembers.userId }).from(orgMembers).where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.role, 'owner'))).all();
      if (owners.length <= 1) {
        throw new AppError('ORG_LAST_OWNER', `"${login}" is the last owner of "${orgName}"; make another member owner first (packyard org member add ${orgName} LOGIN --role owner)`, { org: orgName, login });
      }
    }
    const now = Date.now();
    tx.delete(orgMembers).where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, user.id))).run();
    const orgTeams = tx.select({ id: teams.id }).from(teams).where(eq(teams.orgId, org.id)).all().map((r) => r.id);
    if (orgTeams.length) tx.delete(teamMembers).where(and(eq(teamMembers.userId, user.id), inArray(teamMembers.teamId, orgTeams))).run();
    const orgPackages = tx.select({ id: packages.id }).from(packages).where(eq(packages.orgId, org.id)).all().map((r) => r.id);
    if (orgPackages.length) tx.delete(packageAccess).where(and(eq(packageAccess.userId, user.id), inArray(packageAccess.packageId, orgPackages))).run();
    tx.update(users).set({ aclChangedAt: now }).where(eq(users.id, user.id)).run();
    tx.update(organizations).set({ aclChangedAt: now }).where(eq(organizations.id, org.id)).run();
    writeAudit(tx, { orgId: org.id, actor, action: 'member.remove', target: login, details: { role: member.role } });
  });
}

/**
 * Deletes an organization (an instance admin's action) with its packages, members, teams,
 * credentials and tokens; its audit rows stay. Mirrors and dists on disk go at the next
 * housekeeping. Config-file organizations would come back at the next start: they are refused.
 */
export function deleteOrganization(deps: Pick<OrgWriteDeps, 'db' | 'schedules'>, orgName: string, actor: string): { packages: number } {
  const removed = deps.db.transaction((tx) => {
    const org = getOrg(tx, orgName);
    if (org.fromConfig) {
      throw new AppError('ORG_FROM_CONFIG', `organization "${orgName}" is declared in the config file (organizations[]); remove it there first, then delete it`, { org: orgName });
    }
    const count = tx.select({ id: packages.id }).from(packages).where(eq(packages.orgId, org.id)).all().length;
    tx.delete(organizations).where(eq(organizations.id, org.id)).run();
    // An instance-wide row (org_id null): the organization's own audit page is gone with it.
    writeAudit(tx, { orgId: null, actor, action: 'org.delete', target: orgName, details: { id: org.id, packages: count, synced: org.syncIntegration ?? false } });
    return count;
  });
  deps.schedules.reload();
  return { packages: removed };
}
