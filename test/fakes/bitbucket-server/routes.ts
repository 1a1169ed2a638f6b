// The fake Bitbucket Data Center's REST 1.0 routes (paths relative to CONTEXT/rest/api/1.0):
// properties, projects, repositories, permission lists, effective-permission user search, admin
// group members, users, raw files and webhooks (project webhooks only on 8.x). Who may call what
// follows Bitbucket: permission lists need PROJECT_ADMIN / REPO_ADMIN, /admin/* a system admin.

import { bbError, HttpError, noProject, noRepo, notAuthenticated, notPermitted, renderDetailedUser, renderHook, renderProject, renderRepo, renderUser, type Urls } from './render.js';
import { capOf, LEVEL_OF, PROJECT_NAME, REPO_NAME, type BitbucketState, type Grants, type Hook, type Project, type Repository, type Token, type User } from './state.js';

export interface Ctx {
  method: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  user: User | null;
  token: Token | null;
  state: BitbucketState;
  urls: Urls;
  version: string;
}
export interface Result {
  status: number;
  body?: unknown;
  /** A listing the server pages with start/limit. */
  list?: unknown[];
  raw?: { bytes: Buffer; contentType: string };
}
export interface Route {
  method: string;
  re: RegExp;
  handler: (ctx: Ctx, params: string[]) => Promise<Result> | Result;
}

const ok = (body: unknown): Result => ({ status: 200, body });
const list = (rows: unknown[]): Result => ({ status: 200, list: rows });

function needUser(ctx: Ctx): User {
  if (ctx.user === null) throw notAuthenticated();
  return ctx.user;
}
function project(ctx: Ctx, key: string): Project {
  const p = ctx.state.findProject(key);
  if (p === undefined || !ctx.state.canViewProject(ctx.user, p, ctx.token)) {
    if (p !== undefined && ctx.user === null) throw notAuthenticated();
    throw noProject(key);
  }
  return p;
}
function repo(ctx: Ctx, key: string, slug: string): Repository {
  const r = ctx.state.findRepo(key, slug);
  if (r === undefined || ctx.state.repoLevel(ctx.user, r, ctx.token) === 0) {
    if (r !== undefined && ctx.user === null) throw notAuthenticated();
    if (ctx.state.findProject(key) === undefined) throw noProject(key);
    throw noRepo(key, slug);
  }
  return r;
}
function needProjectAdmin(ctx: Ctx, p: Project): void {
  needUser(ctx);
  if (ctx.state.projectLevel(ctx.user, p, ctx.token) < 3) throw notPermitted();
}
function needRepoAdmin(ctx: Ctx, r: Repository): void {
  needUser(ctx);
  if (ctx.state.repoLevel(ctx.user, r, ctx.token) < 3) throw notPermitted();
}
const is8 = (ctx: Ctx): boolean => Number.parseInt(ctx.version, 10) >= 8;
const filterText = (ctx: Ctx): string => (ctx.query.get('filter') ?? '').toLowerCase();
const byName = (a: User, b: User): number => a.name.localeCompare(b.name);

function userRows(ctx: Ctx, g: Grants, names: Record<number, string>): unknown[] {
  const f = filterText(ctx);
  return [...g.users.entries()]
    .map(([id, level]) => ({ u: ctx.state.users.get(id), level }))
    .filter((x): x is { u: User; level: 1 | 2 | 3 } => x.u !== undefined)
    .filter((x) => f === '' || x.u.name.toLowerCase().includes(f) || x.u.displayName.toLowerCase().includes(f))
    .sort((a, b) => byName(a.u, b.u))
    .map((x) => ({ user: renderUser(x.u, ctx.urls), permission: names[x.level] }));
}
function groupRows(ctx: Ctx, g: Grants, names: Record<number, string>): unknown[] {
  const f = filterText(ctx);
  return [...g.groups.entries()]
    .filter(([name]) => f === '' || name.toLowerCase().includes(f))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, level]) => ({ group: { name }, permission: names[level] }));
}

