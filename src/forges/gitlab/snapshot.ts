// The snapshot of a GitLab group tree: the source group found by its full path once, then only
// numeric ids. A team per (sub)group, its effective members from members/all (inherited and
// shared-in members included, as GitLab counts them), Reporter (20) or more and active only;
// projects of the tree (archived included) with their grants: the namespace group's team,
// `members` for internal/public visibility, and project shares (a group of the tree: its team;
// a group outside: a user grant per active Reporter+ member of that group). A private group
// outside the tree is invisible to a token of the tree (404/403, as on GitLab): the project's
// own members/all (which counts the shared group's members, capped) gives those readers then.
// Owners of the source group own the organization. Any failed listing throws: nothing partial
// is returned.
import type { ForgeHttpClient } from '../http.js';
import { ForgeError, isForgeError, type DirectReader, type ForgeGrant, type ForgeMember, type ForgeRepository, type ForgeTeam, type ForgeTeamMember, type ForgeUser, type OrgSnapshot, type SourceInfo } from '../types.js';
import { getOne, idPath, listAll } from './api.js';
import { GroupSchema, MAINTAINER_LEVEL, MemberSchema, OWNER_LEVEL, ProjectSchema, READ_LEVEL, levelName, type GlGroup, type GlMember, type GlProject } from './schemas.js';

/** The source group by its full path (the one URL-encoded path ever sent); null when it does not exist. */
export async function findGroup(client: ForgeHttpClient, source: string): Promise<GlGroup | null> {
  const path = source.trim().replace(/^\/+|\/+$/g, '');
  if (path === '') throw new ForgeError('invalid', `forge ${client.integration}: the source group's full path is empty`, { integration: client.integration });
  return getOne<GlGroup>(client, `/groups/${encodeURIComponent(path)}`, GroupSchema, { query: { with_projects: false }, nullOn404: true });
}

async function requireGroup(client: ForgeHttpClient, source: string): Promise<GlGroup> {
  const group = await findGroup(client, source);
  if (!group) throw client.error('not-found', `group "${source}" does not exist or the token cannot see it`, client.url(`/groups/${encodeURIComponent(source)}`));
  return group;
}

/** The readers of a member list: active users at Reporter or more. */
function readers(rows: GlMember[]): GlMember[] {
  return rows.filter((m) => m.state === 'active' && m.access_level >= READ_LEVEL);
}

const userOf = (m: GlMember): ForgeUser => ({ id: String(m.id), login: m.username, name: m.name ?? null, email: m.email ?? null });

export function toRepository(p: GlProject): ForgeRepository {
  return {
    id: String(p.id),
    fullName: p.path_with_namespace,
    name: p.path,
    // An empty repository has no default branch: it has no composer.json either.
    defaultBranch: p.empty_repo === true ? '' : (p.default_branch ?? ''),
    visibility: p.visibility,
    archived: p.archived === true,
    cloneUrl: p.http_url_to_repo,
    sshUrl: p.ssh_url_to_repo ?? null,
    // last_activity_at moves with any activity (pushes included): composer.json is re-checked
    // at least as often as pushes happen.
    pushedAt: p.last_activity_at ?? null,
  };
}

const membersAll = (client: ForgeHttpClient, groupId: number | string) => listAll<GlMember>(client, `/groups/${idPath(groupId)}/members/all`, MemberSchema);

