// The fake's REST endpoints (paths relative to /api/v3): who may see what, and what each returns.

import { DOCS, forbidden, HttpError, notFound, requiresAuth, validationFailed, type Result } from './http-kit.js';
import * as render from './render.js';
import { isoNow, type App, type GhesState, type Org, type Principal, type Repo, type RepoRole, type Team } from './state.js';

export interface Ctx {
  method: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  principal: Principal | null;
  app: App | null;
  body: unknown;
  urls: render.Urls;
  state: GhesState;
  flavor: 'ghes' | 'dotcom';
  rateLimit: { limit: number; remaining: number; used: number; reset: number } | null;
  /** Sends a ping to one hook (in the background). */
  ping(hookId: number): void;
}

type Handler = (ctx: Ctx, p: string[]) => Promise<Result> | Result;
export interface Route {
  method: string;
  re: RegExp;
  handler: Handler;
  /** Answers without a token. */
  anonymous?: boolean;
  /** Needs a GitHub App JWT instead of a token. */
  jwt?: boolean;
}

const ROLE_NAME: Record<string, string> = { pull: 'read', triage: 'triage', push: 'write', maintain: 'maintain', admin: 'admin' };
export const roleNameOf = (role: string): string => ROLE_NAME[role] ?? role;

function who(ctx: Ctx): Principal {
  if (ctx.principal === null) throw requiresAuth();
  return ctx.principal;
}

function orgFor(ctx: Ctx, login: string, mustBeMember = false): Org {
  const org = ctx.state.findOrg(login);
  if (org === undefined) throw notFound();
  if (mustBeMember && !ctx.state.inOrg(who(ctx), org)) throw notFound();
  return org;
}

function teamVisible(ctx: Ctx, org: Org, t: Team): boolean {
  const p = who(ctx);
  if (!ctx.state.inOrg(p, org)) return false;
  if (t.privacy !== 'secret' || p.kind === 'installation' || ctx.state.isOwner(p, org)) return true;
  return ctx.state.subtree(t).some((x) => x.members.has(p.user.id));
}

function teamFor(ctx: Ctx, orgLogin: string, slug: string): { org: Org; team: Team } {
  const org = orgFor(ctx, orgLogin, true);
  const team = ctx.state.findTeam(org, slug);
  if (team === undefined || !teamVisible(ctx, org, team)) throw notFound();
  return { org, team };
}

function repoFor(ctx: Ctx, owner: string, name: string): { repo: Repo; role: RepoRole; roleName: string } {
  const repo = ctx.state.findRepo(owner, name);
  if (repo === undefined) {
    const moved = ctx.state.renamedRepos.get(`${owner}/${name}`.toLowerCase());
    if (moved !== undefined && ctx.state.repos.has(moved)) {
      const url = `${ctx.urls.api}/repositories/${moved}`;
      throw new HttpError(301, { message: 'Moved Permanently', url, documentation_url: DOCS }, { Location: url });
    }
    throw notFound();
  }
  const access = ctx.state.repoRole(who(ctx), repo);
  if (access === null) throw notFound();
  return { repo, ...access };
}

function hookFor(ctx: Ctx, orgLogin: string, id?: string) {
  const p = who(ctx);
  const org = orgFor(ctx, orgLogin, true);
  if (p.kind === 'installation') throw forbidden('Resource not accessible by integration');
  if (!ctx.state.isOwner(p, org)) throw forbidden('You must be an organization owner to manage webhooks.');
  if (p.scopes !== null && !p.scopes.some((s) => s === 'admin:org_hook')) {
    throw new HttpError(404, { message: 'Not Found', documentation_url: DOCS, status: '404' }, { 'X-Accepted-OAuth-Scopes': 'admin:org_hook' });
  }
  if (id === undefined) return { org, hook: undefined };
  const hook = ctx.state.hooks.get(Number(id));
  if (hook === undefined || hook.orgId !== org.id) throw notFound();
  return { org, hook };
}

function oneOf(ctx: Ctx, name: string, allowed: string[], dflt: string): string {
  const v = ctx.query.get(name) ?? dflt;
  if (!allowed.includes(v)) throw validationFailed([{ resource: 'Search', field: name, code: 'invalid', value: v }]);
  return v;
}

const HOOK_EVENTS = new Set(['*', 'push', 'create', 'delete', 'release', 'repository', 'team', 'team_add', 'membership', 'member', 'organization', 'ping', 'public', 'pull_request', 'issues', 'installation']);

