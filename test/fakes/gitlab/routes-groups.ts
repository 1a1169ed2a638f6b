// The fake GitLab's group endpoints (paths relative to ROOT/api/v4): a group, its subgroups and
// descendants, direct and effective members, and its projects with GitLab's filters.

import { canSeeGroup, canSeeProject, groupMembersAll, groupProjects, type Effective } from './access.js';
import type { Project } from './model.js';
import * as render from './render.js';
import { bool, groupFor, notFound, oneOf, who, type Ctx, type Route } from './route-kit.js';

const ID = '([^/]+)';

export function memberRows(ctx: Ctx, members: Map<number, Effective>): unknown[] {
  const q = (ctx.query.get('query') ?? '').toLowerCase();
  const ids = ctx.query.getAll('user_ids[]').concat((ctx.query.get('user_ids') ?? '').split(',').filter(Boolean)).map(Number);
  return [...members.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([uid, m]) => {
      const u = ctx.state.users.get(uid);
      if (u === undefined) return [];
      if (q !== '' && !u.username.toLowerCase().includes(q) && !u.name.toLowerCase().includes(q)) return [];
      if (ids.length > 0 && !ids.includes(uid)) return [];
      return [render.member(ctx.urls, ctx.state, u, m)];
    });
}

function directMembers(members: Map<number, { level: Effective['level']; expiresAt: string | null; createdAt: string; createdBy: number | null }>): Map<number, Effective> {
  const now = Date.now();
  const out = new Map<number, Effective>();
  for (const [uid, m] of members) if (m.expiresAt === null || Date.parse(m.expiresAt) > now) out.set(uid, { ...m, source: 'direct' });
  return out;
}

const ORDERS = ['id', 'name', 'path', 'created_at', 'updated_at', 'last_activity_at', 'similarity', 'star_count'];

export function sortProjects(ctx: Ctx, list: Project[]): Project[] {
  const orderBy = oneOf(ctx, 'order_by', ORDERS, 'created_at');
  const sort = oneOf(ctx, 'sort', ['asc', 'desc'], 'desc');
  const key = (p: Project): string | number =>
    orderBy === 'id' || orderBy === 'star_count' || orderBy === 'similarity'
      ? p.id
      : orderBy === 'name'
        ? p.name.toLowerCase()
        : orderBy === 'path'
          ? p.path.toLowerCase()
          : orderBy === 'created_at'
            ? p.createdAt
            : p.lastActivityAt;
  const sorted = [...list].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : a.id - b.id;
  });
  return sort === 'desc' ? sorted.reverse() : sorted;
}

export const groupRoutes: Route[] = [
  {
    method: 'GET',
    re: new RegExp(`^/groups/${ID}$`),
    handler: async (ctx, [id = '']) => {
      const g = groupFor(ctx, id);
      const user = who(ctx);
      const withProjects = bool(ctx.query.get('with_projects')) ?? true;
      const visible = (list: Project[]): Project[] => list.filter((p) => canSeeProject(ctx.state, user, p));
      const own = withProjects ? visible(groupProjects(ctx.state, g, false, false)) : [];
      const shared = withProjects ? visible(groupProjects(ctx.state, g, false, true).filter((p) => p.namespaceId !== g.id)) : [];
      return { status: 200, body: render.groupDetail(ctx.urls, ctx.state, g, own, shared, user) };
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^/groups/${ID}/(subgroups|descendant_groups)$`),
    handler: (ctx, [id = '', kind = '']) => {
      const g = groupFor(ctx, id);
      const user = who(ctx);
      const list = kind === 'subgroups' ? ctx.state.children(g) : ctx.state.descendants(g);
      const search = (ctx.query.get('search') ?? '').toLowerCase();
      const rows = list
        .filter((c) => canSeeGroup(ctx.state, user, c))
        .filter((c) => search === '' || c.name.toLowerCase().includes(search) || c.path.toLowerCase().includes(search))
        .sort((a, b) => (oneOf(ctx, 'order_by', ['name', 'path', 'id', 'similarity'], 'name') === 'id' ? a.id - b.id : a.name.localeCompare(b.name) || a.id - b.id));
      if (oneOf(ctx, 'sort', ['asc', 'desc'], 'asc') === 'desc') rows.reverse();
      return { status: 200, list: rows.map((c) => render.group(ctx.urls, ctx.state, c)) };
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^/groups/${ID}/members$`),
    handler: (ctx, [id = '']) => ({ status: 200, list: memberRows(ctx, directMembers(groupFor(ctx, id).members)) }),
  },
  {
    method: 'GET',
    re: new RegExp(`^/groups/${ID}/members/all$`),
    handler: (ctx, [id = '']) => ({ status: 200, list: memberRows(ctx, groupMembersAll(ctx.state, groupFor(ctx, id))) }),
  },
  {
    method: 'GET',
    re: new RegExp(`^/groups/${ID}/members/(all/)?(\\d+)$`),
    handler: (ctx, [id = '', all = '', uid = '']) => {
      const g = groupFor(ctx, id);
      const members = all === '' ? directMembers(g.members) : groupMembersAll(ctx.state, g);
      const m = members.get(Number(uid));
      const u = ctx.state.users.get(Number(uid));
      if (m === undefined || u === undefined) throw notFound();
      return { status: 200, body: render.member(ctx.urls, ctx.state, u, m) };
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^/groups/${ID}/projects$`),
    handler: async (ctx, [id = '']) => {
      const g = groupFor(ctx, id);
      const user = who(ctx);
      const includeSub = bool(ctx.query.get('include_subgroups')) ?? false;
      const withShared = bool(ctx.query.get('with_shared')) ?? true;
      const archived = bool(ctx.query.get('archived'));
      const visibility = ctx.query.get('visibility');
      let list = groupProjects(ctx.state, g, includeSub, withShared).filter((p) => canSeeProject(ctx.state, user, p));
      if (archived !== undefined) list = list.filter((p) => p.archived === archived);
      if (visibility !== null) list = list.filter((p) => p.visibility === visibility);
      const simple = bool(ctx.query.get('simple')) ?? false;
      const rows = await Promise.all(
        sortProjects(ctx, list).map(async (p) => {
          const empty = await ctx.state.isEmptyRepo(p);
          return simple ? render.basicProject(ctx.urls, ctx.state, p, empty) : render.project(ctx.urls, ctx.state, p, undefined, empty);
        }),
      );
      return { status: 200, list: rows };
    },
  },
];
