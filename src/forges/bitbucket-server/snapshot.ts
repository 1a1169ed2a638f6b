// The snapshot of one or more Bitbucket Data Center projects (`PAY` or `PAY,WEB`). A team per
// project (slug = the key; effective readers from /users?permission=PROJECT_READ&
// permission.projectKey=, which resolves direct and group grants and needs no admin right) and,
// where the token may list them, a team per group holding a permission on a source project (its
// members from the admin group endpoints; a 401/403/404 there leaves group teams out, never the
// readers: the project teams carry them, and the snapshot's notes say so). Every repository of the projects, with grants: its
// project's team, the groups' teams, and `members` for a public project or repository or a
// project open to all licensed users. Repository-only users come from directReaders. Users are
// keyed by numeric id, the login is `name`, inactive users are left out; PROJECT_ADMIN holders
// own the organization. Any failed listing throws: nothing partial is returned.
import type { ForgeHttpClient } from '../http.js';
import { ForgeError, isForgeError, type DirectReader, type ForgeGrant, type ForgeMember, type ForgeRepository, type ForgeTeam, type ForgeTeamMember, type ForgeUser, type OrgSnapshot, type SourceInfo } from '../types.js';
import { getOne, keyPath, listAll, slugPath, sourceKeys } from './api.js';
import type { ProjectReadersCache } from './readers-cache.js';
import {
  BranchSchema, GroupPermissionSchema, PermittedSchema, ProjectSchema, PROJECT_READ_PERMISSIONS, RepositorySchema, UserSchema,
  type BbGroupPermission, type BbProject, type BbRepository, type BbUser,
} from './schemas.js';

const userOf = (u: BbUser): ForgeUser => ({ id: String(u.id), login: u.name, name: u.displayName ?? null, email: u.emailAddress ?? null });
const active = (rows: BbUser[]): BbUser[] => rows.filter((u) => u.active !== false);

/** A project by key; null when it does not exist or the token cannot see it. */
export async function findProject(client: ForgeHttpClient, key: string): Promise<BbProject | null> {
  return getOne<BbProject>(client, `/projects/${keyPath(key)}`, ProjectSchema, { nullOn404: true });
}

async function requireProject(client: ForgeHttpClient, key: string): Promise<BbProject> {
  const p = await findProject(client, key);
  if (!p) throw client.error('not-found', `project "${key}" does not exist or the token cannot see it`, client.url(`/projects/${keyPath(key)}`));
  return p;
}

/**
 * Active users holding `permission` or more, directly or through groups (query filters need no admin right).
 *
 * "Or more" (PROJECT_READ also lists PROJECT_WRITE and PROJECT_ADMIN holders; REPO_READ also REPO_WRITE,
 * REPO_ADMIN and the project's readers) is what Atlassian's documentation implies, not what it says in
 * so many words: the REST reference of GET /rest/api/latest/users ("Get all users") calls `permission`
 * the root of a filter whose value is a global, project or repository permission and gives
 * `permission.1=PROJECT_ADMIN&permission.1.projectKey=…` as its example, without saying "or higher"
 * (https://developer.atlassian.com/server/bitbucket/rest/v811/api-group-system-maintenance/); the Java
 * API it maps to, UserSearchRequest.getPermissions, limits users "to only those who have all permissions
 * as specified by each contained permission request"
 * (https://docs.atlassian.com/bitbucket-server/javadoc/8.3.0/api/com/atlassian/bitbucket/user/UserSearchRequest.html),
 * and Permission says a permission is had through the permissions that inherit it (getImplyingPermissions:
 * "the set of permissions that inherit this permission"; PROJECT_READ "allows read access to a project and
 * any repository it contains", PROJECT_VIEW is implied by read access to one of its repositories)
 * (https://docs.atlassian.com/bitbucket-server/javadoc/6.10.0/api/com/atlassian/bitbucket/permission/Permission.html).
 * The fake (test/fakes/bitbucket-server) resolves it that way. Not yet checked on a real server (forges.md §12):
 * if a server listed exact holders only, PROJECT_WRITE users would read nothing (fail safe: no one gains access).
 */
export async function usersWith(client: ForgeHttpClient, permission: string, projectKey: string, repositorySlug?: string): Promise<BbUser[]> {
  const query: Record<string, string> = { permission, 'permission.projectKey': projectKey };
  if (repositorySlug !== undefined) query['permission.repositorySlug'] = repositorySlug;
  return active(await listAll<BbUser>(client, '/users', UserSchema, { query }));
}