function validateHookBody(ctx: Ctx, body: unknown, creating: boolean): { url?: string; secret?: string; contentType?: string; events?: string[]; active?: boolean } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' });
  const b = body as Record<string, unknown>;
  if (creating && b['name'] !== 'web') throw validationFailed([{ resource: 'Hook', code: 'custom', field: 'name', message: "Name must be 'web'" }]);
  const config = b['config'];
  if (creating && (typeof config !== 'object' || config === null)) {
    throw new HttpError(422, { message: 'Invalid request.\n\n"config" wasn\'t supplied.', documentation_url: DOCS, status: '422' });
  }
  const c = (config ?? {}) as Record<string, unknown>;
  const out: ReturnType<typeof validateHookBody> = {};
  if (c['url'] !== undefined || creating) {
    const url = c['url'];
    let ok = typeof url === 'string';
    if (ok) {
      try {
        ok = ['http:', 'https:'].includes(new URL(url as string).protocol);
      } catch {
        ok = false;
      }
    }
    if (!ok) throw validationFailed([{ resource: 'Hook', code: 'custom', field: 'url', message: url === undefined ? 'Config must contain url' : 'Url is not supported because it isn\'t reachable over the public Internet' }]);
    out.url = url as string;
  }
  if (c['secret'] !== undefined) out.secret = String(c['secret']);
  if (c['content_type'] !== undefined) {
    if (c['content_type'] !== 'json' && c['content_type'] !== 'form') throw validationFailed([{ resource: 'Hook', code: 'custom', field: 'content_type', message: 'Content type is not included in the list' }]);
    out.contentType = c['content_type'];
  }
  if (b['events'] !== undefined) {
    const ev = b['events'];
    if (!Array.isArray(ev) || ev.some((e) => typeof e !== 'string' || !HOOK_EVENTS.has(e))) {
      throw validationFailed([{ resource: 'Hook', code: 'invalid', field: 'events', message: 'Events are invalid' }]);
    }
    out.events = ev as string[];
  }
  if (b['active'] !== undefined) out.active = b['active'] === true;
  return out;
}

function collaboratorsOf(ctx: Ctx, repo: Repo, affiliation: string) {
  const { state } = ctx;
  const org = state.orgOf(repo);
  const rows: Array<{ userId: number; role: RepoRole; roleName: string }> = [];
  for (const user of state.users.values()) {
    const direct = repo.collaborators.get(user.id);
    if (affiliation === 'direct' || affiliation === 'outside') {
      if (direct === undefined) continue;
      if (affiliation === 'outside' && org.members.has(user.id)) continue;
      const eff = state.userRepoRole(user, repo);
      if (eff !== null) rows.push({ userId: user.id, ...eff });
      continue;
    }
    // affiliation=all: everyone with explicit access (not just "public"/"internal" visibility).
    const explicit = direct !== undefined || org.members.has(user.id);
    if (!explicit) continue;
    const eff = state.userRepoRole(user, { ...repo, visibility: 'private' } as Repo);
    if (eff !== null) rows.push({ userId: user.id, ...eff });
  }
  return rows.map((r) => {
    const user = state.users.get(r.userId);
    if (user === undefined) throw new Error('dangling user');
    return { ...render.simpleUser(ctx.urls, user), permissions: render.permissionsOf(r.role), role_name: roleNameOf(r.roleName) };
  });
}

function wrap60(b64: string): string {
  let out = '';
  for (let i = 0; i < b64.length; i += 60) out += `${b64.slice(i, i + 60)}\n`;
  return out;
}

