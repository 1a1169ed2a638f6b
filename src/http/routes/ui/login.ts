// Local password login and logout. The login form's CSRF protection is a double-submit
// cookie (random value in an HttpOnly SameSite=Lax cookie and in the form, compared in
// constant time) plus the Origin check; failed attempts are limited per client address.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { findUser, hashPassword, verifyPassword } from '../../../services/users.js';
import { loginPage } from '../../../../views/login.js';
import { oauthIntegrations } from './oauth.js';
import { cookieHeader, LOGIN_CSRF_COOKIE, parseCookies, safeEqual, safeNext, sendError, sendHtml, SESSION_COOKIE, viewContext, type Ui } from './support.js';

export const LOGIN_MAX_FAILURES = 10;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

/** Failed logins per client address in a fixed window (in memory: a restart forgets them). */
class LoginLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  blocked(ip: string, now = Date.now()): boolean {
    const e = this.failures.get(ip);
    return e !== undefined && e.resetAt > now && e.count >= LOGIN_MAX_FAILURES;
  }

  fail(ip: string, now = Date.now()): void {
    if (this.failures.size > 10_000) for (const [k, v] of this.failures) if (v.resetAt <= now) this.failures.delete(k);
    const e = this.failures.get(ip);
    if (!e || e.resetAt <= now) this.failures.set(ip, { count: 1, resetAt: now + LOGIN_WINDOW_MS });
    else e.count++;
  }

  succeed(ip: string): void {
    this.failures.delete(ip);
  }
}

interface LoginBody {
  login?: string;
  password?: string;
  next?: string;
  _csrf?: string;
}

export function loginRoutes(app: FastifyInstance, ui: Ui): void {
  const limiter = new LoginLimiter();
  // Unknown users and users without a password are checked against this hash, so the answer
  // takes as long as for a wrong password.
  let dummyHash: string | null = null;
  const dummy = () => (dummyHash ??= hashPassword(randomBytes(16).toString('hex')));

  function showForm(req: FastifyRequest, reply: FastifyReply, opts: { next: string; login?: string; error?: string }, status = 200): FastifyReply {
    // The browser's token is kept while it lasts: a second GET /login (another tab, or the
    // browser's own /favicon.ico request redirected here) must not void the form already shown.
    const held = parseCookies(req.headers.cookie).get(LOGIN_CSRF_COOKIE);
    const token = held !== undefined && /^[A-Za-z0-9_-]{32}$/.test(held) ? held : randomBytes(24).toString('base64url');
    reply.header('Set-Cookie', cookieHeader(ui, LOGIN_CSRF_COOKIE, token, { maxAgeSeconds: 3600, path: `${ui.base}/login` }));
    return sendHtml(reply, loginPage(viewContext(ui, req), { loginCsrf: token, forges: oauthIntegrations(ui).map((i) => ({ id: i.id, label: i.label })), ...opts }), status);
  }

  app.get<{ Querystring: { next?: string } }>('/login', (req, reply) => {
    const next = safeNext(req.query.next);
    if (req.session) return reply.redirect(`${ui.base}${next}`, 303);
    return showForm(req, reply, { next });
  });

  app.post<{ Body: LoginBody }>('/login', { config: { csrf: false } }, (req, reply) => {
    const body = (req.body ?? {}) as LoginBody;
    const next = safeNext(body.next);
    const origin = req.headers.origin;
    const cookieToken = parseCookies(req.headers.cookie).get(LOGIN_CSRF_COOKIE);
    if ((origin !== undefined && origin !== ui.publicOrigin && origin !== `${req.protocol}://${req.host}`)
      || !cookieToken || typeof body._csrf !== 'string' || !safeEqual(cookieToken, body._csrf)) {
      return sendError(ui, req, reply, 403, 'Request refused', 'The sign-in form expired or came from another site. Open the sign-in page again.');
    }
    if (limiter.blocked(req.ip)) {
      return sendError(ui, req, reply, 429, 'Too many attempts', `Too many failed sign-ins from your address. Try again in ${LOGIN_WINDOW_MS / 60_000} minutes.`);
    }
    const login = typeof body.login === 'string' ? body.login.trim().slice(0, 100) : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const user = login ? findUser(ui.deps.db, login) : null;
    const usable = user !== null && user.passwordHash !== null && user.disabledAt === null;
    const ok = verifyPassword(password, usable ? (user.passwordHash as string) : dummy()) && usable;
    if (!ok || !user) {
      limiter.fail(req.ip);
      return showForm(req, reply, { next, login, error: 'The login or password is not right.' }, 401);
    }
    limiter.succeed(req.ip);
    // A new session every time: a session id planted before login is never promoted.
    const old = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (old) ui.deps.sessions.destroy(old);
    const s = ui.deps.sessions.create(user.id);
    reply.header('Set-Cookie', [
      cookieHeader(ui, SESSION_COOKIE, s.cookie, { maxAgeSeconds: Math.floor((s.expiresAt - Date.now()) / 1000) }),
      cookieHeader(ui, LOGIN_CSRF_COOKIE, '', { maxAgeSeconds: 0, path: `${ui.base}/login` }),
    ]);
    return reply.redirect(`${ui.base}${next}`, 303);
  });

  app.post('/logout', (req, reply) => {
    const cookie = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (cookie) ui.deps.sessions.destroy(cookie);
    reply.header('Set-Cookie', cookieHeader(ui, SESSION_COOKIE, '', { maxAgeSeconds: 0 }));
    return reply.redirect(`${ui.base}/login`, 303);
  });
}