/** The default branch's short name: from the repository, else asked (an empty repository: ''). */
async function defaultBranchOf(client: ForgeHttpClient, r: BbRepository): Promise<string> {
  if (r.defaultBranch) return r.defaultBranch.replace(/^refs\/heads\//, '');
  const b = await getOne<{ displayId: string }>(client, `/projects/${keyPath(r.project.key)}/repos/${slugPath(r.slug)}/branches/default`, BranchSchema, { nullOn404: true });
  return b?.displayId ?? '';
}

export async function toRepository(client: ForgeHttpClient, r: BbRepository): Promise<ForgeRepository> {
  const clone = r.links.clone ?? [];
  const http = clone.find((l) => l.name === 'http');
  if (!http) throw client.error('invalid', `repository ${r.project.key}/${r.slug} has no http clone link`, client.url(`/projects/${keyPath(r.project.key)}/repos/${slugPath(r.slug)}`));
  return {
    id: String(r.id),
    fullName: `${r.project.key}/${r.slug}`,
    name: r.slug,
    defaultBranch: await defaultBranchOf(client, r),
    visibility: r.public === true ? 'public' : 'private',
    archived: r.archived === true,
    cloneUrl: http.href,
    sshUrl: clone.find((l) => l.name === 'ssh')?.href ?? null,
    pushedAt: null, // Bitbucket does not say; push webhooks and the re-check interval decide
  };
}

const denied = (e: unknown): boolean => isForgeError(e) && (e.kind === 'forbidden' || e.kind === 'unauthorized' || e.kind === 'not-found');

/** `fn()`, or null when the token may not (401/403/404): optional admin-only listings. */
async function ifAllowed<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    if (denied(e)) return null;
    throw e;
  }
}

/** Groups with a reading permission on each project and their active members, or null when the token may not list them. */
async function groupTeams(client: ForgeHttpClient, keys: string[]): Promise<{ perms: BbGroupPermission[][]; members: Map<string, BbUser[]> } | null> {
  const perms = await ifAllowed(() => Promise.all(keys.map((k) => listAll<BbGroupPermission>(client, `/projects/${keyPath(k)}/permissions/groups`, GroupPermissionSchema))));
  if (perms === null) return null;
  const reading = perms.map((rows) => rows.filter((g) => (PROJECT_READ_PERMISSIONS as readonly string[]).includes(g.permission)));
  const names = [...new Set(reading.flat().map((g) => g.group.name))];
  const lists = await ifAllowed(() => Promise.all(names.map((n) => listAll<BbUser>(client, '/admin/groups/more-members', UserSchema, { query: { context: n } }))));
  if (lists === null) return null;
  return { perms: reading, members: new Map(names.map((n, i) => [n, active(lists[i] ?? [])])) };
}

/** The snapshot; with `cache`, each project's readers are remembered for directReaders once the whole snapshot is complete. */
export async function bitbucketServerSnapshot(client: ForgeHttpClient, source: string, cache?: ProjectReadersCache): Promise<OrgSnapshot> {
  const keys = sourceKeys(source);
  const projects = await Promise.all(keys.map((k) => requireProject(client, k)));
  const [readers, admins, repoLists, openToAll, groups] = await Promise.all([
    Promise.all(keys.map((k) => usersWith(client, 'PROJECT_READ', k))),
    Promise.all(keys.map((k) => usersWith(client, 'PROJECT_ADMIN', k))),
    Promise.all(keys.map((k) => listAll<BbRepository>(client, `/projects/${keyPath(k)}/repos`, RepositorySchema))),
    Promise.all(keys.map((k) => ifAllowed(() => getOne<{ permitted: boolean }>(client, `/projects/${keyPath(k)}/permissions/PROJECT_READ/all`, PermittedSchema)))),
    groupTeams(client, keys),
  ]);
  const repoRows = await Promise.all(repoLists.map((list) => Promise.all(list.map(async (r) => ({ r, repo: await toRepository(client, r) })))));

  const users = new Map<string, ForgeUser>();
  const members = new Map<string, ForgeMember>();
  const teams: ForgeTeam[] = [];
  const teamMembers = new Map<string, ForgeTeamMember[]>();
  const repositories: ForgeRepository[] = [];
  const grants: ForgeGrant[] = [];

  const notes = groups ? [] : ['Groups are not shown: the token may not list group members (/admin/groups/more-members needs a system administrator); readers come from the project permissions.'];
  if (groups) {
    // Team slugs are unique in an organization: a group named exactly like a source project
    // key (`PAY`) gets its slug marked so both teams exist.
    const keySet = new Set(keys);
    for (const [name, rows] of groups.members) {
      const teamId = `group:${name}`;
      teams.push({ id: teamId, slug: keySet.has(name) ? `${name} (group)` : name, name, parentId: null });
      teamMembers.set(teamId, rows.map((u) => ({ userId: String(u.id), role: 'member' })));
      for (const u of rows) users.set(String(u.id), userOf(u));
    }
  }
  for (const [i, project] of projects.entries()) {
    const teamId = `project:${project.id}`;
    const adminIds = new Set((admins[i] ?? []).map((u) => String(u.id)));
    teams.push({ id: teamId, slug: project.key, name: project.name, parentId: null });
    const rows = readers[i] ?? [];
    teamMembers.set(teamId, rows.map((u) => ({ userId: String(u.id), role: adminIds.has(String(u.id)) ? 'maintainer' : 'member' })));
    for (const u of [...rows, ...(admins[i] ?? [])]) {
      const id = String(u.id);
      users.set(id, userOf(u));
      const owner = adminIds.has(id);
      const prev = members.get(id);
      if (!prev || (owner && prev.role !== 'owner')) members.set(id, { userId: id, role: owner ? 'owner' : 'member' });
    }
    const open = project.public === true || openToAll[i]?.permitted === true;
    for (const { r, repo } of repoRows[i] ?? []) {
      repositories.push(repo);
      grants.push({ repoId: repo.id, subject: { kind: 'team', teamId }, read: true, label: `PROJECT_READ+ on ${project.key}` });
      for (const g of groups?.perms[i] ?? []) grants.push({ repoId: repo.id, subject: { kind: 'team', teamId: `group:${g.group.name}` }, read: true, label: `${g.permission} (group ${g.group.name})` });
      if (open) grants.push({ repoId: repo.id, subject: { kind: 'members' }, read: true, label: project.public === true ? 'public project' : 'PROJECT_READ for all users' });
      else if (r.public === true) grants.push({ repoId: repo.id, subject: { kind: 'members' }, read: true, label: 'public repository' });
    }
  }
  for (const [i, k] of keys.entries()) cache?.remember(k, (readers[i] ?? []).map((u) => String(u.id)));
  return { org: { id: keys.join(','), login: keys.join(',') }, users: [...users.values()], members: [...members.values()], teams, teamMembers, repositories, grants, notes };
}

