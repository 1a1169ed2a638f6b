// Sign-in with the forge (GitHub OAuth web flow, PKCE) against the fake GHES: the authorize
// redirect, state bound to the browser and used once, the code exchange (including errors in a
// 200), the user found by the forge's numeric id (a renamed login still signs in), unknown
// forge accounts refused, a new session, relative next only, the profile page and linking.
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { createUser } from '../../../src/services/users.js';
import { startFakeGhes } from '../../fakes/ghes/index.js';
import { startPackyard } from '../../helpers/packyard.js';
import { browser, cookieValue, setCookies, signIn } from '../../helpers/ui.js';

const PASSWORD = 'correct horse battery';
const STATE_COOKIE = 'packyard_oauth_state';
// @fastify/oauth2 keeps the PKCE verifier in a cookie of its own (set by /login/ID, sent back to the callback).
const VERIFIER_COOKIE = 'packyard_oauth_verifier';

interface Flow {
  start: LightMyRequestResponse;
  authorize: URL;
  callbackUrl: URL;
  stateCookie: string;
  verifierCookie: string;
  callback: LightMyRequestResponse;
}

t.test('sign-in with the forge (OAuth)', async (t) => {
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  const s = gh.state;
  s.addOAuthApp('ghe-client', 'ghe-secret');
  s.addOAuthApp('gh2-client', 'gh2-secret');
  s.addOAuthApp('bad-client', 'the-real-secret');
  const carolGh = s.addUser('carol');
  const daveGh = s.addUser('dave');
  s.addUser('eve'); // same login as a Packyard user, but no identity: never matched by login
  s.addUser('stranger');

  const pky = await startPackyard(t, {
    listen: false,
    yaml: [
      'integrations:',
      `  - { id: ghe, type: github, url: "${gh.url}", oauth: { client_id: ghe-client, client_secret: ghe-secret } }`,
      `  - { id: gh2, type: github, url: "${gh.url}", oauth: { client_id: gh2-client, client_secret: gh2-secret } }`,
      `  - { id: bad, type: github, url: "${gh.url}", oauth: { client_id: bad-client, client_secret: wrong-secret } }`,
      `  - { id: plain, type: github, url: "${gh.url}" }`,
      // Nothing listens on port 1: the forge is down.
      '  - { id: down, type: github, url: "http://127.0.0.1:1", oauth: { client_id: down-client, client_secret: down-secret } }',
    ].join('\n'),
  });
  const app = await buildApp(pky.deps);
  t.teardown(() => app.close());
  const db = pky.deps.db;
  const sqlite = pky.deps.sqlite;
  for (const login of ['carol', 'dave', 'eve']) createUser(db, login, { password: PASSWORD }, 'test');
  const uid = (login: string) => (sqlite.prepare('SELECT id FROM users WHERE login = ?').get(login) as { id: number }).id;
  // What sync makes: an identity keyed by the forge's numeric id.
  const identity = sqlite.prepare(`INSERT INTO identities (user_id, integration, external_id, login, created_at) VALUES (?, ?, ?, ?, ?)`);
  identity.run(uid('carol'), 'ghe', String(carolGh.id), 'carol', Date.now());
  identity.run(uid('dave'), 'ghe', String(daveGh.id), 'dave', Date.now());
  const identitiesOf = (login: string) =>
    sqlite.prepare('SELECT integration, external_id AS externalId, login FROM identities WHERE user_id = ? ORDER BY integration').all(uid(login));

  /** The browser's trip: Packyard -> the forge's authorize page (real HTTP) -> Packyard's callback. */
  async function flow(app: FastifyInstance, integration: string, opts: { query?: string; session?: string; callbackSession?: string; as?: string } = {}): Promise<Flow> {
    if (opts.as !== undefined) s.oauthAs(opts.as);
    const session = opts.session ? `packyard_session=${opts.session}` : '';
    const start = await app.inject({ method: 'GET', url: `/login/${integration}${opts.query ?? ''}`, headers: session ? { cookie: session } : {} });
    if (start.statusCode !== 303) throw new Error(`start: ${start.statusCode} ${start.body.slice(0, 200)}`);
    const authorize = new URL(String(start.headers.location));
    const stateCookie = cookieValue(start, STATE_COOKIE) ?? '';
    const verifierCookie = cookieValue(start, VERIFIER_COOKIE) ?? '';
    const res = await fetch(authorize, { redirect: 'manual' });
    await res.arrayBuffer();
    if (res.status !== 302) throw new Error(`authorize: ${res.status}`);
    const callbackUrl = new URL(String(res.headers.get('location')));
    const back = opts.callbackSession ? `packyard_session=${opts.callbackSession}` : session;
    const cookie = [`${STATE_COOKIE}=${stateCookie}`, `${VERIFIER_COOKIE}=${verifierCookie}`, back].filter(Boolean).join('; ');
    const callback = await app.inject({ method: 'GET', url: callbackUrl.pathname + callbackUrl.search, headers: { cookie } });
    return { start, authorize, callbackUrl, stateCookie, verifierCookie, callback };
  }

  await t.test('the login page has one button per integration with OAuth, above the password form', async (t) => {
    const page = await app.inject({ method: 'GET', url: '/login?next=%2Fcorp' });
    const signedIn = await signIn(app, 'eve', PASSWORD);
    const again = await signedIn.get('/login/ghe?next=%2Fcorp');
    t.equal(again.headers.location, '/corp', 'a signed-in user is sent on (use ?link=1 to connect an account)');
    t.equal(page.statusCode, 200);
    t.match(page.body, 'href="/login/ghe?next=%2Fcorp">Sign in with GitHub Enterprise (ghe)</a>', 'labelled with the forge\'s name, and the id where two share it');
    t.match(page.body, 'href="/login/gh2?next=%2Fcorp"');
    t.notMatch(page.body, '/login/plain', 'no button without an OAuth app');
    t.ok(page.body.indexOf('/login/ghe') < page.body.indexOf('<form method="post"'), 'above the form');
  });

  await t.test('a synced user signs in: authorize URL, PKCE, state cookie, new session', async (t) => {
    const old = await signIn(app, 'dave', PASSWORD);
    const f = await flow(app, 'ghe', { query: '?next=%2Fcorp%2F-%2Fpackages%3Fq%3Da', callbackSession: old.session, as: 'carol' });
    const q = f.authorize.searchParams;
    t.equal(f.authorize.origin + f.authorize.pathname, `${gh.url}/login/oauth/authorize`);
    t.equal(q.get('client_id'), 'ghe-client');
    t.equal(q.get('redirect_uri'), `${pky.config.server.public_url}/login/ghe/callback`);
    t.equal(q.get('scope'), 'read:user read:org');
    t.equal(q.get('code_challenge_method'), 'S256');
    t.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
    t.ok(f.stateCookie.length >= 32 && q.get('state') === f.stateCookie, 'a random state, also in the cookie');
    const sc = setCookies(f.start).find((c) => c.startsWith(`${STATE_COOKIE}=`)) ?? '';
    t.match(sc, /HttpOnly/);
    t.match(sc, /SameSite=Lax/);
    t.match(sc, /Max-Age=600/);
    t.match(sc, /Path=\/login/);
    const vc = setCookies(f.start).find((c) => c.startsWith(`${VERIFIER_COOKIE}=`)) ?? '';
    t.match(vc, /HttpOnly/, 'the PKCE verifier cookie');
    t.match(vc, /SameSite=Lax/);
    t.match(vc, /Path=\/login/);
    t.ok(f.verifierCookie.length >= 43, 'a 256-bit verifier');

    t.equal(f.callback.statusCode, 303, f.callback.body.slice(0, 300));
    t.equal(f.callback.headers.location, '/corp/-/packages?q=a');
    const session = cookieValue(f.callback, 'packyard_session');
    t.ok(session && session !== old.session, 'a new session id');
    t.equal((await old.get('/')).statusCode, 303, 'the session the browser had is gone');
    t.match(setCookies(f.callback).find((c) => c.startsWith(`${STATE_COOKIE}=`)), /Max-Age=0/, 'the state cookie is cleared');
    t.match(setCookies(f.callback).find((c) => c.startsWith(`${VERIFIER_COOKIE}=`)), /Max-Age=0/, 'the verifier cookie is cleared');
    const home = await browser(app, session ?? '').get('/');
    t.equal(home.statusCode, 200);
    t.match(home.body, />carol</);

    const req = gh.oauthTokenRequests.at(-1);
    t.equal(req?.accept, 'application/json');
    t.equal(req?.error, null);
    t.equal(req?.params.redirect_uri, `${pky.config.server.public_url}/login/ghe/callback`);
    t.equal(createHash('sha256').update(req?.params.code_verifier ?? '').digest('base64url'), q.get('code_challenge'), 'the verifier matches the challenge');
    const dump = JSON.stringify(sqlite.prepare(`SELECT * FROM sessions`).all()) + JSON.stringify(sqlite.prepare(`SELECT * FROM audit_log`).all());
    t.notMatch(dump, /gho_/, 'the forge token is not stored');
  });

  await t.test('the identity is matched by the forge id: a renamed login still signs in', async (t) => {
    s.renameUser('carol', 'carol-renamed');
    t.teardown(() => s.renameUser('carol-renamed', 'carol'));
    const f = await flow(app, 'ghe', { as: 'carol-renamed' });
    t.equal(f.callback.statusCode, 303);
    const home = await browser(app, cookieValue(f.callback, 'packyard_session') ?? '').get('/');
    t.match(home.body, />carol</, 'the same Packyard user');
    t.same(identitiesOf('carol'), [{ integration: 'ghe', externalId: String(carolGh.id), login: 'carol-renamed' }], 'the stored login follows the forge');
  });

  await t.test('a forge account unknown to Packyard is refused with a clear page, never created', async (t) => {
    const before = sqlite.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number };
    for (const as of ['stranger', 'eve']) {
      const f = await flow(app, 'ghe', { as });
      t.equal(f.callback.statusCode, 403, as);
      t.match(f.callback.body, 'is not a member of a synced organization yet; ask an admin to run a sync');
      t.equal(cookieValue(f.callback, 'packyard_session'), null, 'no session');
    }
    t.same(sqlite.prepare('SELECT COUNT(*) AS n FROM users').get(), before, 'no user was made');
  });

  await t.test('bad, missing, foreign and reused state answer 400', async (t) => {
    const f = await flow(app, 'ghe', { as: 'carol' });
    t.equal(f.callback.statusCode, 303);
    const path = f.callbackUrl.pathname + f.callbackUrl.search;
    const replay = await app.inject({ method: 'GET', url: path, headers: { cookie: `${STATE_COOKIE}=${f.stateCookie}` } });
    t.equal(replay.statusCode, 400, 'a state is used once');
    t.match(replay.body, /not valid any more/);

    const fresh = async () => {
      const start = await app.inject({ method: 'GET', url: '/login/ghe' });
      const auth = await fetch(String(start.headers.location), { redirect: 'manual' });
      await auth.arrayBuffer();
      return { cookie: cookieValue(start, STATE_COOKIE) ?? '', url: new URL(String(auth.headers.get('location'))) };
    };
    const a = await fresh();
    t.equal((await app.inject({ method: 'GET', url: a.url.pathname + a.url.search })).statusCode, 400, 'no cookie (another browser)');
    const noState = new URL(a.url);
    noState.searchParams.delete('state');
    t.equal((await app.inject({ method: 'GET', url: noState.pathname + noState.search, headers: { cookie: `${STATE_COOKIE}=${a.cookie}` } })).statusCode, 400, 'no state');
    const other = await fresh();
    t.equal((await app.inject({ method: 'GET', url: a.url.pathname + a.url.search, headers: { cookie: `${STATE_COOKIE}=${other.cookie}` } })).statusCode, 400, 'the cookie of another attempt');
    const b = await fresh();
    const gh2 = `/login/gh2/callback${b.url.search}`;
    t.equal((await app.inject({ method: 'GET', url: gh2, headers: { cookie: `${STATE_COOKIE}=${b.cookie}` } })).statusCode, 400, 'the state of another integration');
    const made = gh.oauthTokenRequests.length;
    t.equal((await app.inject({ method: 'GET', url: other.url.pathname + other.url.search, headers: { cookie: `${STATE_COOKIE}=${'x'.repeat(other.cookie.length)}` } })).statusCode, 400, 'a forged cookie');
    t.equal(gh.oauthTokenRequests.length, made, 'no code exchange without a valid state');
    t.equal((await app.inject({ method: 'GET', url: '/login/plain' })).statusCode, 404, 'no OAuth app: no sign-in');
    t.equal((await app.inject({ method: 'GET', url: '/login/nope/callback?state=x&code=y' })).statusCode, 404);
  });

  await t.test('a flood of unauthenticated starts from one address does not deny sign-in to anyone', async (t) => {
    // More than the 10,000 sign-ins under way the server once kept in memory (and then answered 503).
    const started = new Set<string>();
    for (let i = 0; i < 10_050; i++) {
      const r = await app.inject({ method: 'GET', url: `/login/ghe?next=%2Fflood${i}`, remoteAddress: '203.0.113.7' });
      if (r.statusCode !== 303) {
        t.fail(`start ${i}: ${r.statusCode} ${r.body.slice(0, 200)}`);
        break;
      }
      if (i % 1000 === 0) started.add(cookieValue(r, STATE_COOKIE) ?? '');
    }
    t.equal(started.size, 11, 'each start has its own state');
    const f = await flow(app, 'ghe', { query: '?next=%2Fcorp', as: 'carol' });
    t.equal(f.callback.statusCode, 303, f.callback.body.slice(0, 300));
    t.equal(f.callback.headers.location, '/corp');
    t.ok(cookieValue(f.callback, 'packyard_session'), 'signed in');
    const replay = await app.inject({ method: 'GET', url: f.callbackUrl.pathname + f.callbackUrl.search, headers: { cookie: `${STATE_COOKIE}=${f.stateCookie}; ${VERIFIER_COOKIE}=${f.verifierCookie}` } });
    t.equal(replay.statusCode, 400, 'the replayed callback is refused');
    t.match(replay.body, /not valid any more/);
  });

  await t.test('the forge refusing: wrong client secret ({error} in a 200), user denial', async (t) => {
    const f = await flow(app, 'bad', { as: 'carol' });
    t.equal(f.callback.statusCode, 502);
    t.match(f.callback.body, /incorrect_client_credentials/);
    t.notMatch(f.callback.body, /wrong-secret/, 'the secret is not shown');
    t.equal(gh.oauthTokenRequests.at(-1)?.error, 'incorrect_client_credentials');
    t.equal(cookieValue(f.callback, 'packyard_session'), null);

    s.oauthDeny();
    const d = await flow(app, 'ghe');
    t.equal(d.callback.statusCode, 403);
    t.match(d.callback.body, /did not authorize the sign-in \(access_denied\)/);
    s.oauthAs('carol');
  });

  await t.test('a forge that cannot be reached: a clear page, no session', async (t) => {
    const start = await app.inject({ method: 'GET', url: '/login/down' });
    t.equal(start.statusCode, 303);
    const state = new URL(String(start.headers.location)).searchParams.get('state') ?? '';
    const cookie = `${STATE_COOKIE}=${cookieValue(start, STATE_COOKIE)}; ${VERIFIER_COOKIE}=${cookieValue(start, VERIFIER_COOKIE)}`;
    const cb = await app.inject({ method: 'GET', url: `/login/down/callback?code=abc&state=${state}`, headers: { cookie } });
    t.equal(cb.statusCode, 502);
    t.match(cb.body, /did not complete the sign-in/);
    t.notMatch(cb.body, /down-secret/);
    t.equal(cookieValue(cb, 'packyard_session'), null);
  });

  await t.test('the fake checks the PKCE verifier, the code, the client and the redirect_uri', async (t) => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirect = 'http://127.0.0.1:1/cb';
    const code = async () => {
      const u = new URL(`${gh.url}/login/oauth/authorize`);
      for (const [k, v] of Object.entries({ client_id: 'ghe-client', redirect_uri: redirect, state: 's', scope: 'read:user', code_challenge: challenge, code_challenge_method: 'S256', login: 'dave' })) u.searchParams.set(k, v);
      const r = await fetch(u, { redirect: 'manual' });
      await r.arrayBuffer();
      return new URL(String(r.headers.get('location'))).searchParams.get('code') ?? '';
    };
    const exchange = async (body: Record<string, string>) => {
      const r = await fetch(`${gh.url}/login/oauth/access_token`, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
      t.equal(r.status, 200, 'errors come as 200');
      return (await r.json()) as Record<string, string>;
    };
    const base = { client_id: 'ghe-client', client_secret: 'ghe-secret', redirect_uri: redirect };
    t.equal((await exchange({ ...base, code: await code(), code_verifier: 'wrong' })).error, 'invalid_grant');
    t.equal((await exchange({ ...base, code: await code() })).error, 'invalid_grant', 'a missing verifier');
    t.equal((await exchange({ ...base, code: await code(), code_verifier: verifier, redirect_uri: 'http://127.0.0.1:1/other' })).error, 'redirect_uri_mismatch');
    t.equal((await exchange({ ...base, code: await code(), code_verifier: verifier, client_secret: 'x' })).error, 'incorrect_client_credentials');
    const c = await code();
    const ok = await exchange({ ...base, code: c, code_verifier: verifier });
    t.match(ok, { token_type: 'bearer', scope: 'read:user' });
    t.equal((await exchange({ ...base, code: c, code_verifier: verifier })).error, 'bad_verification_code', 'a code is used once');
    const me = await fetch(`${gh.apiUrl}/user`, { headers: { authorization: `Bearer ${ok.access_token}` } });
    t.match(await me.json(), { login: 'dave', id: daveGh.id });
  });

  await t.test('next is relative only', async (t) => {
    for (const next of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)']) {
      const f = await flow(app, 'ghe', { query: `?next=${encodeURIComponent(next)}`, as: 'carol' });
      t.equal(f.callback.headers.location, '/', `next ${next} is ignored`);
    }
  });

  await t.test('the profile lists forge accounts; linking another integration', async (t) => {
    const anon = await app.inject({ method: 'GET', url: '/-/profile' });
    t.equal(anon.statusCode, 303);
    t.equal(anon.headers.location, '/login?next=%2F-%2Fprofile');
    t.equal((await app.inject({ method: 'GET', url: '/login/gh2?link=1' })).headers.location, '/login?next=%2Flogin%2Fgh2%3Flink%3D1', 'linking needs a session');

    const carol = await signIn(app, 'carol', PASSWORD);
    const page = await carol.get('/-/profile');
    t.equal(page.statusCode, 200);
    t.match(page.body, `<td>ghe</td><td>carol</td><td>${carolGh.id}</td>`, 'the login as of the last sign-in');
    t.match(page.body, 'href="/login/gh2?link=1">Connect GitHub Enterprise (gh2)</a>');
    t.notMatch(page.body, 'href="/login/ghe?link=1"', 'already connected on ghe');

    const f = await flow(app, 'gh2', { query: '?link=1', session: carol.session, as: 'carol' });
    t.equal(f.callback.statusCode, 303, f.callback.body.slice(0, 300));
    t.equal(f.callback.headers.location, '/-/profile');
    t.equal(cookieValue(f.callback, 'packyard_session'), null, 'linking keeps the session');
    t.same(identitiesOf('carol').map((i) => (i as { integration: string }).integration), ['gh2', 'ghe']);
    t.match((await carol.get('/-/profile')).body, `<td>gh2</td><td>carol</td><td>${carolGh.id}</td>`);
    const signedIn = await flow(app, 'gh2', { as: 'carol' });
    t.equal(signedIn.callback.statusCode, 303, 'the linked account signs in');

    const dave = await signIn(app, 'dave', PASSWORD);
    const taken = await flow(app, 'gh2', { query: '?link=1', session: dave.session, as: 'carol' });
    t.equal(taken.callback.statusCode, 409, 'an account linked to another user is refused');
    t.match(taken.callback.body, /belongs to another Packyard user/);
    t.same(identitiesOf('dave').map((i) => (i as { integration: string }).integration), ['ghe']);

    // A link started in one session and finished in another is refused.
    s.oauthAs('dave');
    const start = await app.inject({ method: 'GET', url: '/login/gh2?link=1', headers: { cookie: `packyard_session=${dave.session}` } });
    const auth = await fetch(String(start.headers.location), { redirect: 'manual' });
    await auth.arrayBuffer();
    const cb = new URL(String(auth.headers.get('location')));
    const other = await signIn(app, 'eve', PASSWORD);
    const made = gh.oauthTokenRequests.length;
    const cross = await app.inject({ method: 'GET', url: cb.pathname + cb.search, headers: { cookie: `${STATE_COOKIE}=${cookieValue(start, STATE_COOKIE)}; ${VERIFIER_COOKIE}=${cookieValue(start, VERIFIER_COOKIE)}; packyard_session=${other.session}` } });
    t.equal(cross.statusCode, 400);
    t.equal(gh.oauthTokenRequests.length, made, 'refused before the code exchange');
    t.same(identitiesOf('eve'), [], 'nothing linked to the other session');
  });

  await t.test('a disabled user cannot sign in with the forge', async (t) => {
    sqlite.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run(Date.now(), uid('dave'));
    const f = await flow(app, 'ghe', { as: 'dave' });
    t.equal(f.callback.statusCode, 403);
    t.equal(cookieValue(f.callback, 'packyard_session'), null);
  });
});

