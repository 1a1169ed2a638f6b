// Reconciliation, the pure part: from a complete forge snapshot (plus composer.json checks and
// direct readers of package repositories) and what Packyard holds for the organization, compute
// the plan that makes Packyard match the forge. Only rows that sync created are ever changed or
// removed (source 'sync'); local members and grants are left alone. Users, teams and repositories
// are keyed by the forge's ids, so renames keep access. The plan speaks of reading only: a grant
// carries the forge's label (see src/forges/types.ts), stored and shown, never interpreted.
import type { DirectReader, ForgeRepository, ForgeUser, OrgSnapshot } from '../forges/types.js';

/** The synthetic team holding every org member: the snapshot's `members` grants (a forge's
 * default repository permission, internal and public visibility) go to it. Its slug is reserved: no forge
 * produces a slug starting with `~` (it was `all-members` before; the next sync renames it). */
export const ALL_MEMBERS_TEAM = { externalId: 'org-members', slug: '~all-members', name: 'All organization members' };

/**
 * Slugs are unique per organization: the synthetic team's is reserved, and a forge team whose slug
 * is already taken in this listing gets its forge id appended (`slug~ID`), never a failed sync.
 */
function uniqueSlugs(forgeTeams: OrgSnapshot['teams']): Map<string, string> {
  const claimed = new Set<string>([ALL_MEMBERS_TEAM.slug]);
  const out = new Map<string, string>();
  for (const t of forgeTeams) {
    const slug = claimed.has(t.slug) ? `${t.slug}~${t.id}` : t.slug;
    claimed.add(slug);
    out.set(t.id, slug);
  }
  return out;
}

export interface CurrentState {
  /** Users known by this integration: forge id -> Packyard user. */
  users: Map<string, { userId: number; login: string }>;
  /** Logins taken in Packyard (for new users' names). */
  takenLogins: Set<string>;
  /** Org members that sync created: forge id -> role. */
  members: Map<string, { userId: number; role: 'owner' | 'member' }>;
  /** Members that were added locally (never touched by sync), by Packyard user id. */
  localMemberUserIds: Set<number>;
  /** Synced teams: forge team id -> row. */
  teams: Map<string, { teamId: number; slug: string; name: string; parentExternalId: string | null }>;
  /** Synced team memberships: `${teamExt}\t${userExt}` -> role. */
  teamMembers: Map<string, 'maintainer' | 'member'>;
  /** Forge repositories known for this org: repo id -> row. */
  repos: Map<string, { fullName: string; packageId: number | null; archived: boolean; deleted: boolean; cloneUrl: string; defaultBranch: string; composer: 'yes' | 'no' | 'unknown' | 'ignored'; composerCheckedAt: string | null; pushedAt: string | null }>;
  /** Synced grants: `team:${teamExt}\t${repoExt}` or `user:${userExt}\t${repoExt}` -> { accessId, label }. */
  grants: Map<string, { accessId: number; label: string }>;
  /** Packages of this org by clone URL (a repository added by hand before sync knew it). */
  packagesByUrl: Map<string, number>;
}

/** How long a composer.json check stands for a repository whose push time the forge does not give. */
export const COMPOSER_RECHECK_UNKNOWN_PUSH_MS = 6 * 3600_000;
const UNKNOWN_PUSH = 'unknown@';

/** What `composer_checked_at` records: the push time checked at, else `unknown@` and the check's time. */
export function composerCheckMark(pushedAt: string | null, now: number): string {
  return pushedAt ?? `${UNKNOWN_PUSH}${new Date(now).toISOString()}`;
}

/**
 * Whether composer.json of a repository that is not a package is checked in this run: when it is
 * new or never checked (a push webhook clears the mark), when it was pushed since, and, when the
 * forge gives no push time, when the last check is older than COMPOSER_RECHECK_UNKNOWN_PUSH_MS.
 */
export function composerCheckDue(known: { composer: string; composerCheckedAt: string | null } | undefined, pushedAt: string | null, now: number): boolean {
  if (!known || known.composer === 'unknown' || known.composerCheckedAt === null) return true;
  if (pushedAt !== null) return known.composerCheckedAt !== pushedAt;
  const at = known.composerCheckedAt.startsWith(UNKNOWN_PUSH) ? Date.parse(known.composerCheckedAt.slice(UNKNOWN_PUSH.length)) : NaN;
  return !(now - at < COMPOSER_RECHECK_UNKNOWN_PUSH_MS);
}

