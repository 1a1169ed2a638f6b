// The server-rendered web UI (htmx): one encapsulated scope with its own form parser, session
// lookup, CSRF check, security headers and HTML error pages; the screens register inside it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isAppError } from '../../../domain/errors.js';
import { packageRoot } from '../../../db/client.js';
import { notFound, parseCookies, safeEqual, sendError, SESSION_COOKIE, type Ui, type UiDeps } from './support.js';
import { loginRoutes } from './login.js';
import { oauthRoutes } from './oauth.js';
import { orgRoutes } from './orgs.js';
import { orgAdminRoutes } from './org-admin.js';
import { orgActivityRoutes } from './org-activity.js';
import { OrgAdminReads } from '../../../services/org-admin-reads.js';
import { newOrgRoutes } from './new-org.js';
import { packageRoutes } from './package.js';
import { tokenRoutes } from './tokens.js';
import { adminRoutes } from './admin.js';
import { removalRoutes } from './removals.js';

export const CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/** htmx from node_modules (the pinned dependency), found from this file in the checkout and in the bundle. */
function loadHtmx(): { version: string; js: Buffer } {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('htmx.org/package.json');
  const version = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string }).version;
  return { version, js: readFileSync(join(dirname(pkgFile), 'dist', 'htmx.min.js')) };
}

/** Paths composer, forges, scripts and monitors call: their 404 stays the JSON one, never a page. */
const MACHINE_PATH = /^\/(?:api|hooks|healthz|readyz|metrics)(?:[/?]|$)|^\/[^/?]+\/(?:packages\.json|p2|dists|downloads)(?:[/?]|$)|\.(?:json|zip)(?:\?|$)/;

/** Whether an unmatched request gets the HTML 404 page: a browser (Accept: text/html) on a UI path. */
export function wantsHtml404(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').includes('text/html') && !MACHINE_PATH.test(req.url);
}

function securityHeaders(reply: FastifyReply): void {
  reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  reply.header('X-Frame-Options', 'DENY');
  reply.header('Referrer-Policy', 'same-origin');
  if (!reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
}

/**
 * Registers the UI; returns the HTML 404 for unmatched browser requests (app.ts's not-found
 * handler calls it). It never looks the path up, so an organization or package that exists but
 * is hidden gets the same page as one that does not exist.
 */
export function uiRoutes(app: FastifyInstance, deps: UiDeps): (req: FastifyRequest, reply: FastifyReply) => FastifyReply {
  const publicUrl = deps.config.server.public_url.replace(/\/+$/, '');
  const parsed = new URL(publicUrl);
  const htmx = loadHtmx();
  const staticDir = join(packageRoot(), 'views', 'static');
  const css = readFileSync(join(staticDir, 'app.css'));
  const js = readFileSync(join(staticDir, 'app.js'));
  const favicon = readFileSync(join(staticDir, 'favicon.svg'));
  const ui: Ui = {
    deps,
    base: parsed.pathname.replace(/\/+$/, ''),
    publicUrl,
    publicOrigin: parsed.origin,
    secureCookies: parsed.protocol === 'https:',
    htmxPath: `/static/htmx-${htmx.version}.min.js`,
  };

  app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    scope.decorateRequest('session', null);
    // req.cookies / reply.setCookie, for @fastify/oauth2's state and verifier cookies (oauth.ts).
    await scope.register(fastifyCookie);

    scope.addHook('onRequest', (req, _reply, done) => {
      const cookie = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
      req.session = cookie ? deps.sessions.resolve(cookie) : null;
      done();
    });

    scope.addHook('onSend', (_req, reply, payload, done) => {
      const type = String(reply.getHeader('content-type') ?? '');
      if (type.startsWith('text/html') || reply.statusCode === 303 || reply.statusCode === 401) securityHeaders(reply);
      done(null, payload);
    });

    // Every state-changing UI request carries the session's CSRF token (form field or htmx
    // header) and, when the browser sends an Origin, comes from this site. /login has its own
    // pre-session check (login.ts).
    scope.addHook('preHandler', (req, reply, done) => {
      if (req.method === 'GET' || req.method === 'HEAD' || req.routeOptions.config.csrf === false) return done();
      const origin = req.headers.origin;
      const sameOrigin = origin === undefined || origin === ui.publicOrigin || origin === `${req.protocol}://${req.host}`;
      const body = req.body as Record<string, unknown> | undefined;
      const sent = req.headers['x-csrf-token'] ?? (typeof body?._csrf === 'string' ? body._csrf : undefined);
      if (!sameOrigin || !req.session || typeof sent !== 'string' || !safeEqual(sent, req.session.csrf)) {
        sendError(ui, req, reply, 403, 'Request refused', req.session
          ? 'The form was missing its security token or came from another site. Reload the page and try again.'
          : 'Your session has ended. Sign in again and repeat the action.');
        return;
      }
      done();
    });

    scope.setErrorHandler((err, req, reply) => {
      if (isAppError(err) && err.httpStatus < 500) return sendError(ui, req, reply, err.httpStatus, 'Something is not right', err.message);
      const e = err as { statusCode?: number; validation?: unknown; message?: string };
      if (e.validation || (e.statusCode && e.statusCode < 500)) return sendError(ui, req, reply, e.statusCode ?? 400, 'Bad request', e.message ?? 'Bad request');
      deps.log.error({ err, reqId: req.id, url: req.routeOptions.url }, 'unexpected UI error');
      return sendError(ui, req, reply, 500, 'Internal error', 'Something went wrong on our side; the details are in the server log.');
    });

    scope.get(ui.htmxPath, (_req, reply) =>
      reply.type('application/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=31536000, immutable').send(htmx.js),
    );
    scope.get('/static/app.css', (_req, reply) => reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=300').send(css));
    // The icon is public (browsers ask for /favicon.ico on every page, signed in or not): never a
    // redirect to the login page, never a session cookie. An SVG in an <img>-like context runs no
    // script; the CSP on the file itself keeps it inert when opened directly.
    const sendIcon = (_req: FastifyRequest, reply: FastifyReply) =>
      reply
        .type('image/svg+xml')
        .header('Cache-Control', 'public, max-age=86400')
        .header('Content-Security-Policy', "default-src 'none'")
        .header('X-Content-Type-Options', 'nosniff')
        .send(favicon);
    scope.get('/static/favicon.svg', sendIcon);
    scope.get('/favicon.ico', sendIcon);
    scope.get('/static/app.js', (_req, reply) => reply.type('application/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=300').send(js));

    loginRoutes(scope, ui);
    oauthRoutes(scope, ui);
    orgRoutes(scope, ui);
    packageRoutes(scope, ui);
    tokenRoutes(scope, ui);
    // One set of prepared statements for the organization's admin screens.
    const adminReads = new OrgAdminReads(deps.sqlite);
    orgAdminRoutes(scope, ui, adminReads);
    orgActivityRoutes(scope, ui, adminReads);
    newOrgRoutes(scope, ui);
    removalRoutes(scope, ui);
    adminRoutes(scope, ui);
  });

  return (req, reply) => {
    // Outside the UI scope its onRequest hook did not run: find the session here.
    const cookie = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    req.session = cookie ? deps.sessions.resolve(cookie) : null;
    securityHeaders(reply);
    return notFound(ui, req, reply);
  };
}