async function contents(ctx: Ctx, owner: string, name: string, rawPath: string): Promise<Result> {
  const { repo } = repoFor(ctx, owner, name);
  const path = decodeURIComponent(rawPath).replace(/^\/+|\/+$/g, '');
  const ref = ctx.query.get('ref') ?? repo.defaultBranch;
  const full = `${ctx.state.orgOf(repo).login}/${repo.name}`;
  const api = `${ctx.urls.api}/repos/${full}`;
  const links = (p: string, sha: string, kind: 'blob' | 'tree') => {
    const self = `${api}/contents/${p}?ref=${encodeURIComponent(ref)}`;
    const gitUrl = `${api}/git/${kind === 'blob' ? 'blobs' : 'trees'}/${sha}`;
    const html = `${ctx.urls.web}/${full}/${kind}/${ref}/${p}`;
    return { url: self, git_url: gitUrl, html_url: html, _links: { self, git: gitUrl, html } };
  };
  const file = path === '' ? null : await ctx.state.readFile(repo, ref, path);
  if (file !== null) {
    const accept = String(ctx.headers['accept'] ?? '');
    if (/application\/vnd\.github(\.v3)?\.raw/.test(accept)) {
      return { status: 200, raw: { bytes: file.content, contentType: 'application/vnd.github.raw; charset=utf-8', mediaType: 'github.v3; param=raw' } };
    }
    const fname = path.split('/').pop() ?? path;
    return {
      status: 200,
      body: {
        name: fname,
        path,
        sha: file.sha,
        size: file.content.length,
        ...links(path, file.sha, 'blob'),
        download_url: `${ctx.urls.web}/${full}/raw/${ref}/${path}`,
        type: 'file',
        content: wrap60(file.content.toString('base64')),
        encoding: 'base64',
      },
    };
  }
  const dir = await ctx.state.readDir(repo, ref, path);
  if (dir === null) throw notFound('https://docs.github.com/enterprise-server@3.19/rest/repos/contents#get-repository-content');
  return {
    status: 200,
    body: dir.map((e) => ({
      type: e.type,
      size: e.size,
      name: e.name,
      path: e.path,
      sha: e.sha,
      ...links(e.path, e.sha, e.type === 'file' ? 'blob' : 'tree'),
      download_url: e.type === 'file' ? `${ctx.urls.web}/${full}/raw/${ref}/${e.path}` : null,
    })),
  };
}

function visibleOrgRepos(ctx: Ctx, org: Org): Repo[] {
  const p = who(ctx);
  return [...ctx.state.repos.values()].filter((r) => r.orgId === org.id && ctx.state.repoRole(p, r) !== null);
}

