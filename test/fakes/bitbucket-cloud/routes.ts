// The fake Bitbucket Cloud's API routes (paths relative to API, e.g. `/2.0/user`): the caller,
// workspaces, members and their roles, effective repository permissions (workspace-wide: admins
// only; per repository: repository admins), repositories, raw files, projects, explicit permission
// configs, repository and workspace webhooks (secret write-only, `secret_set` read back), and the
// 1.0 groups API (served, 404 or 410 as `groupsApi` says). Who may call what follows the
// reference: 403 with Bitbucket's error body when the caller lacks the privilege.

import { applyQuery, applySort } from './query.js';
import {
  bbError, forbidden, HttpError, notFound, renderGroup, renderGroup10, renderHook, renderMembership, renderProject, renderRepo, renderRepoPermission, renderRepoRef, renderSelf, renderUser,
  renderWorkspace, renderWorkspaceRef, type Urls,
} from './render.js';
import { PERMISSION_OF, type BitbucketCloudState, type Hook, type Principal, type Repository, type User, type Workspace } from './state.js';

export interface Ctx {
  method: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  principal: Principal;
  state: BitbucketCloudState;
  urls: Urls;
  groupsApi: 'served' | 'gone' | 'missing';
}
export interface Result {
  status: number;
  body?: unknown;
  /** A listing the server pages (after q and sort). */
  list?: unknown[];
  raw?: { bytes: Buffer; contentType: string };
}
export interface Route {
  method: string;
  re: RegExp;
  handler: (ctx: Ctx, params: string[]) => Promise<Result> | Result;
}

const ok = (body: unknown): Result => ({ status: 200, body });
const list = (ctx: Ctx, rows: unknown[]): Result => ({ status: 200, list: applySort(applyQuery(rows, ctx.query.get('q')), ctx.query.get('sort')) });
const userOf = (ctx: Ctx): User | null => (ctx.principal?.kind === 'user' ? ctx.principal.user : null);

function needAuth(ctx: Ctx): void {
  if (ctx.principal === null) throw bbError(401, 'This API is only accessible with the following authentication types: session, password, apppassword, api_token, oauth');
}
/** A workspace the caller may see: a member (or its consumer), or a public workspace. */
function workspace(ctx: Ctx, slug: string): Workspace {
  const w = ctx.state.findWorkspace(decodeURIComponent(slug));
  if (w === undefined || (w.isPrivate && ctx.state.role(w, ctx.principal) === null)) throw notFound(`Workspace ${slug}`);
  return w;
}
function needMember(ctx: Ctx, w: Workspace): void {
  needAuth(ctx);
  if (ctx.state.role(w, ctx.principal) === null) throw forbidden('You do not have access to this workspace.');
}
function needOwner(ctx: Ctx, w: Workspace): void {
  needAuth(ctx);
  if (ctx.state.role(w, ctx.principal) !== 'owner') throw forbidden('Only workspace administrators may access this resource.');
}
function repo(ctx: Ctx, ws: string, slug: string): Repository {
  const r = ctx.state.findRepo(decodeURIComponent(ws), decodeURIComponent(slug));
  if (r === undefined || ctx.state.repoLevel(ctx.principal, r) === 0) {
    if (r !== undefined && ctx.principal === null) throw bbError(401, 'Unauthorized');
    throw notFound(`Repository ${ws}/${slug}`);
  }
  return r;
}
function needRepoAdmin(ctx: Ctx, r: Repository): void {
  needAuth(ctx);
  if (ctx.state.repoLevel(ctx.principal, r) < 3) throw forbidden('You must be an administrator of this repository.');
}
function memberUser(ctx: Ctx, w: Workspace, key: string): User {
  const u = ctx.state.findUser(decodeURIComponent(key));
  if (u === undefined || !w.members.has(u.id)) throw notFound(`Member ${key}`);
  return u;
}
/** Every user with some effective permission on the repository (public read is not listed). */
function permissionRows(ctx: Ctx, r: Repository): unknown[] {
  const s = ctx.state;
  const w = s.workspaceOf(r);
  return [...w.members.keys()]
    .map((id) => s.users.get(id))
    .filter((u): u is User => u !== undefined)
    .map((u) => ({ u, level: s.userLevel(u, r) }))
    .filter((x) => x.level > 0)
    .sort((a, b) => a.u.displayName.localeCompare(b.u.displayName))
    .map((x) => renderRepoPermission(s, r, x.u, x.level, ctx.urls));
}