export interface DesiredExtras {
  /** composer.json presence for repositories checked in this run (repo id -> has composer.json). */
  composer: Map<string, boolean>;
  /** Direct readers of package repositories (repo id -> list). */
  directReaders: Map<string, DirectReader[]>;
  /** Add repositories with a composer.json as packages by themselves. */
  autoAddPackages: boolean;
  /**
   * A scheduled sync (not one a webhook or a person asked for): packages whose repository has no
   * push time from the forge get an update check (packagesToRecheck), so a missed push webhook is
   * repaired by the schedule as it is for forges that give a push time.
   */
  scheduled?: boolean;
}

export interface Plan {
  usersToCreate: Array<ForgeUser & { newLogin: string }>;
  loginsToUpdate: Array<{ userId: number; externalId: string; from: string; to: string }>;
  membersToAdd: Array<{ externalId: string; role: 'owner' | 'member' }>;
  memberRolesToChange: Array<{ externalId: string; userId: number; from: string; to: 'owner' | 'member' }>;
  membersToRemove: Array<{ externalId: string; userId: number; login: string }>;
  teamsToCreate: Array<{ externalId: string; slug: string; name: string; parentExternalId: string | null }>;
  teamsToUpdate: Array<{ externalId: string; teamId: number; slug: string; name: string; parentExternalId: string | null }>;
  teamsToDelete: Array<{ externalId: string; teamId: number; slug: string }>;
  teamMembersToAdd: Array<{ teamExt: string; userExt: string; role: 'maintainer' | 'member' }>;
  teamMembersToChange: Array<{ teamExt: string; userExt: string; role: 'maintainer' | 'member' }>;
  teamMembersToRemove: Array<{ teamExt: string; userExt: string }>;
  grantsToAdd: Array<{ subject: 'team' | 'user'; subjectExt: string; repoExt: string; label: string }>;
  grantsToChange: Array<{ accessId: number; label: string; key: string }>;
  grantsToRemove: Array<{ accessId: number; key: string }>;
  reposToUpsert: ForgeRepository[];
  /** composer.json findings of this run for the upserted repositories (repo id -> has one). */
  reposToUpsertComposer?: Map<string, boolean>;
  reposToMarkDeleted: string[];
  packagesToAdd: ForgeRepository[];
  /** Existing packages linked to a repository (added by hand with the same clone URL). */
  packagesToLink: Array<{ repoExt: string; packageId: number }>;
  packagesToMark: Array<{ packageId: number; status: 'active' | 'archived' | 'deleted'; fullName: string }>;
  packagesToMove: Array<{ packageId: number; fullName: string; url: string }>;
  /**
   * Packages whose repository the forge says was pushed since the last sync: an update catches
   * what no webhook told (GitLab fires none for a push of more than 3 refs; a lost delivery).
   */
  packagesToUpdate: Array<{ packageId: number; fullName: string }>;
  /**
   * On a scheduled sync, packages whose repository the forge gives no push time for (Bitbucket
   * Data Center): an update checks each (it lists the remote's refs first and stops when nothing
   * moved, so it is cheap). Queued work, not a change: planIsEmpty does not count it.
   */
  packagesToRecheck: Array<{ packageId: number; fullName: string }>;
}

export function emptyPlan(): Plan {
  return {
    usersToCreate: [], loginsToUpdate: [], membersToAdd: [], memberRolesToChange: [], membersToRemove: [],
    teamsToCreate: [], teamsToUpdate: [], teamsToDelete: [], teamMembersToAdd: [], teamMembersToChange: [], teamMembersToRemove: [],
    grantsToAdd: [], grantsToChange: [], grantsToRemove: [], reposToUpsert: [], reposToMarkDeleted: [], packagesToAdd: [],
    packagesToLink: [], packagesToMark: [], packagesToMove: [], packagesToUpdate: [], packagesToRecheck: [],
  };
}

/** Counts of each kind of change; a plan whose counts are all zero changes nothing. */
export function planSummary(plan: Plan): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(plan)) if (Array.isArray(v)) out[k] = v.length;
  return out;
}

/** Whether the plan changes nothing (the update checks of packagesToRecheck are no change). */
export function planIsEmpty(plan: Plan): boolean {
  return Object.entries(planSummary(plan)).every(([k, n]) => n === 0 || k === 'packagesToRecheck');
}

