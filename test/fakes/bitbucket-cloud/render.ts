// JSON shapes of the fake Bitbucket Cloud (API 2.0, after the published OpenAPI description's
// schemas: account/user, workspace, workspace_membership, project, repository, repository_permission,
// group, webhook_subscription), Bitbucket's error body `{type: "error", error: {message}}`, and the
// paged envelope `{pagelen, size, page, values, next}` with `next` a full URL.

import type { BitbucketCloudState, Group, Hook, Project, Repository, Role, User, Workspace } from './state.js';
import { PERMISSION_OF } from './state.js';

export interface Urls {
  /** http(s)://127.0.0.1:PORT (the web host: git, OAuth, html links) */
  web: string;
  /** `${web}/api/2.0` */
  api: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

/** Bitbucket's error body. */
export function bbError(status: number, message: string, detail?: string): HttpError {
  const error: Record<string, unknown> = { message };
  if (detail !== undefined) error['detail'] = detail;
  return new HttpError(status, { type: 'error', error });
}
export const unauthorized = (): HttpError => bbError(401, 'Unauthorized', 'Invalid credentials');
export const notFound = (what: string): HttpError => bbError(404, `${what} not found`);
export const forbidden = (message = 'Your credentials lack one or more required privilege scopes.'): HttpError => bbError(403, message);

const link = (href: string): { href: string } => ({ href });

export function renderUser(u: User, urls: Urls): Record<string, unknown> {
  return {
    type: 'user',
    display_name: u.displayName,
    uuid: u.uuid,
    account_id: u.accountId,
    nickname: u.nickname,
    links: { self: link(`${urls.api}/users/${encodeURIComponent(u.uuid)}`), html: link(`${urls.web}/${encodeURIComponent(u.uuid)}/`), avatar: link(`${urls.web}/account/${u.accountId}/avatar`) },
  };
}

/** GET /user: the caller, with the fields Bitbucket adds for oneself. */
export function renderSelf(u: User, urls: Urls): Record<string, unknown> {
  return { ...renderUser(u, urls), created_on: '2020-01-01T00:00:00.000000+00:00', account_status: 'active', has_2fa_enabled: null, is_staff: false };
}

export function renderWorkspace(w: Workspace, urls: Urls): Record<string, unknown> {
  const base = `${urls.api}/workspaces/${w.slug}`;
  return {
    type: 'workspace',
    uuid: w.uuid,
    name: w.name,
    slug: w.slug,
    is_private: w.isPrivate,
    created_on: '2020-01-01T00:00:00.000000+00:00',
    links: {
      avatar: link(`${urls.web}/workspaces/${w.slug}/avatar`),
      html: link(`${urls.web}/${w.slug}/`),
      members: link(`${base}/members`),
      owners: link(`${base}/members?q=permission%3D%22owner%22`),
      projects: link(`${base}/projects`),
      repositories: link(`${urls.api}/repositories/${w.slug}`),
      snippets: link(`${urls.api}/snippets/${w.slug}`),
      self: link(base),
    },
  };
}

/** The workspace as embedded in other objects. */
export function renderWorkspaceRef(w: Workspace, urls: Urls): Record<string, unknown> {
  return { type: 'workspace', uuid: w.uuid, name: w.name, slug: w.slug, links: { avatar: link(`${urls.web}/workspaces/${w.slug}/avatar`), html: link(`${urls.web}/${w.slug}/`), self: link(`${urls.api}/workspaces/${w.slug}`) } };
}

export function renderMembership(s: BitbucketCloudState, w: Workspace, u: User, urls: Urls, role?: Role): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: 'workspace_membership',
    user: renderUser(u, urls),
    workspace: renderWorkspaceRef(w, urls),
    links: { self: link(`${urls.api}/workspaces/${w.slug}/members/${encodeURIComponent(u.uuid)}`) },
  };
  if (role !== undefined) {
    out['permission'] = role;
    out['last_accessed'] = null;
    out['added_on'] = '2026-01-01T00:00:00.000000+00:00';
  }
  void s;
  return out;
}

export function renderProject(s: BitbucketCloudState, p: Project, urls: Urls): Record<string, unknown> {
  const w = s.workspaceOf(p);
  return {
    type: 'project',
    key: p.key,
    uuid: p.uuid,
    name: p.name,
    is_private: p.isPrivate,
    description: '',
    links: { html: link(`${urls.web}/${w.slug}/workspace/projects/${p.key}`), avatar: link(`${urls.web}/${w.slug}/workspace/projects/${p.key}/avatar`) },
    created_on: '2020-01-01T00:00:00.000000+00:00',
    updated_on: '2020-01-01T00:00:00.000000+00:00',
    has_publicly_visible_repos: [...s.repos.values()].some((r) => r.projectId === p.id && !r.isPrivate),
  };
}

/** A short repository (as in permission rows and payload subjects). */
export function renderRepoRef(s: BitbucketCloudState, r: Repository, urls: Urls): Record<string, unknown> {
  const w = s.workspaceOf(r);
  return {
    type: 'repository',
    full_name: `${w.slug}/${r.slug}`,
    name: r.name,
    uuid: r.uuid,
    links: { self: link(`${urls.api}/repositories/${w.slug}/${r.slug}`), html: link(`${urls.web}/${w.slug}/${r.slug}`), avatar: link(`${urls.web}/${w.slug}/${r.slug}/avatar/32/`) },
  };
}