/** One effective-permission filter of GET /users (`permission[.N]`, `.projectKey`, `.repositorySlug`). */
function permissionFilter(ctx: Ctx, prefix: string): ((u: User) => boolean) | null {
  const perm = ctx.query.get(prefix);
  if (perm === null) return null;
  const s = ctx.state;
  const key = ctx.query.get(`${prefix}.projectKey`);
  const slug = ctx.query.get(`${prefix}.repositorySlug`);
  const GLOBAL: Record<string, (u: User) => boolean> = { LICENSED_USER: () => true, PROJECT_CREATE: () => true, ADMIN: (u) => u.sysAdmin, SYS_ADMIN: (u) => u.sysAdmin };
  const global = GLOBAL[perm];
  if (global !== undefined) return global;
  const level = LEVEL_OF[perm];
  if (level === undefined) throw bbError(400, `Permission ${perm} is not a valid permission`, 'com.atlassian.bitbucket.rest.exception.BadRequestException');
  if (perm.startsWith('PROJECT_')) {
    if (key === null) throw bbError(400, `${prefix}.projectKey is required for ${perm}`, 'com.atlassian.bitbucket.rest.exception.BadRequestException');
    const p = s.findProject(key);
    return (u) => p !== undefined && s.projectLevel(u, p) >= level;
  }
  if (key === null || slug === null) throw bbError(400, `${prefix}.projectKey and ${prefix}.repositorySlug are required for ${perm}`, 'com.atlassian.bitbucket.rest.exception.BadRequestException');
  const r = s.findRepo(key, slug);
  return (u) => r !== undefined && s.repoLevel(u, r) >= level;
}

function hookBody(ctx: Ctx): { name: string; url: string; events: string[]; active: boolean; secret: string | null } {
  const b = ctx.body;
  const events = Array.isArray(b['events']) ? b['events'].map(String) : [];
  if (typeof b['name'] !== 'string' || typeof b['url'] !== 'string' || events.length === 0) {
    throw bbError(400, 'A webhook needs a name, a url and at least one event', 'com.atlassian.bitbucket.validation.ArgumentValidationException');
  }
  const conf = (b['configuration'] ?? {}) as Record<string, unknown>;
  return { name: b['name'], url: b['url'], events, active: b['active'] !== false, secret: typeof conf['secret'] === 'string' ? conf['secret'] : null };
}

/** GET (list), POST (create) and GET/PUT/DELETE one, for a scope the caller administers. */
function hookRoutes(base: string, scopeOf: (ctx: Ctx, p: string[]) => Hook['scope']): Route[] {
  const one = (ctx: Ctx, p: string[]): Hook => {
    const h = ctx.state.hooks.get(Number(p[p.length - 1]));
    const scope = scopeOf(ctx, p);
    if (h === undefined || h.scope.type !== scope.type || h.scope.id !== scope.id) throw bbError(404, 'Webhook not found', 'com.atlassian.bitbucket.webhook.NoSuchWebhookException');
    return h;
  };
  return [
    {
      method: 'GET',
      re: new RegExp(`^${base}/webhooks$`),
      handler: (ctx, p) => {
        const event = ctx.query.get('event');
        return list(ctx.state.hooksOf(scopeOf(ctx, p)).filter((h) => event === null || h.events.includes(event)).map(renderHook));
      },
    },
    { method: 'POST', re: new RegExp(`^${base}/webhooks$`), handler: (ctx, p) => ({ status: 201, body: renderHook(ctx.state.addHook(scopeOf(ctx, p), hookBody(ctx))) }) },
    { method: 'GET', re: new RegExp(`^${base}/webhooks/(\\d+)$`), handler: (ctx, p) => ok(renderHook(one(ctx, p))) },
    {
      method: 'PUT',
      re: new RegExp(`^${base}/webhooks/(\\d+)$`),
      handler: (ctx, p) => {
        const h = one(ctx, p);
        const b = hookBody(ctx);
        Object.assign(h, { name: b.name, url: b.url, events: b.events, active: b.active, updatedDate: ctx.state.tick() });
        if (b.secret !== null) h.secret = b.secret;
        return ok(renderHook(h));
      },
    },
    {
      method: 'DELETE',
      re: new RegExp(`^${base}/webhooks/(\\d+)$`),
      handler: (ctx, p) => {
        ctx.state.hooks.delete(one(ctx, p).id);
        return { status: 204 };
      },
    },
  ];
}

