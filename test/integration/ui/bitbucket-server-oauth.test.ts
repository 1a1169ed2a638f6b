// Sign in with Bitbucket Data Center (OAuth 2 from an incoming application link: authorization
// code with PKCE, the least scope PUBLIC_REPOS) against the fake Bitbucket under a context path:
// the button labelled with the forge's name, the authorize and token URLs under the context path,
// the code exchange with the verifier, the account read from X-AUSERNAME and matched by
// Bitbucket's numeric user id (a user whose name and slug changed between two sign-ins is the
// same Packyard user), inactive and unknown accounts refused, and connecting a Bitbucket account
// on the profile page. The route names no forge: this is the code path GitHub's and GitLab's
// sign-ins take (oauth.test.ts, gitlab-oauth.test.ts).
import t from 'tap';
import { createHash } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { createUser } from '../../../src/services/users.js';
import { startFakeBitbucketServer } from '../../fakes/bitbucket-server/index.js';
import { startPackyard } from '../../helpers/packyard.js';
import { browser, cookieValue, signIn } from '../../helpers/ui.js';

const PASSWORD = 'correct horse battery';
const STATE_COOKIE = 'packyard_oauth_state';
const VERIFIER_COOKIE = 'packyard_oauth_verifier';

t.test('sign in with Bitbucket Data Center', async (t) => {
  const bb = await startFakeBitbucketServer({ contextPath: '/bitbucket' });
  t.teardown(() => bb.close());
  const s = bb.state;
  const carolBb = s.addUser('carol', { displayName: 'Carol' });
  s.addUser('stranger');
  s.addUser('erin');
  s.addUser('ivan');

  const pky = await startPackyard(t, {
    listen: false,
    yaml: [
      'integrations:',
      `  - { id: bbs, type: bitbucket-server, url: "${bb.url}", token: svc-token, oauth: { client_id: bbs-client, client_secret: bbs-secret } }`,
    ].join('\n'),
  });
  bb.oauth.addApp('bbs-client', 'bbs-secret', `${pky.config.server.public_url}/login/bbs/callback`);
  const app = await buildApp(pky.deps);
  t.teardown(() => app.close());
  const sqlite = pky.deps.sqlite;
  for (const login of ['carol', 'erin', 'ivan']) createUser(pky.deps.db, login, { password: PASSWORD }, 'test');
  const uid = (login: string) => (sqlite.prepare('SELECT id FROM users WHERE login = ?').get(login) as { id: number }).id;
  // What sync makes: identities keyed by Bitbucket's numeric user id.
  const identity = sqlite.prepare(`INSERT INTO identities (user_id, integration, external_id, login, created_at) VALUES (?, 'bbs', ?, ?, ?)`);
  identity.run(uid('carol'), String(carolBb.id), 'carol', Date.now());
  identity.run(uid('ivan'), String(s.user('ivan').id), 'ivan', Date.now());
  const identitiesOf = (login: string) => sqlite.prepare('SELECT integration, external_id AS externalId, login FROM identities WHERE user_id = ?').all(uid(login));

  async function flow(app: FastifyInstance, as: string, opts: { query?: string; session?: string } = {}): Promise<{ authorize: URL; callback: LightMyRequestResponse }> {
    bb.oauth.approveAs = s.user(as).id;
    const session = opts.session ? `packyard_session=${opts.session}` : '';
    const start = await app.inject({ method: 'GET', url: `/login/bbs${opts.query ?? ''}`, headers: session ? { cookie: session } : {} });
    if (start.statusCode !== 303) throw new Error(`start: ${start.statusCode} ${start.body.slice(0, 200)}`);
    const authorize = new URL(String(start.headers.location));
    const res = await fetch(authorize, { redirect: 'manual' });
    await res.arrayBuffer();
    if (res.status !== 302) throw new Error(`authorize: ${res.status}`);
    const cb = new URL(String(res.headers.get('location')));
    const cookie = [`${STATE_COOKIE}=${cookieValue(start, STATE_COOKIE)}`, `${VERIFIER_COOKIE}=${cookieValue(start, VERIFIER_COOKIE)}`, session].filter(Boolean).join('; ');
    const callback = await app.inject({ method: 'GET', url: cb.pathname + cb.search, headers: { cookie } });
    return { authorize, callback };
  }

  await t.test('the sign-in page has a "Sign in with Bitbucket Data Center" button', async (t) => {
    const page = await app.inject({ method: 'GET', url: '/login' });
    t.equal(page.statusCode, 200);
    t.match(page.body, 'href="/login/bbs">Sign in with Bitbucket Data Center</a>');
  });

  await t.test('a synced user signs in: authorize under the context path, PUBLIC_REPOS, PKCE, matched by id', async (t) => {
    const f = await flow(app, 'carol');
    const q = f.authorize.searchParams;
    t.equal(f.authorize.origin + f.authorize.pathname, `${bb.url}/rest/oauth2/latest/authorize`, 'the context path is kept');
    t.match(bb.url, /\/bitbucket$/);
    t.equal(q.get('client_id'), 'bbs-client');
    t.equal(q.get('response_type'), 'code');
    t.equal(q.get('scope'), 'PUBLIC_REPOS', 'the least scope: identity only');
    t.equal(q.get('code_challenge_method'), 'S256');
    t.equal(q.get('redirect_uri'), `${pky.config.server.public_url}/login/bbs/callback`);
    t.equal(f.callback.statusCode, 303, f.callback.body.slice(0, 300));
    const session = cookieValue(f.callback, 'packyard_session');
    t.ok(session, 'a session');
    t.match((await browser(app, session ?? '').get('/')).body, />carol</);
    const req = bb.oauth.tokenRequests.at(-1);
    t.equal(req?.status, 200);
    t.equal(req?.params.grant_type, 'authorization_code');
    t.equal(createHash('sha256').update(req?.params.code_verifier ?? '').digest('base64url'), q.get('code_challenge'), 'the verifier matches the challenge');
    const who = bb.requests.filter((r) => /\/application-properties$|\/users\/carol$/.test(r.path));
    t.ok(who.length >= 2, 'the account comes from X-AUSERNAME and /users/{slug}');
    const dump = JSON.stringify(sqlite.prepare('SELECT * FROM sessions').all()) + JSON.stringify(sqlite.prepare('SELECT * FROM audit_log').all());
    const token = [...s.tokens.values()].find((x) => x.scopes !== null)?.value ?? 'no-token';
    t.notMatch(dump, token, 'the forge token is not stored');
  });

  await t.test('a user renamed on Bitbucket (name and slug) signs in as the same Packyard user', async (t) => {
    carolBb.name = 'carol.renamed';
    carolBb.slug = 'carol.renamed';
    t.teardown(() => {
      carolBb.name = 'carol';
      carolBb.slug = 'carol';
    });
    const f = await flow(app, 'carol.renamed');
    t.equal(f.callback.statusCode, 303, f.callback.body.slice(0, 300));
    t.match((await browser(app, cookieValue(f.callback, 'packyard_session') ?? '').get('/')).body, />carol</, 'the same Packyard user');
    t.same(identitiesOf('carol'), [{ integration: 'bbs', externalId: String(carolBb.id), login: 'carol.renamed' }], 'the stored login follows Bitbucket');
  });

  await t.test('an account unknown to Packyard is refused, never created', async (t) => {
    const before = sqlite.prepare('SELECT COUNT(*) AS n FROM users').get();
    const f = await flow(app, 'stranger');
    t.equal(f.callback.statusCode, 403);
    t.equal(cookieValue(f.callback, 'packyard_session'), null, 'no session');
    t.same(sqlite.prepare('SELECT COUNT(*) AS n FROM users').get(), before, 'no user was made');
  });

  await t.test('an account deactivated on Bitbucket is refused', async (t) => {
    const ivan = s.user('ivan');
    ivan.active = false;
    t.teardown(() => {
      ivan.active = true;
    });
    const f = await flow(app, 'ivan');
    t.not(f.callback.statusCode, 303, 'no sign-in');
    t.equal(cookieValue(f.callback, 'packyard_session'), null, 'no session');
  });

  await t.test('a denied authorization signs nobody in', async (t) => {
    bb.oauth.denied = true;
    t.teardown(() => {
      bb.oauth.denied = false;
    });
    const f = await flow(app, 'carol');
    t.not(f.callback.statusCode, 303);
    t.equal(cookieValue(f.callback, 'packyard_session'), null, 'no session');
  });

  await t.test('connecting a Bitbucket account to an existing user on the profile page', async (t) => {
    const erin = await signIn(app, 'erin', PASSWORD);
    t.match((await erin.get('/-/profile')).body, 'href="/login/bbs?link=1">Connect Bitbucket Data Center</a>');
    const f = await flow(app, 'erin', { query: '?link=1', session: erin.session });
    t.equal(f.callback.statusCode, 303, f.callback.body.slice(0, 300));
    t.equal(f.callback.headers.location, '/-/profile');
    t.same(identitiesOf('erin'), [{ integration: 'bbs', externalId: String(s.user('erin').id), login: 'erin' }]);
    const again = await flow(app, 'erin');
    t.equal(again.callback.statusCode, 303, 'the connected account signs in');
    t.match((await browser(app, cookieValue(again.callback, 'packyard_session') ?? '').get('/')).body, />erin</);
  });
});