function hookSpec(ctx: Ctx, partial: boolean): { url?: string; description?: string; events?: string[]; active?: boolean; secret?: string | null } {
  const b = ctx.body;
  const out: ReturnType<typeof hookSpec> = {};
  if (typeof b['url'] === 'string') {
    try {
      new URL(b['url']);
    } catch {
      throw bbError(400, 'Invalid URL', 'url: Enter a valid URL.');
    }
    out.url = b['url'];
  }
  if (typeof b['description'] === 'string') out.description = b['description'];
  if (Array.isArray(b['events'])) out.events = b['events'].map(String);
  if (typeof b['active'] === 'boolean') out.active = b['active'];
  if ('secret' in b) out.secret = typeof b['secret'] === 'string' && b['secret'] !== '' ? b['secret'] : null;
  if (!partial && (out.url === undefined || out.events === undefined || out.events.length === 0)) throw bbError(400, 'Bad request', 'A webhook needs a url and at least one event.');
  if (out.events !== undefined && out.events.length === 0) throw bbError(400, 'Bad request', 'events: at least one event');
  return out;
}

/** GET/POST the hooks of a subject, GET/PUT/DELETE one by `{uuid}`. */
function hookRoutes(base: string, subjectOf: (ctx: Ctx, p: string[]) => Hook['subject']): Route[] {
  const one = (ctx: Ctx, p: string[]): Hook => {
    const subject = subjectOf(ctx, p);
    const uid = decodeURIComponent(p[p.length - 1] ?? '');
    const h = ctx.state.hooks.get(uid.startsWith('{') ? uid : `{${uid}}`);
    if (h === undefined || h.subject.type !== subject.type || h.subject.id !== subject.id) throw notFound('Webhook');
    return h;
  };
  return [
    { method: 'GET', re: new RegExp(`^${base}/hooks$`), handler: (ctx, p) => list(ctx, ctx.state.hooksOf(subjectOf(ctx, p)).map((h) => renderHook(ctx.state, h, ctx.urls))) },
    {
      method: 'POST',
      re: new RegExp(`^${base}/hooks$`),
      handler: (ctx, p) => {
        const subject = subjectOf(ctx, p);
        const spec = hookSpec(ctx, false);
        const h = ctx.state.addHook(subject, { url: spec.url ?? '', events: spec.events ?? [], description: spec.description, active: spec.active, secret: spec.secret });
        return { status: 201, body: renderHook(ctx.state, h, ctx.urls) };
      },
    },
    { method: 'GET', re: new RegExp(`^${base}/hooks/([^/]+)$`), handler: (ctx, p) => ok(renderHook(ctx.state, one(ctx, p), ctx.urls)) },
    {
      method: 'PUT',
      re: new RegExp(`^${base}/hooks/([^/]+)$`),
      handler: (ctx, p) => {
        const h = one(ctx, p);
        const spec = hookSpec(ctx, true);
        // Leaving `secret` out keeps it; null or "" removes it.
        Object.assign(h, spec);
        return ok(renderHook(ctx.state, h, ctx.urls));
      },
    },
    {
      method: 'DELETE',
      re: new RegExp(`^${base}/hooks/([^/]+)$`),
      handler: (ctx, p) => {
        ctx.state.hooks.delete(one(ctx, p).uuid);
        return { status: 204 };
      },
    },
  ];
}

const W = '/2.0/workspaces/([^/]+)';
const R = '/2.0/repositories/([^/]+)/([^/]+)';