/** The project key and slug of `repo` (fullName is KEY/slug). */
export function keyAndSlug(repo: { fullName: string }): { key: string; slug: string } {
  const [key, slug, ...rest] = repo.fullName.split('/');
  if (!key || !slug || rest.length > 0) throw new ForgeError('invalid', `not a Bitbucket repository path: "${repo.fullName.slice(0, 80)}"`);
  return { key, slug };
}

/**
 * Users who read one repository through its own permissions (REPO_READ+), not through the project.
 * The project's readers come from `cache` when a snapshot listed them a moment ago (the same
 * reconcile), else they are listed here.
 */
export async function bitbucketServerDirectReaders(client: ForgeHttpClient, repo: ForgeRepository, cache?: ProjectReadersCache): Promise<DirectReader[]> {
  const { key, slug } = keyAndSlug(repo);
  const known = cache?.fresh(key) ?? null;
  const [repoReaders, skip] = await Promise.all([
    usersWith(client, 'REPO_READ', key, slug),
    known ?? usersWith(client, 'PROJECT_READ', key).then((rows) => new Set(rows.map((u) => String(u.id)))),
  ]);
  return repoReaders.filter((u) => !skip.has(String(u.id))).map((u) => ({ user: userOf(u), read: true, label: 'REPO_READ+' }));
}

/** The keys and names of the source's projects and how many repositories they hold; null when one does not exist. */
export async function bitbucketServerDescribeSource(client: ForgeHttpClient, source: string): Promise<SourceInfo | null> {
  const keys = sourceKeys(source);
  const projects = await Promise.all(keys.map((k) => findProject(client, k)));
  if (projects.some((p) => p === null)) return null;
  const lists = await Promise.all(keys.map((k) => listAll<BbRepository>(client, `/projects/${keyPath(k)}/repos`, RepositorySchema)));
  return { login: keys.join(','), name: projects.map((p) => p?.name ?? '').join(', '), repositories: lists.reduce((n, l) => n + l.length, 0) };
}

/** One repository by id: at `fullName` when it is still there, else found among the source's (renamed); null when gone or moved out. */
export async function bitbucketServerRepository(client: ForgeHttpClient, source: string, repoId: string, fullName: string): Promise<ForgeRepository | null> {
  const keys = sourceKeys(source);
  const keySet = new Set(keys.map((k) => k.toUpperCase()));
  try {
    const { key, slug } = keyAndSlug({ fullName });
    if (keySet.has(key.toUpperCase())) {
      const r = await getOne<BbRepository>(client, `/projects/${keyPath(key)}/repos/${slugPath(slug)}`, RepositorySchema, { nullOn404: true });
      if (r && String(r.id) === repoId) return toRepository(client, r);
    }
  } catch (e) {
    if (!(isForgeError(e) && e.kind === 'invalid' && !e.details.url)) throw e; // a malformed fullName: search instead
  }
  for (const k of keys) {
    const list = await listAll<BbRepository>(client, `/projects/${keyPath(k)}/repos`, RepositorySchema);
    const r = list.find((x) => String(x.id) === repoId);
    if (r) return toRepository(client, r);
  }
  return null;
}