export const routes: Route[] = [
  { method: 'GET', re: /^\/?$/, anonymous: true, handler: (ctx) => ({ status: 200, body: render.rootLinks(ctx.urls) }) },
  {
    method: 'GET',
    re: /^\/meta$/,
    anonymous: true,
    handler: (ctx) => ({
      status: 200,
      body: {
        verifiable_password_authentication: true,
        ...(ctx.flavor === 'ghes' ? { installed_version: '3.19.0' } : {}),
        packages: [],
        domains: {},
      },
    }),
  },
  {
    method: 'GET',
    re: /^\/rate_limit$/,
    handler: (ctx) => {
      const rl = ctx.rateLimit;
      if (rl === null) throw notFound('https://docs.github.com/enterprise-server@3.19/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user');
      const rate = { limit: rl.limit, remaining: rl.remaining, reset: rl.reset, used: rl.used, resource: 'core' };
      const search = { limit: 30, remaining: 30, reset: rl.reset, used: 0, resource: 'search' };
      return { status: 200, body: { resources: { core: rate, search, graphql: { ...rate, resource: 'graphql' } }, rate } };
    },
  },
  {
    method: 'GET',
    re: /^\/user$/,
    handler: (ctx) => {
      const p = who(ctx);
      if (p.kind !== 'user') throw forbidden('Resource not accessible by integration');
      return { status: 200, body: render.privateUser(ctx.urls, p.user, 0), lastModified: p.user.updatedAt };
    },
  },
  {
    method: 'GET',
    re: /^\/user\/memberships\/orgs\/([^/]+)$/,
    handler: (ctx, [o = '']) => {
      const p = who(ctx);
      const org = ctx.state.findOrg(o);
      const role = org === undefined || p.kind !== 'user' ? undefined : org.members.get(p.user.id);
      if (org === undefined || role === undefined || p.kind !== 'user') throw notFound();
      return { status: 200, body: membership(ctx, org, p.user.id, role) };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)$/,
    handler: (ctx, [o = '']) => {
      const org = orgFor(ctx, o);
      return { status: 200, body: render.orgFull(ctx.urls, ctx.state, org, ctx.state.isOwner(who(ctx), org)), lastModified: org.updatedAt };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/members$/,
    handler: (ctx, [o = '']) => {
      const org = orgFor(ctx, o);
      const role = oneOf(ctx, 'role', ['all', 'admin', 'member'], 'all');
      oneOf(ctx, 'filter', ['all', '2fa_disabled', '2fa_insecure'], 'all');
      if (!ctx.state.inOrg(who(ctx), org)) return { status: 200, list: [] };
      const list = [...org.members]
        .filter(([, r]) => role === 'all' || r === role)
        .map(([id]) => ctx.state.users.get(id))
        .filter((u) => u !== undefined)
        .sort((a, b) => a.id - b.id)
        .map((u) => render.simpleUser(ctx.urls, u));
      return { status: 200, list };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/memberships\/([^/]+)$/,
    handler: (ctx, [o = '', login = '']) => {
      const org = orgFor(ctx, o, true);
      const user = ctx.state.findUser(login);
      const role = user === undefined ? undefined : org.members.get(user.id);
      if (user === undefined || role === undefined) throw notFound();
      return { status: 200, body: membership(ctx, org, user.id, role) };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/teams$/,
    handler: (ctx, [o = '']) => {
      const org = orgFor(ctx, o, true);
      const list = [...ctx.state.teams.values()]
        .filter((t) => t.orgId === org.id && teamVisible(ctx, org, t))
        .sort((a, b) => a.id - b.id)
        .map((t) => render.team(ctx.urls, ctx.state, t));
      return { status: 200, list };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/teams\/([^/]+)$/,
    handler: (ctx, [o = '', s = '']) => {
      const { team } = teamFor(ctx, o, s);
      return { status: 200, body: render.teamFull(ctx.urls, ctx.state, team), lastModified: team.updatedAt };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/teams\/([^/]+)\/teams$/,
    handler: (ctx, [o = '', s = '']) => {
      const { org, team } = teamFor(ctx, o, s);
      const list = ctx.state
        .childTeams(team)
        .filter((t) => teamVisible(ctx, org, t))
        .sort((a, b) => a.id - b.id)
        .map((t) => render.team(ctx.urls, ctx.state, t));
      return { status: 200, list };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/teams\/([^/]+)\/members$/,
    handler: (ctx, [o = '', s = '']) => {
      const { team } = teamFor(ctx, o, s);
      const role = oneOf(ctx, 'role', ['all', 'member', 'maintainer'], 'all');
      const list = ctx.state
        .teamMembersWithChildren(team)
        .filter((m) => role === 'all' || m.role === role)
        .map((m) => ({ ...render.simpleUser(ctx.urls, m.user), role: m.role, inherited: m.inherited }));
      return { status: 200, list };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/,
    handler: (ctx, [o = '', s = '', login = '']) => {
      const { org, team } = teamFor(ctx, o, s);
      const user = ctx.state.findUser(login);
      const m = user === undefined ? undefined : ctx.state.teamMembersWithChildren(team).find((x) => x.user.id === user.id);
      if (user === undefined || m === undefined) throw notFound();
      // GitHub reports organization owners as maintainers.
      const role = org.members.get(user.id) === 'admin' ? 'maintainer' : m.inherited ? 'member' : m.role;
      return { status: 200, body: { url: `${ctx.urls.api}/organizations/${org.id}/team/${team.id}/memberships/${user.login}`, role, state: 'active' } };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/teams\/([^/]+)\/repos$/,
    handler: (ctx, [o = '', s = '']) => {
      const { org, team } = teamFor(ctx, o, s);
      const p = who(ctx);
      const list = [...team.grants]
        .map(([id, roleName]) => ({ repo: ctx.state.repos.get(id), roleName }))
        .filter((x): x is { repo: Repo; roleName: string } => x.repo !== undefined && ctx.state.repoRole(p, x.repo) !== null)
        .sort((a, b) => a.repo.id - b.repo.id)
        .map(({ repo, roleName }) => render.minimalRepo(ctx.urls, ctx.state, repo, { role: ctx.state.customRoleBase(org, roleName), roleName: roleNameOf(roleName) }));
      return { status: 200, list };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/teams\/([^/]+)\/repos\/([^/]+)\/([^/]+)$/,
    handler: (ctx, [o = '', s = '', ow = '', rn = '']) => {
      const { org, team } = teamFor(ctx, o, s);
      const { repo } = repoFor(ctx, ow, rn);
      let best: { role: RepoRole; roleName: string } | null = null;
      for (const t of ctx.state.ancestry(team)) {
        const g = t.grants.get(repo.id);
        if (g === undefined) continue;
        const role = ctx.state.customRoleBase(org, g);
        const lvl = render.permissionsOf(role);
        if (best === null || Object.values(lvl).filter(Boolean).length > Object.values(render.permissionsOf(best.role)).filter(Boolean).length) best = { role, roleName: g };
      }
      if (best === null) throw notFound();
      if (/application\/vnd\.github\.v3\.repository\+json/.test(String(ctx.headers['accept'] ?? ''))) {
        return { status: 200, body: render.fullRepo(ctx.urls, ctx.state, repo, { role: best.role, roleName: roleNameOf(best.roleName) }) };
      }
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/repos$/,
    handler: (ctx, [o = '']) => {
      const org = orgFor(ctx, o);
      const type = oneOf(ctx, 'type', ['all', 'public', 'private', 'internal', 'forks', 'sources', 'member'], 'all');
      const sort = oneOf(ctx, 'sort', ['created', 'updated', 'pushed', 'full_name'], 'created');
      const direction = oneOf(ctx, 'direction', ['asc', 'desc'], sort === 'full_name' ? 'asc' : 'desc');
      const p = who(ctx);
      let repos = visibleOrgRepos(ctx, org).filter((r) =>
        type === 'public' || type === 'private' || type === 'internal' ? r.visibility === type : type !== 'forks',
      );
      const key = (r: Repo): string => (sort === 'full_name' ? r.name.toLowerCase() : sort === 'updated' ? r.updatedAt : sort === 'pushed' ? r.pushedAt : `${r.createdAt}|${String(r.id).padStart(12, '0')}`);
      repos = repos.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id));
      if (direction === 'desc') repos.reverse();
      const list = repos.map((r) => {
        const acc = ctx.state.repoRole(p, r);
        return render.minimalRepo(ctx.urls, ctx.state, r, { role: acc?.role ?? null });
      });
      return { status: 200, list };
    },
  },
  {
    method: 'GET',
    re: /^\/repos\/([^/]+)\/([^/]+)$/,
    handler: (ctx, [o = '', n = '']) => {
      const { repo, role } = repoFor(ctx, o, n);
      return { status: 200, body: render.fullRepo(ctx.urls, ctx.state, repo, { role }), lastModified: repo.pushedAt > repo.updatedAt ? repo.pushedAt : repo.updatedAt };
    },
  },
  {
    method: 'GET',
    re: /^\/repositories\/(\d+)$/,
    handler: (ctx, [id = '']) => {
      const repo = ctx.state.repos.get(Number(id));
      if (repo === undefined) throw notFound();
      const { role } = repoFor(ctx, ctx.state.orgOf(repo).login, repo.name);
      return { status: 200, body: render.fullRepo(ctx.urls, ctx.state, repo, { role }), lastModified: repo.updatedAt };
    },
  },
  {
    method: 'GET',
    re: /^\/repos\/([^/]+)\/([^/]+)\/collaborators$/,
    handler: (ctx, [o = '', n = '']) => {
      const { repo, role } = repoFor(ctx, o, n);
      if (ctx.principal?.kind === 'user' && render.permissionsOf(role).push === false) throw forbidden('Must have push access to view repository collaborators.');
      const affiliation = oneOf(ctx, 'affiliation', ['outside', 'direct', 'all'], 'all');
      return { status: 200, list: collaboratorsOf(ctx, repo, affiliation) };
    },
  },
  {
    method: 'GET',
    re: /^\/repos\/([^/]+)\/([^/]+)\/teams$/,
    handler: (ctx, [o = '', n = '']) => {
      const { repo } = repoFor(ctx, o, n);
      const org = ctx.state.orgOf(repo);
      const list = [...ctx.state.teams.values()]
        .filter((t) => t.orgId === org.id && t.grants.has(repo.id) && teamVisible(ctx, org, t))
        .sort((a, b) => a.id - b.id)
        .map((t) => ({ ...render.team(ctx.urls, ctx.state, t), permission: t.grants.get(repo.id) ?? 'pull' }));
      return { status: 200, list };
    },
  },
  { method: 'GET', re: /^\/repos\/([^/]+)\/([^/]+)\/contents(?:\/(.*))?$/, handler: (ctx, [o = '', n = '', path = '']) => contents(ctx, o, n, path) },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/hooks$/,
    handler: (ctx, [o = '']) => {
      const { org } = hookFor(ctx, o);
      return { status: 200, list: ctx.state.orgHooks(org).map((h) => render.orgHook(ctx.urls, ctx.state, h)) };
    },
  },
  {
    method: 'POST',
    re: /^\/orgs\/([^/]+)\/hooks$/,
    handler: (ctx, [o = '']) => {
      const { org } = hookFor(ctx, o);
      const v = validateHookBody(ctx, ctx.body, true);
      if (ctx.state.orgHooks(org).some((h) => h.config.url === v.url)) {
        throw validationFailed([{ resource: 'Hook', code: 'custom', message: 'Hook already exists on this organization' }]);
      }
      const hook = ctx.state.addHook(org.login, {
        url: v.url ?? '',
        ...(v.secret !== undefined ? { secret: v.secret } : {}),
        events: v.events ?? ['push'],
        active: v.active ?? true,
        contentType: (v.contentType ?? 'form') as 'json' | 'form',
      });
      ctx.ping(hook.id);
      const body = render.orgHook(ctx.urls, ctx.state, hook);
      return { status: 201, body, headers: { Location: body.url } };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/hooks\/(\d+)$/,
    handler: (ctx, [o = '', id = '']) => {
      const { hook } = hookFor(ctx, o, id);
      if (hook === undefined) throw notFound();
      return { status: 200, body: render.orgHook(ctx.urls, ctx.state, hook) };
    },
  },
  {
    method: 'PATCH',
    re: /^\/orgs\/([^/]+)\/hooks\/(\d+)$/,
    handler: (ctx, [o = '', id = '']) => {
      const { hook } = hookFor(ctx, o, id);
      if (hook === undefined) throw notFound();
      const v = validateHookBody(ctx, ctx.body, false);
      if (v.url !== undefined) hook.config.url = v.url;
      if (v.secret !== undefined) hook.config.secret = v.secret;
      if (v.contentType !== undefined) hook.config.content_type = v.contentType;
      if (v.events !== undefined) hook.events = v.events;
      if (v.active !== undefined) hook.active = v.active;
      hook.updatedAt = isoNow();
      return { status: 200, body: render.orgHook(ctx.urls, ctx.state, hook) };
    },
  },
  {
    method: 'DELETE',
    re: /^\/orgs\/([^/]+)\/hooks\/(\d+)$/,
    handler: (ctx, [o = '', id = '']) => {
      const { hook } = hookFor(ctx, o, id);
      if (hook === undefined) throw notFound();
      ctx.state.hooks.delete(hook.id);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    re: /^\/orgs\/([^/]+)\/hooks\/(\d+)\/pings$/,
    handler: (ctx, [o = '', id = '']) => {
      const { hook } = hookFor(ctx, o, id);
      if (hook === undefined) throw notFound();
      ctx.ping(hook.id);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    re: /^\/orgs\/([^/]+)\/installation$/,
    jwt: true,
    handler: (ctx, [o = '']) => {
      const org = ctx.state.findOrg(o);
      const inst = [...ctx.state.installations.values()].find((i) => i.appId === ctx.app?.appId && i.orgId === org?.id);
      if (inst === undefined) throw notFound();
      return { status: 200, body: render.installation(ctx.urls, ctx.state, inst) };
    },
  },
  {
    method: 'POST',
    re: /^\/app\/installations\/(\d+)\/access_tokens$/,
    jwt: true,
    handler: (ctx, [id = '']) => {
      const inst = ctx.state.installations.get(Number(id));
      if (inst === undefined || inst.appId !== ctx.app?.appId) throw notFound();
      const { token, expiresAt } = ctx.state.createInstallationToken(inst.id);
      return {
        status: 201,
        body: { token, expires_at: isoNow(expiresAt), permissions: { contents: 'read', metadata: 'read', members: 'read' }, repository_selection: 'all' },
      };
    },
  },
  {
    method: 'GET',
    re: /^\/installation\/repositories$/,
    handler: (ctx) => {
      const p = who(ctx);
      if (p.kind !== 'installation') throw forbidden('You must authenticate with an installation access token in order to list repositories for an installation.');
      const repos = [...ctx.state.repos.values()].filter((r) => r.orgId === p.installation.orgId).sort((a, b) => a.id - b.id);
      return { status: 200, body: { total_count: repos.length, repository_selection: 'all', repositories: repos.map((r) => render.fullRepo(ctx.urls, ctx.state, r, { role: 'pull' })) } };
    },
  },
];

function membership(ctx: Ctx, org: Org, userId: number, role: 'admin' | 'member') {
  const user = ctx.state.users.get(userId);
  if (user === undefined) throw notFound();
  return {
    url: `${ctx.urls.api}/orgs/${org.login}/memberships/${user.login}`,
    state: 'active',
    role,
    organization_url: `${ctx.urls.api}/orgs/${org.login}`,
    organization: render.orgSimple(ctx.urls, org),
    user: render.simpleUser(ctx.urls, user),
  };
}