t.test('sign-in with a GitHub Enterprise on a self-signed certificate: the integration ca_file applies to the code exchange', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'packyard-oauth-ca-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  try {
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { timeout: 30_000 });
  } catch {
    t.pass('openssl is not available: skipped');
    return;
  }
  const [key, cert] = await Promise.all([readFile(join(dir, 'key.pem')), readFile(join(dir, 'cert.pem'), 'utf8')]);
  const gh = await startFakeGhes({ tls: { key, cert } });
  t.teardown(() => gh.close());
  t.match(gh.url, /^https:/);
  gh.state.addOAuthApp('tls-client', 'tls-secret');
  const carolGh = gh.state.addUser('carol');
  gh.state.oauthAs('carol');
  const pky = await startPackyard(t, {
    listen: false,
    yaml: [
      'integrations:',
      `  - { id: ghe-ca, type: github, url: "${gh.url}", ca_file: "${join(dir, 'cert.pem')}", oauth: { client_id: tls-client, client_secret: tls-secret } }`,
      `  - { id: ghe-noca, type: github, url: "${gh.url}", oauth: { client_id: tls-client, client_secret: tls-secret } }`,
    ].join('\n'),
  });
  const app = await buildApp(pky.deps);
  t.teardown(() => app.close());
  createUser(pky.deps.db, 'carol', { password: PASSWORD }, 'test');
  const uid = (pky.deps.sqlite.prepare('SELECT id FROM users WHERE login = ?').get('carol') as { id: number }).id;
  pky.deps.sqlite.prepare(`INSERT INTO identities (user_id, integration, external_id, login, created_at) VALUES (?, 'ghe-ca', ?, 'carol', ?)`).run(uid, String(carolGh.id), Date.now());

  /** The browser's trip through the forge's authorize page (the browser trusts the CA). */
  async function flow(integration: string): Promise<LightMyRequestResponse> {
    const start = await app.inject({ method: 'GET', url: `/login/${integration}` });
    t.equal(start.statusCode, 303);
    const location = await new Promise<string>((resolve, reject) => {
      https.get(String(start.headers.location), { ca: cert }, (res) => {
        res.resume();
        resolve(String(res.headers.location));
      }).on('error', reject);
    });
    const back = new URL(location);
    const cookie = [STATE_COOKIE, VERIFIER_COOKIE].map((n) => `${n}=${cookieValue(start, n)}`).join('; ');
    return app.inject({ method: 'GET', url: back.pathname + back.search, headers: { cookie } });
  }

  const ok = await flow('ghe-ca');
  t.equal(ok.statusCode, 303, ok.body.slice(0, 300));
  t.ok(cookieValue(ok, 'packyard_session'), 'signed in');
  t.equal(gh.oauthTokenRequests.at(-1)?.error, null, 'the token request went through TLS with the CA');

  const made = gh.oauthTokenRequests.length;
  const refused = await flow('ghe-noca');
  t.equal(refused.statusCode, 502, 'without ca_file the certificate is not trusted');
  t.match(refused.body, /did not complete the sign-in/);
  t.match(refused.body, /self.signed|certificate/i);
  t.equal(cookieValue(refused, 'packyard_session'), null);
  t.equal(gh.oauthTokenRequests.length, made, 'no token request reached the forge');
});

t.test('an unreadable ca_file: that sign-in is unavailable, the others work', async (t) => {
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  const pky = await startPackyard(t, {
    listen: false,
    yaml: [
      'integrations:',
      `  - { id: broken, type: github, url: "${gh.url}", ca_file: /nonexistent/ca.pem, oauth: { client_id: a, client_secret: b } }`,
      `  - { id: fine, type: github, url: "${gh.url}", oauth: { client_id: c, client_secret: d } }`,
    ].join('\n'),
  });
  const app = await buildApp(pky.deps);
  t.teardown(() => app.close());
  const broken = await app.inject({ method: 'GET', url: '/login/broken' });
  t.equal(broken.statusCode, 502);
  t.match(broken.body, /Sign-in with broken is not available/);
  t.equal((await app.inject({ method: 'GET', url: '/login/fine' })).statusCode, 303);
});
