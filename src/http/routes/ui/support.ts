// What every UI route shares: cookies, the signed-in user, the view context, HTML replies,
// and resolving an organization through the policy (404 for what the user may not see).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { Config } from '../../../config/schema.js';
import type { Sqlite } from '../../../db/client.js';
import { can, type Action, type OrgFacts, type Principal } from '../../../domain/policy.js';
import { ORG_NAME_PATTERN } from '../../../domain/orgs.js';
import type { Logger } from '../../../log.js';
import type { AccessReader } from '../../../services/access.js';
import type { ComposerReader, OrgLookup } from '../../../services/composer-reader.js';
import type { OrgWriteDeps } from '../../../services/orgs.js';
import type { SecretBox } from '../../../services/secrets.js';
import type { SessionInfo, SessionStore } from '../../../services/sessions.js';
import type { UiReads } from '../../../services/ui-reads.js';
import type { ForgeProvider } from '../../../sync/forges.js';
import type { NetworkGuard } from '../../../vcs/network-guard.js';
import type { VcsType } from '../../../vcs/types.js';
import type { Html } from '../../../../views/html.js';
import type { ViewContext } from '../../../../views/layout.js';
import type { OrgLinks } from '../../../../views/org-nav.js';
import { errorPage } from '../../../../views/errors.js';

export const SESSION_COOKIE = 'packyard_session';
export const LOGIN_CSRF_COOKIE = 'packyard_login_csrf';

declare module 'fastify' {
  interface FastifyRequest {
    /** The UI session, resolved from the cookie for every UI request (null when signed out). */
    session: SessionInfo | null;
  }
  interface FastifyContextConfig {
    /** false on the routes that do their own CSRF check (login) instead of the session token. */
    csrf?: boolean;
  }
}

/**
 * What the UI's screens use (compose.ts's Deps has all of it): sessions, the page reads and the
 * policy's facts, the services' writes (the organization writes reload the schedule), the queue,
 * and for "Add package" the VCS types and the network check.
 */
export interface UiDeps extends OrgWriteDeps {
  config: Pick<Config, 'server' | 'integrations' | 'vcs' | 'housekeeping'>;
  sqlite: Sqlite;
  log: Logger;
  sessions: SessionStore;
  uiReads: UiReads;
  reader: Pick<ComposerReader, 'org'>;
  access: Pick<AccessReader, 'facts'>;
  /** The VCS types this server has a driver for (the UI only lists them). */
  drivers: ReadonlyMap<VcsType, unknown>;
  network: Pick<NetworkGuard, 'check'>;
  /** The forges of the integrations: sign-in (their oauth capability) and the settings' webhooks card. */
  forges: Pick<ForgeProvider, 'get' | 'ids'>;
  /** Seals a new package's hook token and opens it for the package page (src/services/hook-urls.ts). */
  box: Pick<SecretBox, 'seal' | 'open'>;
}

export interface Ui {
  deps: UiDeps;
  /** public_url's path prefix, without a trailing slash. */
  base: string;
  /** public_url without a trailing slash. */
  publicUrl: string;
  publicOrigin: string;
  secureCookies: boolean;
  htmxPath: string;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    if (!out.has(k)) out.set(k, part.slice(eq + 1).trim());
  }
  return out;
}

export function cookieHeader(ui: Ui, name: string, value: string, opts: { maxAgeSeconds: number; path?: string }): string {
  const parts = [`${name}=${value}`, `Path=${opts.path ?? (ui.base || '/')}`, `Max-Age=${opts.maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax'];
  if (ui.secureCookies) parts.push('Secure');
  return parts.join('; ');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function viewContext(ui: Ui, req: FastifyRequest): ViewContext {
  const s = req.session;
  return { base: ui.base, htmxPath: ui.htmxPath, user: s ? { login: s.login, isAdmin: s.isAdmin } : null, csrf: s?.csrf ?? null };
}

export function sendHtml(reply: FastifyReply, body: Html, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body.value);
}

export function sendError(ui: Ui, req: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string): FastifyReply {
  return sendHtml(reply, errorPage(viewContext(ui, req), title, message), status);
}

export function notFound(ui: Ui, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(ui, req, reply, 404, 'Not found', 'This page does not exist, or you may not see it.');
}

/** Only same-site relative paths: "/x", never "//host" or "/\host". */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !/^\/(?![/\\])/.test(next) || /[\u0000-\u001f\\]/.test(next)) return '/';
  return next;
}

export function principalOf(s: SessionInfo): Principal {
  return { kind: 'user', userId: s.userId, isAdmin: s.isAdmin };
}

/** The signed-in user's principal; otherwise redirects to the login page and returns null. */
export function requireUser(ui: Ui, req: FastifyRequest, reply: FastifyReply): Principal | null {
  if (req.session) return principalOf(req.session);
  const to = `${ui.base}/login?next=${encodeURIComponent(safeNext(req.url))}`;
  // htmx follows HX-Redirect with a full page load rather than swapping the login page in.
  if (req.headers['hx-request']) reply.header('HX-Redirect', to).code(401).send();
  else reply.redirect(to, 303);
  return null;
}

export interface OrgScope {
  principal: Principal;
  org: OrgLookup;
  facts: OrgFacts;
}

/** Signed in, and the organization exists and may be read; replies itself (redirect or 404) and returns null otherwise. */
export function resolveOrg(ui: Ui, req: FastifyRequest, reply: FastifyReply, orgName: string): OrgScope | null {
  const principal = requireUser(ui, req, reply);
  if (!principal) return null;
  const org = ORG_NAME_PATTERN.test(orgName) ? ui.deps.reader.org(orgName) : null;
  const facts = org ? ui.deps.access.facts(principal, org) : null;
  if (!org || !facts || !can(principal, 'org:read', { org: facts })) {
    notFound(ui, req, reply);
    return null;
  }
  return { principal, org, facts };
}

/** resolveOrg, and the user may also do `action` there; otherwise the same 404 as a hidden organization. */
export function resolveOrgFor(ui: Ui, req: FastifyRequest, reply: FastifyReply, orgName: string, action: Action): OrgScope | null {
  const r = resolveOrg(ui, req, reply, orgName);
  if (!r) return null;
  if (!can(r.principal, action, { org: r.facts })) {
    notFound(ui, req, reply);
    return null;
  }
  return r;
}

/** The organization menu's entries the user may open. */
export function orgLinks(r: OrgScope): OrgLinks {
  return {
    addPackage: can(r.principal, 'package:manage', { org: r.facts }),
    teams: can(r.principal, 'org:members', { org: r.facts }),
    manage: can(r.principal, 'org:manage', { org: r.facts }),
    tokens: can(r.principal, 'token:create', { org: r.facts }),
  };
}

/** Who did it, in jobs' triggers and audit rows: `ui:LOGIN`. */
export const uiActor = (req: FastifyRequest): string => `ui:${req.session?.login ?? 'unknown'}`;

/** An htmx request (it wants a fragment, not a page). */
export const isHx = (req: FastifyRequest): boolean => req.headers['hx-request'] !== undefined;
