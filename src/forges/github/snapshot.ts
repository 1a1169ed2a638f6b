// Reads one GitHub organization completely (org, members, teams, team members and repositories,
// org repositories) with independent listings in parallel; any failure throws, nothing partial.
// GitHub's words become the contract's: team repository permissions are team grants labelled
// with the role (pull … admin or a custom role), the org's base permission and internal or
// public visibility are `members` grants, direct collaborators are direct readers. GitHub lists
// no blocked users in an organization, so no one is left out here.
import type { ForgeHttpClient, RequestOptions } from '../http.js';
import type { DirectReader, ForgeGrant, ForgeMember, ForgeRepository, ForgeTeam, ForgeTeamMember, ForgeUser, OrgSnapshot } from '../types.js';
import { baseReads, basePermission, grantOf } from './permissions.js';
import { CollaboratorSchema, OrgSchema, RepoSchema, TeamSchema, UserSchema, firstProblem, type GhRepo, type GhTeam, type GhUser } from './schemas.js';
import type { TSchema } from 'typebox';

type Token = RequestOptions['token'];

const enc = encodeURIComponent;

/** Checks every item of a listing (or one object) against its schema; `invalid` names the field. */
function checked<T>(client: ForgeHttpClient, schema: TSchema, value: unknown, path: string): T {
  const problem = firstProblem(schema, value);
  if (problem) throw client.error('invalid', `unexpected response shape at ${problem}`, client.url(path));
  return value as T;
}

async function list<T>(
  client: ForgeHttpClient,
  schema: TSchema,
  path: string,
  token: Token,
  query: RequestOptions['query'] = {},
  signal?: AbortSignal,
): Promise<T[]> {
  const items = await client.paginate<unknown>(path, { query, token, ...(signal ? { signal } : {}) });
  return items.map((item, i) => {
    const problem = firstProblem(schema, item);
    if (problem) throw client.error('invalid', `unexpected response shape at item ${i}: ${problem}`, client.url(path, query));
    return item as T;
  });
}

/** A REST (or webhook) repository as the forge type; push payloads carry pushed_at as Unix seconds. */
export function toRepository(r: GhRepo, webUrl: string): ForgeRepository {
  const visibility = r.visibility === 'internal' || r.visibility === 'public' || r.visibility === 'private' ? r.visibility : r.private ? 'private' : 'public';
  const pushed = r.pushed_at;
  return {
    id: String(r.id),
    fullName: r.full_name,
    name: r.name,
    defaultBranch: r.default_branch ?? 'main',
    visibility,
    archived: r.archived === true,
    cloneUrl: r.clone_url ?? `${webUrl.replace(/\/+$/, '')}/${r.full_name}.git`,
    sshUrl: r.ssh_url ?? null,
    pushedAt: pushed === undefined || pushed === null ? null : typeof pushed === 'number' ? new Date(pushed * 1000).toISOString() : pushed,
  };
}

function toUser(u: GhUser): ForgeUser {
  const out: ForgeUser = { id: String(u.id), login: u.login };
  if (u.name !== undefined) out.name = u.name;
  if (u.email !== undefined) out.email = u.email;
  return out;
}

/**
 * A snapshot stops at its first failure: the requests still queued or paginating see the aborted
 * signal and end, so a failed snapshot does not go on spending the forge's rate limit.
 */
export async function githubSnapshot(client: ForgeHttpClient, org: string, token: Token, webUrl: string): Promise<OrgSnapshot> {
  const stop = new AbortController();
  try {
    return await snapshotWith(client, org, token, webUrl, stop.signal);
  } catch (e) {
    stop.abort(e);
    throw e;
  }
}

