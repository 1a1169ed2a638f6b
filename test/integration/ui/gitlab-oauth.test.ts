// Sign in with GitLab (OAuth 2 authorization code with PKCE, scope read_user) against the fake
// GitLab under a relative URL root: the button labelled with the forge's name, the authorize URL
// under the root, the code exchange with the verifier, the account matched by GitLab's numeric
// user id (a renamed user still signs in), unknown accounts refused, and connecting a GitLab
// account to an existing user on the profile page. The route itself names no forge: this is the
// same code path GitHub's sign-in takes (test/integration/ui/oauth.test.ts).
import t from 'tap';
import { createHash } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { createUser } from '../../../src/services/users.js';
import { startFakeGitLab } from '../../fakes/gitlab/index.js';
import { startPackyard } from '../../helpers/packyard.js';
import { browser, cookieValue, signIn } from '../../helpers/ui.js';

const PASSWORD = 'correct horse battery';
const STATE_COOKIE = 'packyard_oauth_state';
const VERIFIER_COOKIE = 'packyard_oauth_verifier';

t.test('sign in with GitLab', async (t) => {
  const gl = await startFakeGitLab({ tier: 'free', relativeRoot: '/gitlab' });
  t.teardown(() => gl.close());
  const s = gl.state;
  const carolGl = s.addUser('carol');
  s.addUser('stranger');
  s.addUser('erin');

  const pky = await startPackyard(t, {
    listen: false,
    yaml: [
      'integrations:',
      `  - { id: gl, type: gitlab, url: "${gl.url}", oauth: { client_id: gl-client, client_secret: gl-secret } }`,
    ].join('\n'),
  });
  s.addOAuthApp('gl-client', 'gl-secret', { callbackUrl: `${pky.config.server.public_url}/login/gl/callback` });
  const app = await buildApp(pky.deps);
  t.teardown(() => app.close());
  const sqlite = pky.deps.sqlite;
  for (const login of ['carol', 'erin']) createUser(pky.deps.db, login, { password: PASSWORD }, 'test');
  const uid = (login: string) => (sqlite.prepare('SELECT id FROM users WHERE login = ?').get(login) as { id: number }).id;
  // What sync makes: an identity keyed by GitLab's numeric user id.
  sqlite.prepare(`INSERT INTO identities (user_id, integration, external_id, login, created_at) VALUES (?, 'gl', ?, 'carol', ?)`).run(uid('carol'), String(carolGl.id), Date.now());
  const identitiesOf = (login: string) => sqlite.prepare('SELECT integration, external_id AS externalId, login FROM identities WHERE user_id = ?').all(uid(login));

  async function flow(app: FastifyInstance, as: string, opts: { query?: string; session?: string } = {}): Promise<{ authorize: URL; callback: LightMyRequestResponse }> {
    s.oauthAs(as);
    const session = opts.session ? `packyard_session=${opts.session}` : '';
    const start = await app.inject({ method: 'GET', url: `/login/gl${opts.query ?? ''}`, headers: session ? { cookie: session } : {} });
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

  await t.test('the sign-in page has a "Sign in with GitLab" button', async (t) => {
    const page = await app.inject({ method: 'GET', url: '/login' });
    t.equal(page.statusCode, 200);
    t.match(page.body, 'href="/login/gl">Sign in with GitLab</a>');
  });

  await t.test('a synced user signs in: authorize under the relative root, read_user, PKCE, matched by id', async (t) => {
    const f = await flow(app, 'carol');
    const q = f.authorize.searchParams;
    t.equal(f.authorize.origin + f.authorize.pathname, `${gl.url}/oauth/authorize`, 'the relative root is kept');
    t.match(gl.url, /\/gitlab$/);
    t.equal(q.get('client_id'), 'gl-client');
    t.equal(q.get('scope'), 'read_user');
    t.equal(q.get('code_challenge_method'), 'S256');
    t.equal(f.callback.statusCode, 303, f.callback.body.slice(0, 300));
    const session = cookieValue(f.callback, 'packyard_session');
    t.ok(session, 'a session');
    t.match((await browser(app, session ?? '').get('/')).body, />carol</);
    const req = gl.oauthTokenRequests.at(-1) as { params: Record<string, string> } | undefined;
    t.equal(createHash('sha256').update(req?.params.code_verifier ?? '').digest('base64url'), q.get('code_challenge'), 'the verifier matches the challenge');
    const dump = JSON.stringify(sqlite.prepare('SELECT * FROM sessions').all()) + JSON.stringify(sqlite.prepare('SELECT * FROM audit_log').all());
    t.notMatch(dump, /gloas-|access_token/, 'the forge token is not stored');
  });

  await t.test('a renamed GitLab user still signs in (matched by the numeric id)', async (t) => {
    const u = s.user('carol') as { username: string };
    u.username = 'carol-renamed';
    t.teardown(() => { u.username = 'carol'; });
    const f = await flow(app, 'carol-renamed');
    t.equal(f.callback.statusCode, 303, f.callback.body.slice(0, 300));
    t.match((await browser(app, cookieValue(f.callback, 'packyard_session') ?? '').get('/')).body, />carol</, 'the same Packyard user');
    t.same(identitiesOf('carol'), [{ integration: 'gl', externalId: String(carolGl.id), login: 'carol-renamed' }], 'the stored login follows GitLab');
  });

  await t.test('an account unknown to Packyard is refused, never created', async (t) => {
    const before = sqlite.prepare('SELECT COUNT(*) AS n FROM users').get();
    const f = await flow(app, 'stranger');
    t.equal(f.callback.statusCode, 403);
    t.equal(cookieValue(f.callback, 'packyard_session'), null, 'no session');
    t.same(sqlite.prepare('SELECT COUNT(*) AS n FROM users').get(), before, 'no user was made');
  });

  await t.test('connecting a GitLab account to an existing user on the profile page', async (t) => {
    const erin = await signIn(app, 'erin', PASSWORD);
    t.match((await erin.get('/-/profile')).body, 'href="/login/gl?link=1">Connect GitLab</a>');
    const f = await flow(app, 'erin', { query: '?link=1', session: erin.session });
    t.equal(f.callback.statusCode, 303, f.callback.body.slice(0, 300));
    t.equal(f.callback.headers.location, '/-/profile');
    t.same(identitiesOf('erin'), [{ integration: 'gl', externalId: String(s.user('erin').id), login: 'erin' }]);
    const again = await flow(app, 'erin');
    t.equal(again.callback.statusCode, 303, 'the connected account signs in');
  });
});
