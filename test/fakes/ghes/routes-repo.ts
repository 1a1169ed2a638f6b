// REST handlers for repositories: listings, single repositories, collaborators, contents, refs.

import { forbidden, notFound, type Result } from './http-kit.js';
import * as render from './render.js';
import { oneOf, orgFor, repoFor, roleNameOf, teamVisible, who, type Ctx, type Route } from './route-kit.js';
import type { Org, Repo, RepoRole } from './state.js';

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

async function refList(ctx: Ctx, owner: string, name: string, kind: 'heads' | 'tags'): Promise<Result> {
  const { repo } = repoFor(ctx, owner, name);
  const full = `${ctx.state.orgOf(repo).login}/${repo.name}`;
  const api = `${ctx.urls.api}/repos/${full}`;
  const refs = await ctx.state.refs(repo, kind);
  if (kind === 'heads') {
    return { status: 200, list: refs.map((r) => ({ name: r.name, commit: { sha: r.sha, url: `${api}/commits/${r.sha}` }, protected: false })) };
  }
  // GitHub lists tags newest first by name; the order is not part of the contract.
  return {
    status: 200,
    list: refs.reverse().map((r) => ({
      name: r.name,
      zipball_url: `${api}/zipball/refs/tags/${r.name}`,
      tarball_url: `${api}/tarball/refs/tags/${r.name}`,
      commit: { sha: r.sha, url: `${api}/commits/${r.sha}` },
      node_id: Buffer.from(`03:Ref${repo.id}:refs/tags/${r.name}`).toString('base64'),
    })),
  };
}

export const repoRoutes: Route[] = [
  { method: 'GET', re: /^\/repos\/([^/]+)\/([^/]+)\/branches$/, handler: (ctx, [o = '', n = '']) => refList(ctx, o, n, 'heads') },
  { method: 'GET', re: /^\/repos\/([^/]+)\/([^/]+)\/tags$/, handler: (ctx, [o = '', n = '']) => refList(ctx, o, n, 'tags') },
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
];