export async function gitlabSnapshot(client: ForgeHttpClient, source: string): Promise<OrgSnapshot> {
  const root = await requireGroup(client, source);
  const descendants = await listAll<GlGroup>(client, `/groups/${idPath(root.id)}/descendant_groups`, GroupSchema);
  const tree = [root, ...descendants.filter((g) => g.id !== root.id)];
  const inTree = new Map(tree.map((g) => [g.id, g]));

  const [memberLists, projects] = await Promise.all([
    Promise.all(tree.map((g) => membersAll(client, g.id))),
    listAll<GlProject>(client, `/groups/${idPath(root.id)}/projects`, ProjectSchema, {
      query: { include_subgroups: true, with_shared: false, order_by: 'id', sort: 'asc' },
    }),
  ]);

  const users = new Map<string, ForgeUser>();
  const members = new Map<string, ForgeMember>();
  const teams: ForgeTeam[] = [];
  const teamMembers = new Map<string, ForgeTeamMember[]>();
  tree.forEach((g, i) => {
    teams.push({ id: String(g.id), slug: g.full_path, name: g.name, parentId: g.id === root.id ? null : g.parent_id != null ? String(g.parent_id) : null });
    const rows = readers(memberLists[i] ?? []);
    teamMembers.set(
      String(g.id),
      rows.map((m) => ({ userId: String(m.id), role: m.access_level >= MAINTAINER_LEVEL ? 'maintainer' : 'member' })),
    );
    for (const m of rows) {
      users.set(String(m.id), userOf(m));
      const owner = g.id === root.id && m.access_level >= OWNER_LEVEL;
      const prev = members.get(String(m.id));
      if (!prev || (owner && prev.role !== 'owner')) members.set(String(m.id), { userId: String(m.id), role: owner ? 'owner' : 'member' });
    }
  });

  // Groups outside the tree that projects are shared with at Reporter or more: their readers, once per group.
  const outside = new Set<number>();
  for (const p of projects) for (const s of p.shared_with_groups ?? []) if (s.group_access_level >= READ_LEVEL && !inTree.has(s.group_id)) outside.add(s.group_id);
  const outsideIds = [...outside];
  // null: the group is hidden from the token (see hiddenShareReaders).
  const outsideLists = await Promise.all(outsideIds.map((id) => membersAll(client, id).catch((e: unknown) => {
    if (isForgeError(e) && (e.kind === 'not-found' || e.kind === 'forbidden')) return null;
    throw e;
  })));
  const outsideReaders = new Map(outsideIds.map((id, i) => [id, outsideLists[i] == null ? null : readers(outsideLists[i])]));
  const hidden: Array<{ repoId: string; shares: string[]; teamIds: string[] }> = [];

  const repositories: ForgeRepository[] = [];
  const grants: ForgeGrant[] = [];
  for (const p of projects) {
    const repo = toRepository(p);
    repositories.push(repo);
    const ns = inTree.get(p.namespace.id);
    const hiddenShares: string[] = [];
    const teamIds = ns ? [String(ns.id)] : [];
    if (ns) grants.push({ repoId: repo.id, subject: { kind: 'team', teamId: String(ns.id) }, read: true, label: `Reporter+ in ${ns.full_path}` });
    if (p.visibility !== 'private') grants.push({ repoId: repo.id, subject: { kind: 'members' }, read: true, label: p.visibility });
    for (const s of p.shared_with_groups ?? []) {
      if (s.group_access_level < READ_LEVEL) continue; // a Guest share reads nothing
      const label = `shared with ${s.group_full_path} (${levelName(s.group_access_level)})`;
      if (inTree.has(s.group_id)) {
        grants.push({ repoId: repo.id, subject: { kind: 'team', teamId: String(s.group_id) }, read: true, label });
        teamIds.push(String(s.group_id));
        continue;
      }
      const outsiders = outsideReaders.get(s.group_id);
      if (outsiders === null) hiddenShares.push(s.group_full_path);
      for (const m of outsiders ?? []) {
        if (!users.has(String(m.id))) users.set(String(m.id), userOf(m));
        grants.push({ repoId: repo.id, subject: { kind: 'user', userId: String(m.id) }, read: true, label });
      }
    }
    if (hiddenShares.length > 0) hidden.push({ repoId: repo.id, shares: hiddenShares, teamIds });
  }
  for (const h of hidden) {
    for (const m of await hiddenShareReaders(client, h.repoId, new Set(h.teamIds.flatMap((id) => (teamMembers.get(id) ?? []).map((x) => x.userId))))) {
      if (!users.has(String(m.id))) users.set(String(m.id), userOf(m));
      grants.push({ repoId: h.repoId, subject: { kind: 'user', userId: String(m.id) }, read: true, label: `shared with ${h.shares.join(', ')} (${levelName(m.access_level)})` });
    }
  }

  return {
    org: { id: String(root.id), login: root.full_path },
    users: [...users.values()],
    members: [...members.values()],
    teams,
    teamMembers,
    repositories,
    grants,
  };
}

/**
 * The readers of a project shared with a group the token cannot see: everyone the project's
 * members/all counts at Reporter or more (shares capped by GitLab), less the members of the teams
 * already granted (`known`) and the project's direct members (directReaders gives those).
 */
async function hiddenShareReaders(client: ForgeHttpClient, repoId: string, known: Set<string>): Promise<GlMember[]> {
  const [all, direct] = await Promise.all([
    listAll<GlMember>(client, `/projects/${idPath(repoId)}/members/all`, MemberSchema),
    listAll<GlMember>(client, `/projects/${idPath(repoId)}/members`, MemberSchema),
  ]);
  const skip = new Set([...known, ...direct.map((m) => String(m.id))]);
  return readers(all).filter((m) => !skip.has(String(m.id)));
}

/** Direct members of one project (not inherited), active, at Reporter or more. */
export async function gitlabDirectReaders(client: ForgeHttpClient, repo: ForgeRepository): Promise<DirectReader[]> {
  const rows = await listAll<GlMember>(client, `/projects/${idPath(repo.id)}/members`, MemberSchema);
  return readers(rows).map((m) => ({ user: userOf(m), read: true, label: levelName(m.access_level) }));
}

/** The source group's path and name, and how many projects its tree holds when GitLab says. */
export async function gitlabDescribeSource(client: ForgeHttpClient, source: string): Promise<SourceInfo | null> {
  const group = await findGroup(client, source);
  if (!group) return null;
  const res = await client.request(`/groups/${idPath(group.id)}/projects`, { query: { include_subgroups: true, with_shared: false, per_page: 1, simple: true } });
  const total = res?.headers['x-total'];
  const n = typeof total === 'string' && /^\d+$/.test(total) ? Number(total) : null; // absent above 10 000 rows
  return { login: group.full_path, name: group.name, repositories: n };
}

/** True when `fullPath` is the source group or below it (GitLab paths compare case-insensitively). */
export function insideSource(source: string, fullPath: string): boolean {
  const s = source.trim().replace(/^\/+|\/+$/g, '').toLowerCase();
  const p = fullPath.toLowerCase();
  return p === s || p.startsWith(`${s}/`);
}

/** One project by id; null when it is gone or no longer inside the source tree (transferred out). */
export async function gitlabRepository(client: ForgeHttpClient, source: string, repoId: string): Promise<ForgeRepository | null> {
  const p = await getOne<GlProject>(client, `/projects/${idPath(repoId)}`, ProjectSchema, { nullOn404: true });
  if (!p || !insideSource(source, p.namespace.full_path)) return null;
  return toRepository(p);
}