/** A free Packyard login for a forge login (suffixed with the integration when taken locally). */
function freeLogin(login: string, integration: string, taken: Set<string>): string {
  const base = login.toLowerCase();
  if (!taken.has(base)) return base;
  for (let i = 0; i < 100; i++) {
    const candidate = i === 0 ? `${base}-${integration}` : `${base}-${integration}-${i}`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error(`no free login for ${login}`);
}

/** Repository rows that matter for grants: live packages (or ones this run adds). */
function packageRepoIds(snapshot: OrgSnapshot, current: CurrentState, packagesToAdd: ForgeRepository[]): Set<string> {
  const ids = new Set<string>(packagesToAdd.map((r) => r.id));
  for (const r of snapshot.repositories) {
    const known = current.repos.get(r.id);
    if (known?.packageId != null) ids.add(r.id);
    else if (current.packagesByUrl.has(r.cloneUrl)) ids.add(r.id);
  }
  return ids;
}

export function computePlan(integration: string, snapshot: OrgSnapshot, current: CurrentState, extras: DesiredExtras): Plan {
  const plan = emptyPlan();
  const taken = new Set(current.takenLogins);

  // Users: every user of the snapshot and every direct reader of a package repository. A user the
  // snapshot does not list (blocked, deactivated) is no member, team member or grant subject.
  const forgeUsers = new Map<string, ForgeUser>();
  for (const u of snapshot.users) if (!forgeUsers.has(u.id)) forgeUsers.set(u.id, u);
  for (const list of extras.directReaders.values()) {
    for (const d of list) if (!forgeUsers.has(d.user.id)) forgeUsers.set(d.user.id, d.user);
  }
  for (const u of forgeUsers.values()) {
    const known = current.users.get(u.id);
    if (!known) {
      const newLogin = freeLogin(u.login, integration, taken);
      taken.add(newLogin);
      plan.usersToCreate.push({ ...u, newLogin });
    } else if (known.login !== u.login.toLowerCase() && !taken.has(u.login.toLowerCase())) {
      plan.loginsToUpdate.push({ userId: known.userId, externalId: u.id, from: known.login, to: u.login.toLowerCase() });
      taken.add(u.login.toLowerCase());
    }
  }

  // Org membership: what the forge says belongs to the source, never inferred from a grant.
  const wantMembers = new Map<string, 'owner' | 'member'>();
  for (const m of snapshot.members) if (forgeUsers.has(m.userId) && !wantMembers.has(m.userId)) wantMembers.set(m.userId, m.role);
  for (const [ext, role] of wantMembers) {
    const have = current.members.get(ext);
    const userId = current.users.get(ext)?.userId;
    if (userId !== undefined && current.localMemberUserIds.has(userId)) continue; // a local member: left alone
    if (!have) plan.membersToAdd.push({ externalId: ext, role });
    else if (have.role !== role) plan.memberRolesToChange.push({ externalId: ext, userId: have.userId, from: have.role, to: role });
  }
  for (const [ext, have] of current.members) {
    if (!wantMembers.has(ext)) {
      plan.membersToRemove.push({ externalId: ext, userId: have.userId, login: current.users.get(ext)?.login ?? String(have.userId) });
    }
  }

  // Teams, plus the synthetic all-members team.
  const slugs = uniqueSlugs(snapshot.teams);
  const wantTeams = new Map(snapshot.teams.map((t) => [t.id, { slug: slugs.get(t.id) ?? t.slug, name: t.name, parentExternalId: t.parentId }] as const));
  wantTeams.set(ALL_MEMBERS_TEAM.externalId, { slug: ALL_MEMBERS_TEAM.slug, name: ALL_MEMBERS_TEAM.name, parentExternalId: null });
  for (const [ext, t] of wantTeams) {
    const have = current.teams.get(ext);
    if (!have) plan.teamsToCreate.push({ externalId: ext, ...t });
    else if (have.slug !== t.slug || have.name !== t.name || have.parentExternalId !== t.parentExternalId) {
      plan.teamsToUpdate.push({ externalId: ext, teamId: have.teamId, ...t });
    }
  }
  for (const [ext, have] of current.teams) {
    if (!wantTeams.has(ext)) plan.teamsToDelete.push({ externalId: ext, teamId: have.teamId, slug: have.slug });
  }

  // Team memberships (effective members, as the forge counts them), also of users who are not org
  // members (a shared-in group's members read through the team, nothing else of the org).
  const wantTeamMembers = new Map<string, 'maintainer' | 'member'>();
  for (const [teamExt, list] of snapshot.teamMembers) {
    if (!wantTeams.has(teamExt) || teamExt === ALL_MEMBERS_TEAM.externalId) continue;
    for (const m of list) {
      const key = `${teamExt}\t${m.userId}`;
      if (forgeUsers.has(m.userId) && !wantTeamMembers.has(key)) wantTeamMembers.set(key, m.role);
    }
  }
  for (const ext of wantMembers.keys()) wantTeamMembers.set(`${ALL_MEMBERS_TEAM.externalId}\t${ext}`, 'member');
  for (const [key, role] of wantTeamMembers) {
    const [teamExt = '', userExt = ''] = key.split('\t');
    const have = current.teamMembers.get(key);
    if (have === undefined) plan.teamMembersToAdd.push({ teamExt, userExt, role });
    else if (have !== role) plan.teamMembersToChange.push({ teamExt, userExt, role });
  }
  for (const key of current.teamMembers.keys()) {
    if (!wantTeamMembers.has(key)) {
      const [teamExt = '', userExt = ''] = key.split('\t');
      plan.teamMembersToRemove.push({ teamExt, userExt });
    }
  }

  // Repositories and packages.
  const listed = new Set(snapshot.repositories.map((r) => r.id));
  for (const r of snapshot.repositories) {
    const have = current.repos.get(r.id);
    const composer = extras.composer.get(r.id);
    const changed = !have || have.fullName !== r.fullName || have.archived !== r.archived || have.deleted || have.cloneUrl !== r.cloneUrl
      || have.defaultBranch !== r.defaultBranch || composer !== undefined
      // The push time of a package's repository is kept to tell the next sync what was pushed since.
      || (have.packageId != null && have.pushedAt !== r.pushedAt);
    if (changed) plan.reposToUpsert.push(r);
    const packageId = have?.packageId ?? current.packagesByUrl.get(r.cloneUrl) ?? null;
    if (packageId !== null) {
      if (have?.packageId == null) plan.packagesToLink.push({ repoExt: r.id, packageId });
      const status = r.archived ? 'archived' : 'active';
      if (!have || have.archived !== r.archived || have.deleted) plan.packagesToMark.push({ packageId, status, fullName: r.fullName });
      if (have && have.packageId != null && (have.cloneUrl !== r.cloneUrl || have.fullName !== r.fullName)) {
        plan.packagesToMove.push({ packageId, fullName: r.fullName, url: r.cloneUrl });
      } else if (have && have.packageId != null && !have.deleted && r.pushedAt !== null && have.pushedAt !== r.pushedAt) {
        plan.packagesToUpdate.push({ packageId, fullName: r.fullName });
      } else if (extras.scheduled && have && have.packageId != null && !have.deleted && !r.archived && r.pushedAt === null) {
        // No push time: the schedule cannot tell what was pushed, so it checks every package.
        plan.packagesToRecheck.push({ packageId, fullName: r.fullName });
      }
    } else if (extras.autoAddPackages && (composer ?? have?.composer === 'yes') === true) {
      plan.packagesToAdd.push(r);
    }
  }
  for (const [ext, have] of current.repos) {
    if (listed.has(ext) || have.deleted) continue;
    plan.reposToMarkDeleted.push(ext);
    if (have.packageId !== null) plan.packagesToMark.push({ packageId: have.packageId, status: 'deleted', fullName: have.fullName });
  }

  plan.reposToUpsertComposer = extras.composer;

  // Reading grants on package repositories: team grants, `members` grants (to the all-members
  // team), user grants, and direct readers. The first reading grant of a subject on a repository
  // gives the label; direct readers come after the snapshot's grants.
  const packageRepos = packageRepoIds(snapshot, current, plan.packagesToAdd);
  const wantGrants = new Map<string, string>();
  const want = (key: string, label: string) => {
    if (!wantGrants.has(key)) wantGrants.set(key, label);
  };
  for (const g of snapshot.grants) {
    if (!g.read || !packageRepos.has(g.repoId)) continue;
    const s = g.subject;
    if (s.kind === 'team') {
      if (wantTeams.has(s.teamId) && s.teamId !== ALL_MEMBERS_TEAM.externalId) want(`team:${s.teamId}\t${g.repoId}`, g.label);
    } else if (s.kind === 'user') {
      if (forgeUsers.has(s.userId)) want(`user:${s.userId}\t${g.repoId}`, g.label);
    } else {
      want(`team:${ALL_MEMBERS_TEAM.externalId}\t${g.repoId}`, g.label);
    }
  }
  for (const [repoExt, list] of extras.directReaders) {
    if (!packageRepos.has(repoExt)) continue;
    for (const d of list) if (d.read) want(`user:${d.user.id}\t${repoExt}`, d.label);
  }
  for (const [key, label] of wantGrants) {
    const have = current.grants.get(key);
    if (!have) {
      const [subjectPart = '', repoExt = ''] = key.split('\t');
      // Split at the first ':' only: forge team ids may hold one (Bitbucket's `project:10`).
      const colon = subjectPart.indexOf(':');
      const subject = subjectPart.slice(0, colon) as 'team' | 'user';
      const subjectExt = subjectPart.slice(colon + 1);
      plan.grantsToAdd.push({ subject, subjectExt, repoExt, label });
    } else if (have.label !== label) plan.grantsToChange.push({ accessId: have.accessId, label, key });
  }
  for (const [key, have] of current.grants) {
    const repoExt = key.split('\t')[1] ?? '';
    // Grants on repositories the listing no longer shows (deleted ones) stay as they were.
    if (!listed.has(repoExt)) continue;
    if (!wantGrants.has(key)) plan.grantsToRemove.push({ accessId: have.accessId, key });
  }
  return plan;
}
