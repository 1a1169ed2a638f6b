// Reconciliation, the database part: reads what Packyard holds for a synced organization and
// applies a plan in one transaction, with an audit row for every grant, revoke and membership
// change. Nothing here talks to the forge.
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { Tx } from '../db/client.js';
import { writeAudit } from '../db/repos/audit.js';
import { forgeRepos, identities, organizations, orgMembers, packageAccess, packages, teamMembers, teams, users } from '../db/schema.js';
import { composerCheckMark, type CurrentState, type Plan } from './plan.js';
import { hashHookToken } from '../domain/hook-tokens.js';

export function loadCurrentState(db: Tx, orgId: number, integration: string): CurrentState {
  const ids = db.select({ userId: identities.userId, externalId: identities.externalId, login: users.login })
    .from(identities).innerJoin(users, eq(users.id, identities.userId))
    .where(eq(identities.integration, integration)).all();
  const byUserId = new Map(ids.map((r) => [r.userId, r.externalId] as const));
  const state: CurrentState = {
    users: new Map(ids.map((r) => [r.externalId, { userId: r.userId, login: r.login }])),
    takenLogins: new Set(db.select({ login: users.login }).from(users).all().map((r) => r.login)),
    members: new Map(),
    localMemberUserIds: new Set(),
    teams: new Map(),
    teamMembers: new Map(),
    repos: new Map(),
    grants: new Map(),
    packagesByUrl: new Map(),
  };
  for (const m of db.select().from(orgMembers).where(eq(orgMembers.orgId, orgId)).all()) {
    const ext = byUserId.get(m.userId);
    if (m.source === 'sync' && ext !== undefined) state.members.set(ext, { userId: m.userId, role: m.role });
    else state.localMemberUserIds.add(m.userId);
  }
  const teamRows = db.select().from(teams).where(and(eq(teams.orgId, orgId), isNotNull(teams.externalId))).all();
  const teamExtById = new Map(teamRows.map((t) => [t.id, t.externalId as string] as const));
  for (const t of teamRows) {
    const parentExt = t.parentId === null ? null : (teamExtById.get(t.parentId) ?? null);
    state.teams.set(t.externalId as string, { teamId: t.id, slug: t.slug, name: t.name, parentExternalId: parentExt });
  }
  if (teamRows.length > 0) {
    for (const tm of db.select().from(teamMembers).where(inArray(teamMembers.teamId, teamRows.map((t) => t.id))).all()) {
      const ext = byUserId.get(tm.userId);
      const teamExt = teamExtById.get(tm.teamId);
      if (ext !== undefined && teamExt !== undefined) state.teamMembers.set(`${teamExt}\t${ext}`, tm.role);
    }
  }
  const repoRows = db.select().from(forgeRepos).where(eq(forgeRepos.orgId, orgId)).all();
  const repoExtByPackage = new Map<number, string>();
  for (const r of repoRows) {
    state.repos.set(r.externalId, {
      fullName: r.fullName, packageId: r.packageId, archived: r.archived, deleted: r.deletedAt !== null, cloneUrl: r.cloneUrl,
      defaultBranch: r.defaultBranch, composer: r.composer, composerCheckedAt: r.composerCheckedAt, pushedAt: r.pushedAt,
    });
    if (r.packageId !== null) repoExtByPackage.set(r.packageId, r.externalId);
  }
  const pkgRows = db.select({ id: packages.id, url: packages.url }).from(packages).where(eq(packages.orgId, orgId)).all();
  for (const p of pkgRows) state.packagesByUrl.set(p.url, p.id);
  if (pkgRows.length > 0) {
    const access = db.select().from(packageAccess)
      .where(and(eq(packageAccess.source, 'sync'), inArray(packageAccess.packageId, pkgRows.map((p) => p.id)))).all();
    for (const a of access) {
      const repoExt = repoExtByPackage.get(a.packageId);
      if (repoExt === undefined) continue;
      const subject = a.teamId !== null ? `team:${teamExtById.get(a.teamId) ?? ''}` : `user:${a.userId !== null ? (byUserId.get(a.userId) ?? '') : ''}`;
      state.grants.set(`${subject}\t${repoExt}`, { accessId: a.id, label: a.permission });
    }
  }
  return state;
}

