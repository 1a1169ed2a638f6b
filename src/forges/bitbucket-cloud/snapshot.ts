// Bitbucket Cloud reads for reconciliation. The source is one workspace (its slug).
// - Members: /workspaces/{ws}/members; owners: the workspace admins (/workspaces/{ws}/permissions,
//   permission `owner`). Users are keyed by account uuid, their Packyard login is the nickname.
//   Accounts that are not people (`app_user`: access tokens' bots; `team`) and accounts whose
//   account_status is not `active` are left out.
// - Who reads a repository: /workspaces/{ws}/permissions/repositories lists every user's
//   EFFECTIVE permission on every repository of the workspace (read, write or admin, whether
//   explicit, through a group or through the project: Bitbucket does not say which). Each reading
//   row becomes a user grant labelled with the permission, so directReaders has nothing to add.
//   A public repository also reads for every member. This listing needs a workspace admin's
//   credential: refused, the snapshot fails (fail closed), it is never guessed.
// - Groups: GET /1.0/groups/{ws} (the 1.0 API Atlassian still serves, admin only) gives groups
//   and their members, which become teams. When it does not answer (401/403/404/410, or an
//   api_url that is not …/2.0) the teams are left out and the snapshot is still complete: access
//   comes from the effective permissions above; the snapshot's notes say so. The API 2.0 cannot list a group's members at all,
//   nor tell which group or project a permission comes from without per-repository admin calls,
//   so group teams carry no grants of their own (their members read through their user grants).
// Every listing is complete or the call throws ForgeError.
import type { ForgeHttpClient } from '../http.js';
import { isForgeError, type DirectReader, type ForgeGrant, type ForgeMember, type ForgeRepository, type ForgeTeam, type ForgeTeamMember, type ForgeUser, type OrgSnapshot, type SourceInfo } from '../types.js';
import { bitbucketCloudApi1Url, getOne, listAll, slugPath, workspaceAndSlug, workspaceSlug } from './api.js';
import {
  GroupsSchema,
  MembershipSchema,
  READING_PERMISSIONS,
  RepositoryPermissionSchema,
  RepositorySchema,
  WorkspacePermissionSchema,
  WorkspaceSchema,
  type BcAccount,
  type BcGroup,
  type BcMembership,
  type BcRepository,
  type BcRepositoryPermission,
  type BcWorkspace,
  type BcWorkspacePermission,
} from './schemas.js';

/** Whether an account is a person who may hold access (not a bot, team or closed account). */
export function isPerson(a: BcAccount): boolean {
  if (a.type !== undefined && a.type !== 'user') return false;
  if (a.account_status != null && a.account_status !== 'active') return false;
  return typeof a.nickname === 'string' && a.nickname !== '';
}

export function userOf(a: BcAccount): ForgeUser {
  return { id: a.uuid, login: a.nickname ?? a.uuid, name: a.display_name ?? null, email: null };
}

/** The workspace, or null when it does not exist (or the credential cannot see it). */
export async function findWorkspace(client: ForgeHttpClient, ws: string): Promise<BcWorkspace | null> {
  return getOne<BcWorkspace>(client, `/workspaces/${encodeURIComponent(ws)}`, WorkspaceSchema, { nullOn404: true });
}

export async function listRepositories(client: ForgeHttpClient, ws: string): Promise<BcRepository[]> {
  return listAll<BcRepository>(client, `/repositories/${encodeURIComponent(ws)}`, RepositorySchema);
}

/** The https clone URL without the nickname Bitbucket puts in it (credentials are given apart). */
function httpsClone(client: ForgeHttpClient, r: BcRepository): { https: string; ssh: string | null } {
  const clone = r.links.clone ?? [];
  const link = clone.find((l) => l.name === 'https');
  let u: URL | null = null;
  try {
    u = link ? new URL(link.href) : null;
  } catch {
    u = null;
  }
  // The link named `https` (plain http only where Bitbucket is served so, as in tests).
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) throw client.error('invalid', `repository ${r.full_name} has no https clone link`, client.url(`/repositories/${r.full_name}`));
  u.username = '';
  u.password = '';
  return { https: u.toString(), ssh: clone.find((l) => l.name === 'ssh')?.href ?? null };
}

export function toRepository(client: ForgeHttpClient, r: BcRepository): ForgeRepository {
  const { https, ssh } = httpsClone(client, r);
  return {
    id: r.uuid,
    fullName: r.full_name,
    name: r.slug ?? r.full_name.split('/')[1] ?? r.name,
    defaultBranch: r.mainbranch?.name ?? '', // null: an empty repository
    visibility: r.is_private === false ? 'public' : 'private',
    archived: false, // Bitbucket Cloud has no archived repositories
    cloneUrl: https,
    sshUrl: ssh,
    // updated_on moves for more than pushes and is not documented as a push time: push
    // webhooks and the re-check interval decide instead.
    pushedAt: null,
  };
}

const denied = (e: unknown): boolean => isForgeError(e) && (e.kind === 'forbidden' || e.kind === 'unauthorized' || e.kind === 'not-found' || e.details.status === 410);

const GROUPS_NOTE = "access comes from each repository's effective permissions.";

