// The fake GitLab's project endpoints (paths relative to ROOT/api/v4): a project, its direct and
// effective members, raw files from the real repository, and /version, /metadata and /user.

import { createHash } from 'node:crypto';
import { projectMembersAll, type Effective } from './access.js';
import * as render from './render.js';
import { memberRows } from './routes-groups.js';
import { decode, notFound, projectFor, who, type Route } from './route-kit.js';

const ID = '([^/]+)';
export const VERSION = '19.5.0-ee';
export const REVISION = '0a1b2c3d4e5';

export const projectRoutes: Route[] = [
  {
    method: 'GET',
    re: /^\/version$/,
    handler: () => ({ status: 200, body: { version: VERSION, revision: REVISION } }),
  },
  {
    method: 'GET',
    re: /^\/metadata$/,
    handler: () => ({ status: 200, body: { version: VERSION, revision: REVISION, kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null }, enterprise: true } }),
  },
  {
    method: 'GET',
    re: /^\/user$/,
    scopes: ['api', 'read_api', 'read_user'],
    handler: (ctx) => ({ status: 200, body: render.userPublic(ctx.urls, who(ctx)) }),
  },
  {
    method: 'GET',
    re: new RegExp(`^/projects/${ID}$`),
    handler: async (ctx, [id = '']) => {
      const p = projectFor(ctx, id);
      return { status: 200, body: render.project(ctx.urls, ctx.state, p, who(ctx), await ctx.state.isEmptyRepo(p)) };
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^/projects/${ID}/members$`),
    handler: (ctx, [id = '']) => {
      const p = projectFor(ctx, id);
      const direct = new Map<number, Effective>([...p.members].map(([uid, m]) => [uid, { ...m, source: 'direct' as const }]));
      return { status: 200, list: memberRows(ctx, direct) };
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^/projects/${ID}/members/all$`),
    handler: (ctx, [id = '']) => ({ status: 200, list: memberRows(ctx, projectMembersAll(ctx.state, projectFor(ctx, id))) }),
  },
  {
    method: 'GET',
    re: new RegExp(`^/projects/${ID}/members/all/(\\d+)$`),
    handler: (ctx, [id = '', uid = '']) => {
      const m = projectMembersAll(ctx.state, projectFor(ctx, id)).get(Number(uid));
      const u = ctx.state.users.get(Number(uid));
      if (m === undefined || u === undefined) throw notFound();
      return { status: 200, body: render.member(ctx.urls, ctx.state, u, m) };
    },
  },
  {
    method: 'GET',
    re: new RegExp(`^/projects/${ID}/repository/files/([^/]+)/raw$`),
    handler: async (ctx, [id = '', file = '']) => {
      const p = projectFor(ctx, id);
      const ref = ctx.query.get('ref') ?? p.defaultBranch;
      const path = decode(file);
      const sha = await ctx.state.refSha(p, ref);
      const found = sha === null ? null : await ctx.state.readFile(p, sha, path);
      if (sha === null || found === null) throw notFound('File');
      const name = path.split('/').pop() ?? path;
      return {
        status: 200,
        raw: { bytes: found.content, contentType: 'text/plain; charset=utf-8' },
        headers: {
          'Content-Disposition': `inline; filename="${name}"; filename*=UTF-8''${encodeURIComponent(name)}`,
          'X-Gitlab-Blob-Id': found.sha,
          'X-Gitlab-Commit-Id': sha,
          'X-Gitlab-Content-Sha256': createHash('sha256').update(found.content).digest('hex'),
          'X-Gitlab-Execute-Filemode': 'false',
          'X-Gitlab-Encoding': 'base64',
          'X-Gitlab-File-Name': name,
          'X-Gitlab-File-Path': path,
          'X-Gitlab-Last-Commit-Id': sha,
          'X-Gitlab-Ref': ref,
          'X-Gitlab-Size': String(found.content.length),
        },
      };
    },
  },
];