const P = '/projects/([^/]+)';
const R = `${P}/repos/([^/]+)`;

export const routes: Route[] = [
  {
    method: 'GET',
    re: /^\/application-properties$/,
    handler: (ctx) => ok({ version: `${ctx.version}.0`, buildNumber: ctx.version.replace('.', '0') + '000', buildDate: '1767225600000', displayName: 'Bitbucket' }),
  },
  { method: 'GET', re: /^\/projects$/, handler: (ctx) => list([...ctx.state.projects.values()].filter((p) => ctx.state.canViewProject(ctx.user, p, ctx.token)).map((p) => renderProject(p, ctx.urls))) },
  { method: 'GET', re: new RegExp(`^${P}$`), handler: (ctx, [k = '']) => ok(renderProject(project(ctx, k), ctx.urls)) },
  {
    method: 'GET',
    re: new RegExp(`^${P}/repos$`),
    handler: (ctx, [k = '']) => {
      const s = ctx.state;
      return list(s.reposOf(project(ctx, k)).filter((r) => s.repoLevel(ctx.user, r, ctx.token) > 0).sort((a, b) => a.slug.localeCompare(b.slug)).map((r) => renderRepo(s, r, ctx.urls)));
    },
  },
  { method: 'GET', re: new RegExp(`^${R}$`), handler: (ctx, [k = '', r = '']) => ok(renderRepo(ctx.state, repo(ctx, k, r), ctx.urls)) },
  {
    method: 'GET',
    re: /^\/repos$/,
    handler: (ctx) => {
      const s = ctx.state;
      const q = ctx.query;
      const key = q.get('projectkey');
      const archived = q.get('archived') ?? 'ACTIVE';
      const need = LEVEL_OF[q.get('permission') ?? 'REPO_READ'] ?? 1;
      const name = (q.get('name') ?? '').toLowerCase();
      return list(
        [...s.repos.values()]
          .filter((r) => s.repoLevel(ctx.user, r, ctx.token) >= need)
          .filter((r) => key === null || s.projectOf(r).key === key.toUpperCase())
          .filter((r) => archived === 'ALL' || (archived === 'ARCHIVED') === r.archived)
          .filter((r) => name === '' || r.name.toLowerCase().includes(name))
          .filter((r) => q.get('visibility') === null || (q.get('visibility') === 'public') === r.public)
          .sort((a, b) => s.projectOf(a).key.localeCompare(s.projectOf(b).key) || a.slug.localeCompare(b.slug))
          .map((r) => renderRepo(s, r, ctx.urls)),
      );
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^${P}/permissions/(users|groups)$`),
    handler: (ctx, [k = '', kind]) => {
      const p = project(ctx, k);
      needProjectAdmin(ctx, p);
      return list(kind === 'users' ? userRows(ctx, p.grants, PROJECT_NAME) : groupRows(ctx, p.grants, PROJECT_NAME));
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^${P}/permissions/(PROJECT_READ|PROJECT_WRITE)/all$`),
    handler: (ctx, [k = '', perm = '']) => {
      const p = project(ctx, k);
      needProjectAdmin(ctx, p);
      return ok({ permitted: p.defaultPermission >= (LEVEL_OF[perm] ?? 1) });
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^${R}/permissions/(users|groups)$`),
    handler: (ctx, [k = '', slug = '', kind]) => {
      const r = repo(ctx, k, slug);
      needRepoAdmin(ctx, r);
      return list(kind === 'users' ? userRows(ctx, r.grants, REPO_NAME) : groupRows(ctx, r.grants, REPO_NAME));
    },
  },
  {
    method: 'GET',
    re: /^\/users$/,
    handler: (ctx) => {
      needUser(ctx);
      const filters: Array<(u: User) => boolean> = [];
      const first = permissionFilter(ctx, 'permission');
      if (first !== null) filters.push(first);
      for (let n = 1; n <= 50; n++) {
        const f = permissionFilter(ctx, `permission.${n}`);
        if (f !== null) filters.push(f);
      }
      const group = ctx.query.get('group');
      const members = group === null ? null : (ctx.state.groups.get(group) ?? new Set<number>());
      const text = filterText(ctx);
      return list(
        [...ctx.state.users.values()]
          .filter((u) => u.active)
          .filter((u) => members === null || members.has(u.id))
          .filter((u) => text === '' || [u.name, u.displayName, u.emailAddress].some((v) => v.toLowerCase().includes(text)))
          .filter((u) => filters.every((f) => f(u)))
          .sort(byName)
          .map((u) => renderUser(u, ctx.urls)),
      );
    },
  },
  {
    method: 'GET',
    re: /^\/users\/([^/]+)$/,
    handler: (ctx, [slug = '']) => {
      needUser(ctx);
      const u = [...ctx.state.users.values()].find((x) => x.slug === slug);
      if (u === undefined) throw bbError(404, `User ${slug} does not exist.`, 'com.atlassian.bitbucket.user.NoSuchUserException');
      return ok(renderUser(u, ctx.urls));
    },
  },
  {
    method: 'GET',
    re: /^\/groups$/,
    handler: (ctx) => {
      needUser(ctx);
      const f = filterText(ctx);
      return list([...ctx.state.groups.keys()].filter((g) => g.toLowerCase().includes(f)).sort());
    },
  },
  {
    method: 'GET',
    re: /^\/admin\/groups\/more-members$/,
    handler: (ctx) => {
      const u = needUser(ctx);
      if (ctx.token !== null && !ctx.token.adminEndpoints) throw bbError(403, 'HTTP access tokens cannot be used on this resource', 'com.atlassian.bitbucket.AuthorisationException');
      if (!u.sysAdmin || !capOf(ctx.token).admin) throw notPermitted();
      const name = ctx.query.get('context') ?? '';
      const members = ctx.state.groups.get(name);
      if (members === undefined) throw bbError(404, `Group ${name} does not exist.`, 'com.atlassian.bitbucket.user.NoSuchGroupException');
      const f = filterText(ctx);
      return list(
        [...members]
          .map((id) => ctx.state.users.get(id))
          .filter((x): x is User => x !== undefined && (f === '' || x.name.toLowerCase().includes(f)))
          .sort(byName)
          .map((x) => renderDetailedUser(x, ctx.urls)),
      );
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^${R}/raw/(.+)$`),
    handler: async (ctx, [k = '', slug = '', path = '']) => {
      const r = repo(ctx, k, slug);
      const at = ctx.query.get('at') ?? r.defaultBranch;
      const file = await ctx.state.readFile(r, at, decodeURIComponent(path));
      if (file === null) throw bbError(404, `The path "${decodeURIComponent(path)}" does not exist at revision "${at}"`, 'com.atlassian.bitbucket.content.NoSuchPathException');
      return { status: 200, raw: { bytes: file.content, contentType: 'text/plain;charset=UTF-8' } };
    },
  },
  ...hookRoutes(R, (ctx, [k = '', slug = '']) => {
    const r = repo(ctx, k, slug);
    needRepoAdmin(ctx, r);
    return { type: 'repository', id: r.id };
  }),
  ...hookRoutes(P, (ctx, [k = '']) => {
    if (!is8(ctx)) throw new HttpError(404, { errors: [{ context: null, message: 'null for uri: /rest/api/1.0/projects/' + k + '/webhooks', exceptionName: null }] });
    const p = project(ctx, k);
    needProjectAdmin(ctx, p);
    return { type: 'project', id: p.id };
  }),
];