/** The workspace's groups with their members (1.0 API), or a note saying why they are not shown. */
async function groupsOf(client: ForgeHttpClient, ws: string): Promise<{ groups: BcGroup[] } | { note: string }> {
  const v1 = bitbucketCloudApi1Url(client.baseUrl.toString().replace(/\/+$/, ''));
  if (v1 === null) return { note: `Groups are not shown: Bitbucket Cloud's groups API (1.0) is not served next to this api_url; ${GROUPS_NOTE}` };
  try {
    return { groups: (await getOne<BcGroup[]>(client, `${v1}/groups/${encodeURIComponent(ws)}`, GroupsSchema)) ?? [] };
  } catch (e) {
    if (!denied(e)) throw e;
    const status = isForgeError(e) && typeof e.details.status === 'number' ? `answered ${e.details.status}` : 'refused';
    return { note: `Groups are not shown: Bitbucket Cloud's groups API (1.0) ${status}; ${GROUPS_NOTE}` };
  }
}

export async function requireWorkspace(client: ForgeHttpClient, ws: string): Promise<BcWorkspace> {
  const w = await findWorkspace(client, ws);
  if (!w) throw client.error('not-found', `workspace ${ws} does not exist or the credential cannot see it`, client.url(`/workspaces/${encodeURIComponent(ws)}`));
  return w;
}

export async function bitbucketCloudSnapshot(client: ForgeHttpClient, source: string): Promise<OrgSnapshot> {
  const ws = workspaceSlug(source);
  const w = await requireWorkspace(client, ws);
  const e = encodeURIComponent(ws);
  const [memberships, permissions, repos, repoPerms, groups] = await Promise.all([
    listAll<BcMembership>(client, `/workspaces/${e}/members`, MembershipSchema),
    listAll<BcWorkspacePermission>(client, `/workspaces/${e}/permissions`, WorkspacePermissionSchema),
    listRepositories(client, ws),
    listAll<BcRepositoryPermission>(client, `/workspaces/${e}/permissions/repositories`, RepositoryPermissionSchema),
    groupsOf(client, ws),
  ]);

  const users = new Map<string, ForgeUser>();
  const see = (a: BcAccount): boolean => {
    if (!isPerson(a)) return false;
    users.set(a.uuid, userOf(a));
    return true;
  };
  const owners = new Set(permissions.filter((p) => p.permission === 'owner' && see(p.user)).map((p) => p.user.uuid));
  const members = new Map<string, ForgeMember>();
  for (const m of memberships) if (see(m.user)) members.set(m.user.uuid, { userId: m.user.uuid, role: owners.has(m.user.uuid) ? 'owner' : 'member' });
  for (const id of owners) members.set(id, { userId: id, role: 'owner' }); // an admin is a member even if /members missed them

  const teams: ForgeTeam[] = [];
  const teamMembers = new Map<string, ForgeTeamMember[]>();
  for (const g of 'groups' in groups ? groups.groups : []) {
    const teamId = `group:${g.slug}`;
    teams.push({ id: teamId, slug: g.slug, name: g.name || g.slug, parentId: null });
    teamMembers.set(teamId, g.members.filter(see).map((a) => ({ userId: a.uuid, role: 'member' as const })));
  }

  const repositories = repos.map((r) => toRepository(client, r));
  const known = new Set(repositories.map((r) => r.id));
  const grants: ForgeGrant[] = [];
  for (const r of repositories) if (r.visibility === 'public') grants.push({ repoId: r.id, subject: { kind: 'members' }, read: true, label: 'public repository' });
  for (const p of repoPerms) {
    // A repository created between the two listings is picked up by the next sync.
    if (!known.has(p.repository.uuid) || !see(p.user)) continue;
    const read = (READING_PERMISSIONS as readonly string[]).includes(p.permission);
    grants.push({ repoId: p.repository.uuid, subject: { kind: 'user', userId: p.user.uuid }, read, label: `${p.permission} (effective)` });
  }
  const notes = 'note' in groups ? [groups.note] : [];
  return { org: { id: w.uuid, login: w.slug }, users: [...users.values()], members: [...members.values()], teams, teamMembers, repositories, grants, notes };
}

/** Direct readers are already user grants of the snapshot (effective permissions): none here. */
export async function bitbucketCloudDirectReaders(): Promise<DirectReader[]> {
  return [];
}

/** The workspace's name and how many repositories the credential sees there; null when it does not exist. */
export async function bitbucketCloudDescribeSource(client: ForgeHttpClient, source: string): Promise<SourceInfo | null> {
  const ws = workspaceSlug(source);
  const w = await findWorkspace(client, ws);
  if (!w) return null;
  const repos = await listRepositories(client, ws);
  return { login: w.slug, name: w.name ?? null, repositories: repos.length };
}

/** One repository by uuid: at `fullName` when it is still there, else found among the workspace's (renamed); null when gone or moved out. */
export async function bitbucketCloudRepository(client: ForgeHttpClient, source: string, repoId: string, fullName: string): Promise<ForgeRepository | null> {
  const ws = workspaceSlug(source);
  try {
    const { workspace, slug } = workspaceAndSlug({ fullName });
    if (workspace.toLowerCase() === ws) {
      const r = await getOne<BcRepository>(client, `/repositories/${encodeURIComponent(ws)}/${slugPath(slug)}`, RepositorySchema, { nullOn404: true });
      if (r && r.uuid === repoId) return toRepository(client, r);
    }
  } catch (e) {
    if (!(isForgeError(e) && e.kind === 'invalid' && !e.details.url)) throw e; // a malformed fullName: search instead
  }
  const r = (await listRepositories(client, ws)).find((x) => x.uuid === repoId);
  return r ? toRepository(client, r) : null;
}
