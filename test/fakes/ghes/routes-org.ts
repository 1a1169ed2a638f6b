// REST handlers for the instance, the user, orgs, members and teams.

import { forbidden, notFound } from './http-kit.js';
import * as render from './render.js';
import { oneOf, orgFor, repoFor, roleNameOf, teamFor, teamVisible, who, type Ctx, type Route } from './route-kit.js';
import type { Org, Repo, RepoRole } from './state.js';

export const orgRoutes: Route[] = [
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