export const routes: Route[] = [
  {
    method: 'GET',
    re: /^\/2\.0\/user$/,
    handler: (ctx) => {
      needAuth(ctx);
      const p = ctx.principal;
      if (p?.kind === 'consumer') {
        // (unverified) a client-credentials token answers as its workspace's team account.
        const w = ctx.state.workspaces.get(p.workspaceId) as Workspace;
        return ok({ type: 'team', display_name: w.name, uuid: w.uuid, username: w.slug, links: renderWorkspaceRef(w, ctx.urls)['links'] });
      }
      return ok(renderSelf(userOf(ctx) as User, ctx.urls));
    },
  },
  {
    method: 'GET',
    re: /^\/2\.0\/user\/permissions\/workspaces$/,
    handler: (ctx) => {
      needAuth(ctx);
      const u = userOf(ctx);
      if (u === null) throw forbidden('This endpoint needs a user.');
      const rows = [...ctx.state.workspaces.values()]
        .filter((w) => w.members.has(u.id))
        .sort((a, b) => a.slug.localeCompare(b.slug))
        .map((w) => renderMembership(ctx.state, w, u, ctx.urls, w.members.get(u.id)));
      return list(ctx, rows);
    },
  },
  { method: 'GET', re: new RegExp(`^${W}$`), handler: (ctx, [ws = '']) => ok(renderWorkspace(workspace(ctx, ws), ctx.urls)) },
  {
    method: 'GET',
    re: new RegExp(`^${W}/members$`),
    handler: (ctx, [ws = '']) => {
      const w = workspace(ctx, ws);
      needMember(ctx, w);
      const users = [...w.members.keys()].map((id) => ctx.state.users.get(id)).filter((u): u is User => u !== undefined);
      // Filtering by email is documented for admins: the email is then matched, never shown.
      const q = ctx.query.get('q');
      const byEmail = q === null ? null : /^\s*user\.email\s+IN\s*\((.*)\)\s*$/i.exec(q);
      if (byEmail !== null) {
        if (ctx.state.role(w, ctx.principal) !== 'owner') throw forbidden('Filtering by email needs workspace administrator rights.');
        const emails = ((byEmail[1] ?? '').match(/"([^"]*)"/g) ?? []).map((e) => e.slice(1, -1).toLowerCase());
        const rows = users.filter((u) => emails.includes(u.email.toLowerCase())).map((u) => renderMembership(ctx.state, w, u, ctx.urls));
        return { status: 200, list: rows };
      }
      return list(ctx, users.sort((a, b) => a.displayName.localeCompare(b.displayName)).map((u) => renderMembership(ctx.state, w, u, ctx.urls)));
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^${W}/members/([^/]+)$`),
    handler: (ctx, [ws = '', member = '']) => {
      const w = workspace(ctx, ws);
      needMember(ctx, w);
      return ok(renderMembership(ctx.state, w, memberUser(ctx, w, member), ctx.urls));
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^${W}/permissions$`),
    handler: (ctx, [ws = '']) => {
      const w = workspace(ctx, ws);
      needMember(ctx, w);
      const rows = [...w.members.entries()]
        .map(([id, role]) => ({ u: ctx.state.users.get(id), role }))
        .filter((x): x is { u: User; role: NonNullable<typeof x.role> } => x.u !== undefined)
        .sort((a, b) => a.u.displayName.localeCompare(b.u.displayName))
        .map((x) => renderMembership(ctx.state, w, x.u, ctx.urls, x.role));
      return list(ctx, rows);
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^${W}/permissions/repositories$`),
    handler: (ctx, [ws = '']) => {
      const w = workspace(ctx, ws);
      needOwner(ctx, w);
      return list(ctx, ctx.state.reposOf(w).flatMap((r) => permissionRows(ctx, r)));
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^${W}/permissions/repositories/([^/]+)$`),
    handler: (ctx, [ws = '', slug = '']) => {
      const r = repo(ctx, ws, slug);
      needRepoAdmin(ctx, r);
      return list(ctx, permissionRows(ctx, r));
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^${W}/projects$`),
    handler: (ctx, [ws = '']) => {
      const w = workspace(ctx, ws);
      needMember(ctx, w);
      return list(ctx, [...ctx.state.projects.values()].filter((p) => p.workspaceId === w.id).sort((a, b) => a.key.localeCompare(b.key)).map((p) => renderProject(ctx.state, p, ctx.urls)));
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^${W}/projects/([^/]+)/permissions-config/(users|groups)$`),
    handler: (ctx, [ws = '', key = '', kind = '']) => {
      const w = workspace(ctx, ws);
      needOwner(ctx, w);
      const p = ctx.state.findProject(w.slug, decodeURIComponent(key));
      if (p === undefined) throw notFound(`Project ${key}`);
      const project = renderProject(ctx.state, p, ctx.urls);
      return list(ctx, grantRows(ctx, w, p, kind, 'project', project, `${ctx.urls.api}/workspaces/${w.slug}/projects/${p.key}`));
    },
  },
  {
    method: 'GET',
    re: /^\/2\.0\/repositories\/([^/]+)$/,
    handler: (ctx, [ws = '']) => {
      const w = ctx.state.findWorkspace(decodeURIComponent(ws));
      if (w === undefined) throw notFound(`Workspace ${ws}`);
      const role = ctx.query.get('role');
      const need = role === 'admin' ? 3 : role === 'contributor' ? 2 : role === 'member' ? 1 : 1;
      const rows = ctx.state
        .reposOf(w)
        .filter((r) => (role === null ? ctx.state.repoLevel(ctx.principal, r) : ctx.principal?.kind === 'user' ? ctx.state.userLevel(ctx.principal.user, r) : ctx.state.repoLevel(ctx.principal, r)) >= need)
        .map((r) => renderRepo(ctx.state, r, ctx.urls, userOf(ctx)));
      return list(ctx, rows);
    },
  },
  { method: 'GET', re: new RegExp(`^${R}$`), handler: (ctx, [ws = '', slug = '']) => ok(renderRepo(ctx.state, repo(ctx, ws, slug), ctx.urls, userOf(ctx))) },
  {
    method: 'GET',
    re: new RegExp(`^${R}/permissions-config/(users|groups)$`),
    handler: (ctx, [ws = '', slug = '', kind = '']) => {
      const r = repo(ctx, ws, slug);
      needRepoAdmin(ctx, r);
      const w = ctx.state.workspaceOf(r);
      return list(ctx, grantRows(ctx, w, r, kind, 'repository', renderRepoRef(ctx.state, r, ctx.urls), `${ctx.urls.api}/repositories/${w.slug}/${r.slug}`));
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^${R}/src/([^/]+)/(.*)$`),
    handler: async (ctx, [ws = '', slug = '', commit = '', path = '']) => {
      const r = repo(ctx, ws, slug);
      const ref = decodeURIComponent(commit);
      const file = decodeURIComponent(path);
      const blob = await ctx.state.readFile(r, ref, file);
      if (blob !== null) return { status: 200, raw: { bytes: blob.content, contentType: file.endsWith('.json') ? 'application/json' : 'text/plain' } };
      const dir = await ctx.state.readDir(r, ref, file);
      if (dir === null) throw bbError(404, `No such file or directory: ${file}`);
      return list(ctx, dir.map((e) => ({ type: e.type === 'file' ? 'commit_file' : 'commit_directory', path: e.path, ...(e.type === 'file' ? { size: e.size } : {}) })));
    },
  },
  ...hookRoutes(R, (ctx, [ws = '', slug = '']) => {
    const r = repo(ctx, ws, slug);
    needRepoAdmin(ctx, r);
    return { type: 'repository', id: r.id };
  }),
  ...hookRoutes(W, (ctx, [ws = '']) => {
    const w = workspace(ctx, ws);
    needOwner(ctx, w);
    return { type: 'workspace', id: w.id };
  }),
  {
    method: 'GET',
    re: /^\/1\.0\/groups\/([^/]+)\/?$/,
    handler: (ctx, [ws = '']) => {
      if (ctx.groupsApi === 'gone') throw bbError(410, 'Resource removed', 'This API is no longer supported.');
      if (ctx.groupsApi === 'missing') throw new HttpError(404, { type: 'error', error: { message: 'Resource not found' } });
      const w = workspace(ctx, ws);
      needOwner(ctx, w);
      return ok(ctx.state.groupsOf(w).map((g) => renderGroup10(ctx.state, g, ctx.urls)));
    },
  },
];

/** Explicit user or group permissions of a repository or project (permissions-config). */
function grantRows(ctx: Ctx, w: Workspace, target: { users: Map<number, number>; groups: Map<string, number> }, kind: string, what: 'repository' | 'project', subject: unknown, base: string): unknown[] {
  const s = ctx.state;
  if (kind === 'users') {
    return [...target.users.entries()]
      .map(([id, level]) => ({ u: s.users.get(id), level }))
      .filter((x): x is { u: User; level: number } => x.u !== undefined)
      .sort((a, b) => a.u.displayName.localeCompare(b.u.displayName))
      .map((x) => ({ type: `${what}_user_permission`, permission: PERMISSION_OF[x.level], user: renderUser(x.u, ctx.urls), [what]: subject, links: { self: { href: `${base}/permissions-config/users/${x.u.accountId}` } } }));
  }
  return [...target.groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([slug, level]) => ({ g: s.groups.get(`${w.id}:${slug}`), level }))
    .filter((x): x is { g: NonNullable<typeof x.g>; level: number } => x.g !== undefined)
    .map((x) => ({ type: `${what}_group_permission`, permission: PERMISSION_OF[x.level], group: renderGroup(s, x.g, ctx.urls), [what]: subject, links: { self: { href: `${base}/permissions-config/groups/${x.g.slug}` } } }));
}
