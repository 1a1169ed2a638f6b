// The fake GitLab's webhook endpoints: /projects/:id/hooks (Maintainer) and /groups/:id/hooks
// (Owner, premium only: 404 on free), list/get/create/update/delete with GitLab's attributes.
// Changing a hook's URL without a new token clears the token, as GitLab does.

import { GROUP_HOOK_FLAGS, HOOK_EVENT_FLAGS, type Hook } from './model.js';
import * as render from './render.js';
import { badRequest, bool, hookOwner, HttpError, notFound, param, type Ctx, type Route } from './route-kit.js';

const ID = '([^/]+)';

function validUrl(v: unknown): string {
  if (v === undefined || v === null || v === '') throw badRequest('url is missing');
  try {
    const u = new URL(String(v));
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return u.toString();
  } catch {
    throw new HttpError(422, { message: { url: ['is blocked: Only allowed schemes are http, https'] } });
  }
}

function flagsFrom(ctx: Ctx, scope: Hook['scope']): Record<string, boolean> {
  const names = scope === 'group' ? [...HOOK_EVENT_FLAGS, ...GROUP_HOOK_FLAGS] : [...HOOK_EVENT_FLAGS];
  const out: Record<string, boolean> = {};
  for (const n of names) {
    const v = bool(param(ctx, n));
    if (v !== undefined) out[n] = v;
  }
  return out;
}

function strategy(v: unknown): Hook['branchFilterStrategy'] | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  if (s !== 'wildcard' && s !== 'regex' && s !== 'all_branches') throw badRequest('branch_filter_strategy does not have a valid value');
  return s;
}

function hookIn(ctx: Ctx, scope: Hook['scope'], ownerId: number, hookId: string): Hook {
  const h = ctx.state.hooks.get(Number(hookId));
  if (h === undefined || h.scope !== scope || h.ownerId !== ownerId) throw notFound();
  return h;
}

function routesFor(scope: Hook['scope']): Route[] {
  const base = scope === 'group' ? 'groups' : 'projects';
  return [
    {
      method: 'GET',
      re: new RegExp(`^/${base}/${ID}/hooks$`),
      handler: (ctx, [id = '']) => {
        const { ownerId } = hookOwner(ctx, scope, id);
        return { status: 200, list: ctx.state.hooksOf(scope, ownerId).map(render.hook) };
      },
    },
    {
      method: 'GET',
      re: new RegExp(`^/${base}/${ID}/hooks/(\\d+)$`),
      handler: (ctx, [id = '', hid = '']) => ({ status: 200, body: render.hook(hookIn(ctx, scope, hookOwner(ctx, scope, id).ownerId, hid)) }),
    },
    {
      method: 'POST',
      re: new RegExp(`^/${base}/${ID}/hooks$`),
      handler: (ctx, [id = '']) => {
        const { ownerId } = hookOwner(ctx, scope, id);
        const url = validUrl(param(ctx, 'url'));
        const strat = strategy(param(ctx, 'branch_filter_strategy'));
        const filter = param(ctx, 'push_events_branch_filter');
        const h = ctx.state.addHook(scope, ownerId, {
          url,
          name: String(param(ctx, 'name') ?? ''),
          description: String(param(ctx, 'description') ?? ''),
          token: String(param(ctx, 'token') ?? ''),
          events: flagsFrom(ctx, scope),
          enableSslVerification: bool(param(ctx, 'enable_ssl_verification')) ?? true,
          ...(strat !== undefined ? { branchFilterStrategy: strat } : {}),
          ...(filter !== undefined ? { pushEventsBranchFilter: String(filter) } : {}),
        });
        return { status: 201, body: render.hook(h) };
      },
    },
    {
      method: 'PUT',
      re: new RegExp(`^/${base}/${ID}/hooks/(\\d+)$`),
      handler: (ctx, [id = '', hid = '']) => {
        const h = hookIn(ctx, scope, hookOwner(ctx, scope, id).ownerId, hid);
        const url = param(ctx, 'url');
        const token = param(ctx, 'token');
        if (url !== undefined) {
          const next = validUrl(url);
          if (next !== h.url && token === undefined) h.token = '';
          h.url = next;
        }
        if (token !== undefined) h.token = String(token);
        const name = param(ctx, 'name');
        if (name !== undefined) h.name = String(name);
        const description = param(ctx, 'description');
        if (description !== undefined) h.description = String(description);
        Object.assign(h.events, flagsFrom(ctx, scope));
        const ssl = bool(param(ctx, 'enable_ssl_verification'));
        if (ssl !== undefined) h.enableSslVerification = ssl;
        const strat = strategy(param(ctx, 'branch_filter_strategy'));
        if (strat !== undefined) h.branchFilterStrategy = strat;
        const filter = param(ctx, 'push_events_branch_filter');
        if (filter !== undefined) h.pushEventsBranchFilter = String(filter);
        return { status: 200, body: render.hook(h) };
      },
    },
    {
      method: 'DELETE',
      re: new RegExp(`^/${base}/${ID}/hooks/(\\d+)$`),
      handler: (ctx, [id = '', hid = '']) => {
        const h = hookIn(ctx, scope, hookOwner(ctx, scope, id).ownerId, hid);
        ctx.state.hooks.delete(h.id);
        return { status: 204 };
      },
    },
  ];
}

export const hookRoutes: Route[] = [...routesFor('project'), ...routesFor('group')];
