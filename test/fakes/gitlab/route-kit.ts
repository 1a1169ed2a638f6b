// Shared pieces of the fake GitLab's REST handlers: the request context, the route type,
// GitLab's error bodies, scope checks, and lookups by numeric id or URL-encoded full path that
// answer 404 for what the caller may not see.

import { canSeeGroup, canSeeProject, groupLevel, projectLevel } from './access.js';
import type { Group, Project, Tier, Token, User } from './model.js';
import type { Urls } from './render.js';
import type { GitLabState } from './state.js';

export interface Result {
  status: number;
  body?: unknown;
  /** A list to paginate; the server slices it and writes GitLab's paging headers. */
  list?: unknown[];
  raw?: { bytes: Buffer; contentType: string };
  headers?: Record<string, string>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(JSON.stringify(body));
  }
}

export const notFound = (what = ''): HttpError => new HttpError(404, { message: `404 ${what === '' ? '' : `${what} `}Not Found` });
export const forbidden = (): HttpError => new HttpError(403, { message: '403 Forbidden' });
export const unauthorized = (): HttpError => new HttpError(401, { message: '401 Unauthorized' });
export const badRequest = (error: string): HttpError => new HttpError(400, { error });
/** Doorkeeper's answer when the token lacks a scope the endpoint needs. */
export const insufficientScope = (scopes: string[]): HttpError =>
  new HttpError(
    403,
    { error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.', scope: scopes.join(' ') },
    { 'WWW-Authenticate': `Bearer realm="Protected by OAuth 2.0", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token.", scope="${scopes.join(' ')}"` },
  );

export interface Ctx {
  method: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  user: User | null;
  token: Token | null;
  state: GitLabState;
  urls: Urls;
  tier: Tier;
}

type Handler = (ctx: Ctx, p: string[]) => Promise<Result> | Result;
export interface Route {
  method: string;
  re: RegExp;
  handler: Handler;
  /** Scopes any one of which lets a token call this route (default: api, read_api for GET; api otherwise). */
  scopes?: string[];
}

export function who(ctx: Ctx): User {
  if (ctx.user === null) throw unauthorized();
  return ctx.user;
}

/** Checks the token's scopes for a route (session-less fakes: every caller has a token). */
export function checkScopes(ctx: Ctx, route: Route): void {
  if (ctx.token === null) return;
  const needed = route.scopes ?? (ctx.method === 'GET' || ctx.method === 'HEAD' ? ['api', 'read_api'] : ['api']);
  if (!ctx.token.scopes.some((s) => needed.includes(s))) throw insufficientScope(needed);
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export function groupFor(ctx: Ctx, id: string): Group {
  const g = ctx.state.findGroup(decode(id));
  if (g === undefined || !canSeeGroup(ctx.state, who(ctx), g)) throw notFound('Group');
  return g;
}

export function projectFor(ctx: Ctx, id: string): Project {
  const p = ctx.state.findProject(decode(id));
  if (p === undefined || !canSeeProject(ctx.state, who(ctx), p)) throw notFound('Project');
  return p;
}

/** Hooks need Owner on a group (premium only: 404 on free) or Maintainer on a project. */
export function hookOwner(ctx: Ctx, scope: 'group' | 'project', id: string): { ownerId: number } {
  const user = who(ctx);
  if (scope === 'group') {
    const g = groupFor(ctx, id);
    if (ctx.tier === 'free') throw notFound();
    if (!user.admin && groupLevel(ctx.state, user, g) < 50) throw forbidden();
    return { ownerId: g.id };
  }
  const p = projectFor(ctx, id);
  if (!user.admin && projectLevel(ctx.state, user, p) < 40) throw forbidden();
  return { ownerId: p.id };
}

export function bool(v: unknown): boolean | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  return ['true', '1', 'yes', 'on'].includes(String(v).toLowerCase());
}

export function param(ctx: Ctx, name: string): unknown {
  return ctx.body[name] ?? ctx.query.get(name) ?? undefined;
}

export function oneOf(ctx: Ctx, name: string, allowed: string[], dflt: string): string {
  const v = ctx.query.get(name) ?? dflt;
  if (!allowed.includes(v)) throw badRequest(`${name} does not have a valid value`);
  return v;
}

export { decode };
