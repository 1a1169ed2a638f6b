// Web UI sign-in: redirects for anonymous visitors, the login form's own CSRF check, generic
// failures, cookie flags (Secure with an https public_url), a new session at every login,
// logout, the per-address limit, session timeouts, CSP and the static files.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildApp } from '../../../src/app.js';
import { SESSION_IDLE_MS, SESSION_MAX_MS } from '../../../src/services/sessions.js';
import { startPackyard } from '../../helpers/packyard.js';
import { createUser } from '../../../src/services/users.js';
import { browser, cookieValue, csrfOf, FORM, form, loginCsrfOf, setCookies, signIn } from '../../helpers/ui.js';
import type { FastifyInstance } from 'fastify';

const PASSWORD = 'correct horse battery';

async function loginForm(app: FastifyInstance) {
  const page = await app.inject({ method: 'GET', url: '/login' });
  return { page, cookie: cookieValue(page, 'packyard_login_csrf') ?? '', token: loginCsrfOf(page.body) ?? '' };
}

function postLogin(app: FastifyInstance, body: Record<string, string>, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/login', payload: form(body), headers: { ...FORM, ...headers } });
}

t.test('web UI sign-in', async (t) => {
  const pky = await startPackyard(t, { listen: false });
  const app = await buildApp(pky.deps);
  t.teardown(() => app.close());
  createUser(pky.deps.db, 'root', { admin: true, password: PASSWORD }, 'test');
  createUser(pky.deps.db, 'nopass', {}, 'test');

  await t.test('anonymous visitors are sent to the login page with a same-site next', async (t) => {
    const home = await app.inject({ method: 'GET', url: '/' });
    t.equal(home.statusCode, 303);
    t.equal(home.headers.location, '/login?next=%2F');
    const org = await app.inject({ method: 'GET', url: '/acme/-/tokens' });
    t.equal(org.headers.location, '/login?next=%2Facme%2F-%2Ftokens');
    const hx = await app.inject({ method: 'GET', url: '/acme/-/packages?q=x', headers: { 'hx-request': 'true' } });
    t.equal(hx.statusCode, 401, 'htmx requests get a full-page redirect instead of a swapped login form');
    t.equal(hx.headers['hx-redirect'], '/login?next=%2Facme%2F-%2Fpackages%3Fq%3Dx');
  });

  await t.test('the login page: CSP, form token in a cookie, no external resources', async (t) => {
    const { page, cookie, token } = await loginForm(app);
    t.equal(page.statusCode, 200);
    t.equal(page.headers['content-security-policy'], "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'");
    t.ok(token && cookie === token, 'double-submit: the same value in the form and the cookie');
    const c = setCookies(page).find((x) => x.startsWith('packyard_login_csrf='));
    t.match(c, /HttpOnly/);
    t.match(c, /SameSite=Lax/);
    t.notMatch(page.body, /https?:\/\//, 'no absolute URLs: nothing is loaded from elsewhere');
    t.notMatch(page.body, /<script>/, 'no inline script');
  });

  await t.test('a second GET /login keeps the token of the form already shown (another tab, the favicon redirect)', async (t) => {
    const { cookie, token } = await loginForm(app);
    const again = await app.inject({ method: 'GET', url: '/login?next=%2Ffavicon.ico', headers: { cookie: `packyard_login_csrf=${cookie}` } });
    t.equal(cookieValue(again, 'packyard_login_csrf'), cookie, 'the same cookie, its lifetime renewed');
    t.equal(loginCsrfOf(again.body), token);
    const odd = await app.inject({ method: 'GET', url: '/login', headers: { cookie: 'packyard_login_csrf=short' } });
    t.not(cookieValue(odd, 'packyard_login_csrf'), 'short', 'a malformed cookie is replaced');
    const r = await postLogin(app, { login: 'root', password: PASSWORD, next: '/', _csrf: token }, { cookie: `packyard_login_csrf=${cookie}` });
    t.equal(r.statusCode, 303, 'the first form still signs in');
  });

  await t.test('the login form refuses a missing or wrong token and a foreign Origin', async (t) => {
    const { cookie, token } = await loginForm(app);
    const good = { login: 'root', password: PASSWORD, next: '/' };
    t.equal((await postLogin(app, good)).statusCode, 403, 'no cookie, no field');
    t.equal((await postLogin(app, good, { cookie: `packyard_login_csrf=${cookie}` })).statusCode, 403, 'cookie without the field');
    t.equal((await postLogin(app, { ...good, _csrf: 'x' + token.slice(1) }, { cookie: `packyard_login_csrf=${cookie}` })).statusCode, 403, 'different values');
    const foreign = await postLogin(app, { ...good, _csrf: token }, { cookie: `packyard_login_csrf=${cookie}`, origin: 'https://evil.example' });
    t.equal(foreign.statusCode, 403);
    t.equal(cookieValue(foreign, 'packyard_session'), null);
  });

  await t.test('a wrong password, an unknown user and a user without a password get the same answer', async (t) => {
    const bodies: string[] = [];
    for (const [login, password] of [['root', 'wrong password'], ['nobody', PASSWORD], ['nopass', PASSWORD]] as const) {
      const { cookie, token } = await loginForm(app);
      const r = await postLogin(app, { login, password, next: '/', _csrf: token }, { cookie: `packyard_login_csrf=${cookie}` });
      t.equal(r.statusCode, 401, login);
      t.equal(cookieValue(r, 'packyard_session'), null, 'no session');
      t.match(r.body, /The login or password is not right\./);
      bodies.push(r.body.replace(/value="[^"]*"/g, ''));
    }
    t.equal(bodies[1], bodies[2], 'nothing tells an unknown user from one without a password');
  });

  await t.test('success: session cookie flags, redirect to next, only relative next', async (t) => {
    const { cookie, token } = await loginForm(app);
    const r = await postLogin(app, { login: 'root', password: PASSWORD, next: '/acme/?q=a', _csrf: token }, { cookie: `packyard_login_csrf=${cookie}` });
    t.equal(r.statusCode, 303);
    t.equal(r.headers.location, '/acme/?q=a');
    const c = setCookies(r).find((x) => x.startsWith('packyard_session=')) ?? '';
    t.match(c, /; HttpOnly/);
    t.match(c, /; SameSite=Lax/);
    t.match(c, /; Path=\//);
    t.notMatch(c, /Secure/, 'no Secure flag with an http public_url');
    for (const next of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)']) {
      const f = await loginForm(app);
      const r2 = await postLogin(app, { login: 'root', password: PASSWORD, next, _csrf: f.token }, { cookie: `packyard_login_csrf=${f.cookie}` });
      t.equal(r2.headers.location, '/', `next ${next} is ignored`);
    }
    const home = await browser(app, cookieValue(r, 'packyard_session') ?? '').get('/');
    t.equal(home.statusCode, 200);
    t.match(home.body, /root \(admin\)/);
    t.ok(csrfOf(home.body), 'the page carries the CSRF token for htmx');
  });

  await t.test('login makes a new session and ends the one the browser had', async (t) => {
    const first = await signIn(app, 'root', PASSWORD);
    const { cookie, token } = await loginForm(app);
    const r = await postLogin(app, { login: 'root', password: PASSWORD, next: '/', _csrf: token }, { cookie: `packyard_login_csrf=${cookie}; packyard_session=${first.session}` });
    const second = cookieValue(r, 'packyard_session');
    t.ok(second && second !== first.session, 'a new id');
    t.equal((await first.get('/')).statusCode, 303, 'the old session is gone');
    t.equal((await browser(app, second ?? '').get('/')).statusCode, 200);
    const planted = await browser(app, 'attacker-chosen-value').get('/');
    t.equal(planted.statusCode, 303, 'an unknown cookie value is no session');
  });

  await t.test('logout needs the CSRF token, then ends the session', async (t) => {
    const b = await signIn(app, 'root', PASSWORD);
    t.equal((await b.post('/logout', {})).statusCode, 403, 'no token');
    t.equal((await b.post('/logout', { _csrf: 'wrong' })).statusCode, 403, 'wrong token');
    const out = await b.post('/logout', { _csrf: b.csrf });
    t.equal(out.statusCode, 303);
    t.equal(out.headers.location, '/login');
    t.match(setCookies(out).find((c) => c.startsWith('packyard_session=')), /Max-Age=0/);
    t.equal((await b.get('/')).statusCode, 303, 'signed out');
  });

  await t.test('sessions end after the idle timeout and at the absolute timeout', async (t) => {
    const user = (pky.deps.sqlite.prepare(`SELECT id FROM users WHERE login = 'root'`).get() as { id: number }).id;
    const t0 = Date.now();
    const idle = pky.deps.sessions.create(user, t0);
    t.ok(pky.deps.sessions.resolve(idle.cookie, t0 + SESSION_IDLE_MS - 1000));
    t.equal(pky.deps.sessions.resolve(idle.cookie, t0 + 2 * SESSION_IDLE_MS), null, 'idle too long');
    const busy = pky.deps.sessions.create(user, t0);
    let now = t0;
    while (now + SESSION_IDLE_MS / 2 < t0 + SESSION_MAX_MS) {
      now += SESSION_IDLE_MS / 2;
      t.ok(pky.deps.sessions.resolve(busy.cookie, now), 'kept alive by use');
    }
    t.equal(pky.deps.sessions.resolve(busy.cookie, t0 + SESSION_MAX_MS + 1), null, 'ends at the absolute timeout however busy');
    const row = pky.deps.sqlite.prepare('SELECT COUNT(*) AS n FROM sessions WHERE id = ?').get(busy.cookie) as { n: number };
    t.equal(row.n, 0, 'the cookie value itself is never stored');
  });

  await t.test('static files: htmx from node_modules at its versioned path, our css and js', async (t) => {
    const require = createRequire(import.meta.url);
    const pkgFile = require.resolve('htmx.org/package.json');
    const version = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string }).version;
    t.match(version, /^2\.0\.\d+$/);
    const r = await app.inject({ method: 'GET', url: `/static/htmx-${version}.min.js` });
    t.equal(r.statusCode, 200);
    t.match(r.headers['content-type'], /javascript/);
    t.match(r.headers['cache-control'], /immutable/);
    t.equal(r.body, readFileSync(join(dirname(pkgFile), 'dist', 'htmx.min.js'), 'utf8'));
    t.equal((await app.inject({ method: 'GET', url: '/static/htmx-1.9.0.min.js' })).statusCode, 404, 'only the pinned version');
    const css = await app.inject({ method: 'GET', url: '/static/app.css' });
    t.equal(css.statusCode, 200);
    t.match(css.headers['content-type'], /text\/css/);
    t.equal((await app.inject({ method: 'GET', url: '/static/app.js' })).statusCode, 200);
    const page = await app.inject({ method: 'GET', url: '/login' });
    t.match(page.body, new RegExp(`<script src="/static/htmx-${version.replace(/\./g, '\\.')}\\.min\\.js" defer></script>`));
  });

  await t.test('failed logins are limited per address', async (t) => {
    const fresh = await buildApp(pky.deps);
    t.teardown(() => fresh.close());
    const attempt = async (password: string) => {
      const { cookie, token } = await loginForm(fresh);
      return postLogin(fresh, { login: 'root', password, next: '/', _csrf: token }, { cookie: `packyard_login_csrf=${cookie}` });
    };
    for (let i = 0; i < 10; i++) t.equal((await attempt('nope nope')).statusCode, 401);
    const blocked = await attempt(PASSWORD);
    t.equal(blocked.statusCode, 429, 'even the right password waits');
    t.equal(cookieValue(blocked, 'packyard_session'), null);
  });
});

t.test('with an https public_url cookies are Secure', async (t) => {
  const pky = await startPackyard(t, { listen: false });
  createUser(pky.deps.db, 'root', { admin: true, password: PASSWORD }, 'test');
  const config = { ...pky.deps.config, server: { ...pky.deps.config.server, public_url: 'https://packages.example' } };
  const app = await buildApp({ ...pky.deps, config });
  t.teardown(() => app.close());
  const page = await app.inject({ method: 'GET', url: '/login' });
  t.match(setCookies(page).join('\n'), /packyard_login_csrf=[^\n]*; Secure/);
  const r = await postLogin(app, { login: 'root', password: PASSWORD, next: '/', _csrf: loginCsrfOf(page.body) ?? '' }, {
    cookie: `packyard_login_csrf=${cookieValue(page, 'packyard_login_csrf')}`,
    origin: 'https://packages.example',
  });
  t.equal(r.statusCode, 303);
  t.match(setCookies(r).find((c) => c.startsWith('packyard_session=')), /; HttpOnly; SameSite=Lax; Secure$/);
});
