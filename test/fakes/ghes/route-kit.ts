// Shared pieces of the fake's REST handlers: the request context, the route type, and who may
// see which org, team, repository and hook (404 for what the caller may not see).

import { forbidden, HttpError, DOCS, notFound, requiresAuth, validationFailed } from './http-kit.js';
import type { Result } from './http-kit.js';
import type * as render from './render.js';
import type { App, GhesState, Org, Principal, Repo, RepoRole, Team } from './state.js';

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

export function who(ctx: Ctx): Principal {
  if (ctx.principal === null) throw requiresAuth();
  return ctx.principal;
}

export function orgFor(ctx: Ctx, login: string, mustBeMember = false): Org {
  const org = ctx.state.findOrg(login);
  if (org === undefined) throw notFound();
  if (mustBeMember && !ctx.state.inOrg(who(ctx), org)) throw notFound();
  return org;
}

export function teamVisible(ctx: Ctx, org: Org, t: Team): boolean {
  const p = who(ctx);
  if (!ctx.state.inOrg(p, org)) return false;
  if (t.privacy !== 'secret' || p.kind === 'installation' || ctx.state.isOwner(p, org)) return true;
  return ctx.state.subtree(t).some((x) => x.members.has(p.user.id));
}

export function teamFor(ctx: Ctx, orgLogin: string, slug: string): { org: Org; team: Team } {
  const org = orgFor(ctx, orgLogin, true);
  const team = ctx.state.findTeam(org, slug);
  if (team === undefined || !teamVisible(ctx, org, team)) throw notFound();
  return { org, team };
}

export function repoFor(ctx: Ctx, owner: string, name: string): { repo: Repo; role: RepoRole; roleName: string } {
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

export function hookFor(ctx: Ctx, orgLogin: string, id?: string) {
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

export function oneOf(ctx: Ctx, name: string, allowed: string[], dflt: string): string {
  const v = ctx.query.get(name) ?? dflt;
  if (!allowed.includes(v)) throw validationFailed([{ resource: 'Search', field: name, code: 'invalid', value: v }]);
  return v;
}