async function snapshotWith(client: ForgeHttpClient, org: string, token: Token, webUrl: string, signal: AbortSignal): Promise<OrgSnapshot> {
  const o = `/orgs/${enc(org)}`;
  const [orgBody, owners, everyone, teamsRaw, reposRaw] = await Promise.all([
    client.json<unknown>(o, { token, signal }),
    list<GhUser>(client, UserSchema, `${o}/members`, token, { role: 'admin', filter: 'all' }, signal),
    list<GhUser>(client, UserSchema, `${o}/members`, token, { role: 'all', filter: 'all' }, signal),
    list<GhTeam>(client, TeamSchema, `${o}/teams`, token, {}, signal),
    list<GhRepo>(client, RepoSchema, `${o}/repos`, token, { type: 'all', sort: 'full_name' }, signal),
  ]);
  const ghOrg = checked<{ id: number; login: string; default_repository_permission?: string | null }>(client, OrgSchema, orgBody, o);

  const ownerIds = new Set(owners.map((u) => String(u.id)));
  const users = new Map<string, ForgeUser>();
  const members = new Map<string, ForgeMember>();
  for (const u of [...everyone, ...owners]) {
    const id = String(u.id);
    if (!members.has(id)) {
      users.set(id, toUser(u));
      members.set(id, { userId: id, role: ownerIds.has(id) ? 'owner' : 'member' });
    }
  }

  const teams: ForgeTeam[] = teamsRaw.map((t) => ({ id: String(t.id), slug: t.slug, name: t.name, parentId: t.parent ? String(t.parent.id) : null }));
  const teamMembers = new Map<string, ForgeTeamMember[]>();
  const teamGrants = new Map<string, ForgeGrant[]>();
  const teamUsers = new Map<string, ForgeUser>();
  await Promise.all(
    teamsRaw.map(async (t) => {
      const base = `${o}/teams/${enc(t.slug)}`;
      const [maintainers, all, repos] = await Promise.all([
        list<GhUser>(client, UserSchema, `${base}/members`, token, { role: 'maintainer' }, signal),
        list<GhUser>(client, UserSchema, `${base}/members`, token, { role: 'all' }, signal),
        list<GhRepo>(client, RepoSchema, `${base}/repos`, token, {}, signal),
      ]);
      const maintainerIds = new Set(maintainers.map((u) => String(u.id)));
      // GHES listings already include child-team members once each; keep one entry per user.
      const seen = new Map<string, ForgeTeamMember>();
      for (const u of [...all, ...maintainers]) {
        const id = String(u.id);
        if (!seen.has(id)) seen.set(id, { userId: id, role: maintainerIds.has(id) ? 'maintainer' : 'member' });
        if (!teamUsers.has(id)) teamUsers.set(id, toUser(u));
      }
      teamMembers.set(String(t.id), [...seen.values()]);
      const grants = new Map<string, ForgeGrant>();
      for (const r of repos) {
        const g = grantOf(String(r.id), r.permissions, r.role_name);
        grants.set(g.repoId, { repoId: g.repoId, subject: { kind: 'team', teamId: String(t.id) }, read: g.read, label: g.roleName });
      }
      teamGrants.set(String(t.id), [...grants.values()]);
    }),
  );

  const repositories = new Map<string, ForgeRepository>();
  for (const r of reposRaw) repositories.set(String(r.id), toRepository(r, webUrl));

  // Team members are org members on GitHub; any other listed user is still a user of the snapshot.
  for (const [id, u] of teamUsers) if (!users.has(id)) users.set(id, u);

  // Grants, team by team in listing order, on the org's repositories only.
  const grants: ForgeGrant[] = [];
  for (const t of teams) for (const g of teamGrants.get(t.id) ?? []) if (repositories.has(g.repoId)) grants.push(g);
  // Every member reads internal and public repositories, and every repository when the org's
  // base permission reads.
  const base = basePermission(ghOrg.default_repository_permission);
  for (const r of repositories.values()) {
    if (r.visibility === 'internal' || r.visibility === 'public') grants.push({ repoId: r.id, subject: { kind: 'members' }, read: true, label: r.visibility });
    else if (baseReads(base)) grants.push({ repoId: r.id, subject: { kind: 'members' }, read: true, label: `org default (${base})` });
  }

  return {
    org: { id: String(ghOrg.id), login: ghOrg.login },
    users: [...users.values()],
    members: [...members.values()],
    teams,
    teamMembers,
    repositories: [...repositories.values()],
    grants,
  };
}

/** Direct collaborators (members or outside collaborators) of one repository, as direct readers. */
export async function githubDirectReaders(client: ForgeHttpClient, repo: ForgeRepository, token: Token): Promise<DirectReader[]> {
  const users = await list<{ id: number; login: string; permissions?: Record<string, boolean>; role_name?: string | null }>(
    client,
    CollaboratorSchema,
    `/repos/${repoPath(repo.fullName)}/collaborators`,
    token,
    { affiliation: 'direct' },
  );
  return users.map((u) => {
    const g = grantOf(repo.id, u.permissions, u.role_name);
    return { user: { id: String(u.id), login: u.login }, read: g.read, label: g.roleName };
  });
}

export function repoPath(fullName: string): string {
  return fullName.split('/').map(enc).join('/');
}

export async function githubRepository(client: ForgeHttpClient, repoId: string, token: Token, webUrl: string): Promise<ForgeRepository | null> {
  const path = `/repositories/${enc(repoId)}`;
  const body = await client.json<unknown>(path, { token, nullOn404: true });
  if (body === null) return null;
  return toRepository(checked<GhRepo>(client, RepoSchema, body, path), webUrl);
}