/** The full repository; https clone links carry the caller's nickname, as Bitbucket's do. */
export function renderRepo(s: BitbucketCloudState, r: Repository, urls: Urls, caller: User | null): Record<string, unknown> {
  const w = s.workspaceOf(r);
  const api = `${urls.api}/repositories/${w.slug}/${r.slug}`;
  const web = new URL(urls.web);
  const https = `${web.protocol}//${caller === null ? '' : `${encodeURIComponent(caller.nickname)}@`}${web.host}/${w.slug}/${r.slug}.git`;
  const when = new Date(r.createdOn).toISOString().replace('Z', '000+00:00');
  return {
    type: 'repository',
    full_name: `${w.slug}/${r.slug}`,
    links: {
      self: link(api),
      html: link(`${urls.web}/${w.slug}/${r.slug}`),
      avatar: link(`${urls.web}/${w.slug}/${r.slug}/avatar/32/`),
      pullrequests: link(`${api}/pullrequests`),
      commits: link(`${api}/commits`),
      forks: link(`${api}/forks`),
      watchers: link(`${api}/watchers`),
      downloads: link(`${api}/downloads`),
      clone: [
        { name: 'https', href: https },
        { name: 'ssh', href: `git@${web.hostname}:${w.slug}/${r.slug}.git` },
      ],
      hooks: link(`${api}/hooks`),
    },
    name: r.name,
    slug: r.slug,
    description: '',
    scm: 'git',
    website: null,
    owner: { type: 'team', display_name: w.name, uuid: w.uuid, links: { self: link(`${urls.api}/workspaces/${w.slug}`), html: link(`${urls.web}/${w.slug}/`), avatar: link(`${urls.web}/workspaces/${w.slug}/avatar`) } },
    workspace: renderWorkspaceRef(w, urls),
    is_private: r.isPrivate,
    project: { type: 'project', key: s.projectOf(r).key, uuid: s.projectOf(r).uuid, name: s.projectOf(r).name, links: { html: link(`${urls.web}/${w.slug}/workspace/projects/${s.projectOf(r).key}`) } },
    fork_policy: 'no_public_forks',
    created_on: when,
    updated_on: when,
    size: 0,
    language: 'php',
    uuid: r.uuid,
    mainbranch: { name: r.mainbranch, type: 'branch' },
    has_issues: false,
    has_wiki: false,
  };
}

export function renderRepoPermission(s: BitbucketCloudState, r: Repository, u: User, level: number, urls: Urls): Record<string, unknown> {
  return { type: 'repository_permission', user: renderUser(u, urls), repository: renderRepoRef(s, r, urls), permission: PERMISSION_OF[level] };
}

export function renderGroup(s: BitbucketCloudState, g: Group, urls: Urls): Record<string, unknown> {
  const w = s.workspaceOf(g);
  return { type: 'group', name: g.name, slug: g.slug, full_slug: `${w.slug}:${g.slug}`, links: { self: link(`${urls.api}/groups/${w.slug}/${g.slug}`), html: link(`${urls.web}/${w.slug}/workspace/settings/groups/${g.slug}`) } };
}

/** The 1.0 groups API's group: members inlined, `permission` the group's default repository access. */
export function renderGroup10(s: BitbucketCloudState, g: Group, urls: Urls): Record<string, unknown> {
  const w = s.workspaceOf(g);
  return {
    name: g.name,
    slug: g.slug,
    permission: g.permission,
    auto_add: g.autoAdd,
    owner: { display_name: w.name, uuid: w.uuid, is_team: true, nickname: w.slug, account_id: null, avatar: `${urls.web}/workspaces/${w.slug}/avatar` },
    members: [...g.members]
      .map((id) => s.users.get(id))
      .filter((u): u is User => u !== undefined)
      .sort((a, b) => a.nickname.localeCompare(b.nickname))
      .map((u) => ({ display_name: u.displayName, uuid: u.uuid, account_id: u.accountId, nickname: u.nickname, is_team: false, avatar: `${urls.web}/account/${u.accountId}/avatar` })),
  };
}

export function renderHook(s: BitbucketCloudState, h: Hook, urls: Urls): Record<string, unknown> {
  const subject =
    h.subject.type === 'repository'
      ? renderRepoRef(s, s.repos.get(h.subject.id) as Repository, urls)
      : renderWorkspaceRef(s.workspaces.get(h.subject.id) as Workspace, urls);
  return {
    type: 'webhook_subscription',
    uuid: h.uuid,
    url: h.url,
    description: h.description,
    subject_type: h.subject.type,
    subject,
    active: h.active,
    created_at: new Date(h.createdAt).toISOString().replace('Z', '000+00:00'),
    events: h.events,
    secret_set: h.secret !== null,
  };
}

/** The 2.0 paged envelope: `next` (a full URL carrying the query) while more pages follow. */
export function paged<T>(all: T[], page: number, pagelen: number, selfUrl: URL, withSize: boolean): Record<string, unknown> {
  const start = (page - 1) * pagelen;
  const values = all.slice(start, start + pagelen);
  const out: Record<string, unknown> = { pagelen, page, values };
  if (withSize) out['size'] = all.length;
  const at = (p: number): string => {
    const u = new URL(selfUrl);
    u.searchParams.set('page', String(p));
    return u.toString();
  };
  if (start + pagelen < all.length) out['next'] = at(page + 1);
  if (page > 1) out['previous'] = at(page - 1);
  return out;
}
