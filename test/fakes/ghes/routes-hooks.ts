// REST handlers for org webhooks and GitHub App installations.

import { DOCS, HttpError, forbidden, notFound, validationFailed } from './http-kit.js';
import * as render from './render.js';
import { hookFor, who, type Route } from './route-kit.js';
import { isoNow } from './state.js';

const HOOK_EVENTS = new Set(['*', 'push', 'create', 'delete', 'release', 'repository', 'team', 'team_add', 'membership', 'member', 'organization', 'ping', 'public', 'pull_request', 'issues', 'installation']);

function validateHookBody(body: unknown, creating: boolean): { url?: string; secret?: string; contentType?: string; events?: string[]; active?: boolean } {
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

export const hookRoutes: Route[] = [
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
      const v = validateHookBody(ctx.body, true);
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
      const v = validateHookBody(ctx.body, false);
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
    re: /^\/app$/,
    jwt: true,
    handler: (ctx) => {
      if (ctx.app === null) throw notFound();
      return { status: 200, body: render.app(ctx.urls, ctx.state, ctx.app) };
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