export interface ApplyResult {
  /** Packages this run created (their first import is to be queued). */
  newPackageIds: number[];
  /** Packages whose URL changed (a renamed or transferred repository): update them. */
  movedPackageIds: number[];
}

/** Applies `plan` in the caller's transaction. `actor` names the run in the audit log. */
export function applyPlan(tx: Tx, org: { id: number; name: string }, integration: string, plan: Plan, current: CurrentState, actor: string): ApplyResult {
  const now = Date.now();
  const audit = (action: string, target: string, details?: Record<string, unknown>) =>
    writeAudit(tx, { orgId: org.id, actor, action, target, ...(details ? { details } : {}) }, now);

  const userIdByExt = new Map<string, number>([...current.users].map(([ext, u]) => [ext, u.userId]));
  const loginByExt = new Map<string, string>([...current.users].map(([ext, u]) => [ext, u.login]));
  for (const u of plan.usersToCreate) {
    const row = tx.insert(users).values({ login: u.newLogin, name: u.name ?? null, email: u.email ?? null, aclChangedAt: now, createdAt: now }).returning({ id: users.id }).get();
    tx.insert(identities).values({ userId: row.id, integration, externalId: u.id, login: u.login, createdAt: now }).run();
    userIdByExt.set(u.id, row.id);
    loginByExt.set(u.id, u.newLogin);
    audit('user.create', u.newLogin, { integration, forgeId: u.id, forgeLogin: u.login });
  }
  for (const u of plan.loginsToUpdate) {
    tx.update(users).set({ login: u.to }).where(eq(users.id, u.userId)).run();
    tx.update(identities).set({ login: u.to }).where(and(eq(identities.integration, integration), eq(identities.externalId, u.externalId))).run();
    loginByExt.set(u.externalId, u.to);
    audit('user.rename', u.to, { from: u.from, forgeId: u.externalId });
  }
  const touchedUsers = new Set<number>();
  const uid = (ext: string): number => {
    const id = userIdByExt.get(ext);
    if (id === undefined) throw new Error(`sync: forge user ${ext} has no Packyard user`);
    return id;
  };
  for (const m of plan.membersToAdd) {
    const userId = uid(m.externalId);
    tx.insert(orgMembers).values({ orgId: org.id, userId, role: m.role, source: 'sync', createdAt: now }).run();
    touchedUsers.add(userId);
    audit('member.add', loginByExt.get(m.externalId) ?? String(userId), { role: m.role, source: 'sync' });
  }
  for (const m of plan.memberRolesToChange) {
    tx.update(orgMembers).set({ role: m.to }).where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, m.userId))).run();
    touchedUsers.add(m.userId);
    audit('member.role', loginByExt.get(m.externalId) ?? String(m.userId), { from: m.from, to: m.to });
  }
  for (const m of plan.membersToRemove) {
    tx.delete(orgMembers).where(and(eq(orgMembers.orgId, org.id), eq(orgMembers.userId, m.userId), eq(orgMembers.source, 'sync'))).run();
    touchedUsers.add(m.userId);
    audit('member.remove', m.login, { source: 'sync' });
  }

  // Teams renamed or deleted in this run first move to a temporary slug, so a slug another team
  // gives up (two teams swapping slugs, a team recreated under its old slug, the synthetic team's
  // old slug) is free within the transaction for the team that takes it (unique (org_id, slug)).
  const renamed = plan.teamsToUpdate.filter((t) => current.teams.get(t.externalId)?.slug !== t.slug);
  for (const t of [...renamed, ...plan.teamsToDelete]) tx.update(teams).set({ slug: `~sync-${t.teamId}` }).where(eq(teams.id, t.teamId)).run();
  // Teams: create first (parents resolved afterwards, as a parent may be created in this run).
  const teamIdByExt = new Map<string, number>([...current.teams].map(([ext, t]) => [ext, t.teamId]));
  for (const t of plan.teamsToCreate) {
    const row = tx.insert(teams).values({ orgId: org.id, slug: t.slug, name: t.name, externalId: t.externalId, createdAt: now }).returning({ id: teams.id }).get();
    teamIdByExt.set(t.externalId, row.id);
    audit('team.create', t.slug, { forgeId: t.externalId });
  }
  for (const t of [...plan.teamsToCreate, ...plan.teamsToUpdate]) {
    const id = teamIdByExt.get(t.externalId);
    if (id === undefined) continue;
    const parentId = t.parentExternalId === null ? null : (teamIdByExt.get(t.parentExternalId) ?? null);
    tx.update(teams).set({ slug: t.slug, name: t.name, parentId }).where(eq(teams.id, id)).run();
  }
  for (const t of plan.teamsToUpdate) audit('team.update', t.slug, { forgeId: t.externalId });
  const tid = (ext: string): number => {
    const id = teamIdByExt.get(ext);
    if (id === undefined) throw new Error(`sync: forge team ${ext} has no Packyard team`);
    return id;
  };

  // Grants are removed before teams are deleted, so each revoke gets its audit row.
  for (const g of plan.grantsToRemove) {
    const row = tx.select().from(packageAccess).where(eq(packageAccess.id, g.accessId)).get();
    if (!row) continue;
    tx.delete(packageAccess).where(eq(packageAccess.id, g.accessId)).run();
    audit('access.revoke', g.key.replace('\t', ' repo:'), { packageId: row.packageId, permission: row.permission });
  }
  for (const tm of plan.teamMembersToRemove) {
    const teamId = teamIdByExt.get(tm.teamExt);
    const userId = userIdByExt.get(tm.userExt);
    if (teamId === undefined || userId === undefined) continue;
    tx.delete(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId))).run();
    touchedUsers.add(userId);
    audit('team.member.remove', loginByExt.get(tm.userExt) ?? String(userId), { team: tm.teamExt });
  }
  for (const t of plan.teamsToDelete) {
    for (const m of tx.select({ userId: teamMembers.userId }).from(teamMembers).where(eq(teamMembers.teamId, t.teamId)).all()) touchedUsers.add(m.userId);
    tx.delete(teams).where(eq(teams.id, t.teamId)).run();
    audit('team.delete', t.slug, { forgeId: t.externalId });
  }
  for (const tm of plan.teamMembersToAdd) {
    const userId = uid(tm.userExt);
    tx.insert(teamMembers).values({ teamId: tid(tm.teamExt), userId, role: tm.role }).onConflictDoNothing().run();
    touchedUsers.add(userId);
    audit('team.member.add', loginByExt.get(tm.userExt) ?? String(userId), { team: tm.teamExt, role: tm.role });
  }
  for (const tm of plan.teamMembersToChange) {
    const userId = uid(tm.userExt);
    tx.update(teamMembers).set({ role: tm.role }).where(and(eq(teamMembers.teamId, tid(tm.teamExt)), eq(teamMembers.userId, userId))).run();
  }

  // Repositories and packages.
  const packageIdByRepo = new Map<string, number>();
  for (const [ext, r] of current.repos) if (r.packageId !== null) packageIdByRepo.set(ext, r.packageId);
  for (const l of plan.packagesToLink) packageIdByRepo.set(l.repoExt, l.packageId);
  const result: ApplyResult = { newPackageIds: [], movedPackageIds: [] };
  for (const r of plan.packagesToAdd) {
    const row = tx.insert(packages).values({
      orgId: org.id, url: r.cloneUrl, vcsType: 'git', credentialId: null, integration, forgeStatus: r.archived ? 'archived' : 'active',
      hookTokenHash: hashHookToken(randomBytes(24).toString('base64url')), status: 'new', createdAt: now,
    }).onConflictDoNothing().returning({ id: packages.id }).get();
    if (!row) continue;
    packageIdByRepo.set(r.id, row.id);
    result.newPackageIds.push(row.id);
    audit('package.add', r.cloneUrl, { repository: r.fullName, source: 'sync' });
  }
  const repoComposer = (r: { id: string }) => plan.reposToUpsertComposer?.get(r.id);
  for (const r of plan.reposToUpsert) {
    const composer = repoComposer(r);
    const values = {
      orgId: org.id, integration, externalId: r.id, fullName: r.fullName, defaultBranch: r.defaultBranch, visibility: r.visibility,
      archived: r.archived, deletedAt: null, cloneUrl: r.cloneUrl, pushedAt: r.pushedAt,
      composer: composer === undefined ? (current.repos.get(r.id)?.composer ?? 'unknown') : composer ? 'yes' as const : 'no' as const,
      composerCheckedAt: composer === undefined ? (current.repos.get(r.id)?.composerCheckedAt ?? null) : composerCheckMark(r.pushedAt, now),
      packageId: packageIdByRepo.get(r.id) ?? null, updatedAt: now,
    };
    tx.insert(forgeRepos).values(values).onConflictDoUpdate({ target: [forgeRepos.orgId, forgeRepos.externalId], set: values }).run();
  }
  for (const l of plan.packagesToLink) {
    tx.update(forgeRepos).set({ packageId: l.packageId, updatedAt: now }).where(and(eq(forgeRepos.orgId, org.id), eq(forgeRepos.externalId, l.repoExt))).run();
    tx.update(packages).set({ integration: sql`coalesce(${packages.integration}, ${integration})`, forgeStatus: 'active' }).where(eq(packages.id, l.packageId)).run();
  }
  for (const ext of plan.reposToMarkDeleted) {
    tx.update(forgeRepos).set({ deletedAt: now, updatedAt: now }).where(and(eq(forgeRepos.orgId, org.id), eq(forgeRepos.externalId, ext))).run();
  }
  for (const m of plan.packagesToMark) {
    tx.update(packages).set({ forgeStatus: m.status }).where(eq(packages.id, m.packageId)).run();
    audit(`package.${m.status === 'active' ? 'unarchive' : m.status === 'archived' ? 'archive' : 'mark-deleted'}`, m.fullName, { packageId: m.packageId });
  }
  for (const m of plan.packagesToMove) {
    tx.update(packages).set({ url: m.url }).where(eq(packages.id, m.packageId)).run();
    result.movedPackageIds.push(m.packageId);
    audit('package.move', m.fullName, { packageId: m.packageId, url: m.url });
  }

  // Grants.
  for (const g of plan.grantsToAdd) {
    const packageId = packageIdByRepo.get(g.repoExt);
    if (packageId === undefined) continue;
    const subject = g.subject === 'team' ? { teamId: tid(g.subjectExt), userId: null } : { teamId: null, userId: uid(g.subjectExt) };
    tx.insert(packageAccess).values({ packageId, ...subject, permission: g.label, source: 'sync', createdAt: now }).onConflictDoNothing().run();
    audit('access.grant', `${g.subject}:${g.subject === 'team' ? g.subjectExt : (loginByExt.get(g.subjectExt) ?? g.subjectExt)} repo:${g.repoExt}`, { packageId, permission: g.label });
  }
  for (const g of plan.grantsToChange) {
    tx.update(packageAccess).set({ permission: g.label }).where(eq(packageAccess.id, g.accessId)).run();
  }

  // Access may have changed: move the ACL clocks (per-token Last-Modified of packages.json).
  const aclChanged = plan.membersToAdd.length + plan.memberRolesToChange.length + plan.membersToRemove.length + plan.teamMembersToAdd.length
    + plan.teamMembersToRemove.length + plan.teamsToDelete.length + plan.grantsToAdd.length + plan.grantsToRemove.length + plan.packagesToAdd.length > 0;
  if (aclChanged) {
    tx.update(organizations).set({ aclChangedAt: now }).where(eq(organizations.id, org.id)).run();
    tx.run(sql`UPDATE users SET acl_changed_at = ${now} WHERE id IN (SELECT user_id FROM org_members WHERE org_id = ${org.id})
      OR id IN (SELECT user_id FROM identities WHERE integration = ${integration})`);
  }
  for (const id of touchedUsers) tx.update(users).set({ aclChangedAt: now }).where(eq(users.id, id)).run();
  if (result.newPackageIds.length + plan.packagesToMark.length + plan.packagesToMove.length > 0) {
    tx.update(organizations).set({ packagesChangedAt: now }).where(eq(organizations.id, org.id)).run();
  }
  return result;
}
