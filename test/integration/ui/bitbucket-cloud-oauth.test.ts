// Sign in with Bitbucket Cloud (an OAuth 2 consumer: authorization code, no PKCE, scope account)
// through the real sign-in route against the Bitbucket Cloud stub: the button labelled with the
// forge's name, the authorize and token URLs under `url` (/site/oauth2/…), the consumer sent as
// HTTP Basic on the token request (Bitbucket's documented form) and not in the body, the account
// from /2.0/user matched by its uuid (a changed nickname is the same Packyard user), and an
// unknown account refused.
import t from 'tap';
import { buildApp } from '../../../src/app.js';
import { createUser } from '../../../src/services/users.js';
import { account, bitbucketCloudStub } from '../../helpers/bitbucket-cloud-stub.js';
import { startPackyard } from '../../helpers/packyard.js';
import { browser, cookieValue } from '../../helpers/ui.js';

const STATE_COOKIE = 'packyard_oauth_state';

t.test('sign in with Bitbucket Cloud', async (t) => {
  const s = await bitbucketCloudStub(t);
  const pky = await startPackyard(t, {
    listen: false,
    yaml: ['integrations:', `  - { id: bbc, type: bitbucket-cloud, url: "${s.origin}", api_url: "${s.apiUrl}", username: "svc@acme.example", token: t, oauth: { client_id: bbc-key, client_secret: bbc-secret } }`].join('\n'),
  });
  const app = await buildApp(pky.deps);
  t.teardown(() => app.close());
  const sqlite = pky.deps.sqlite;
  createUser(pky.deps.db, 'carol', { password: 'correct horse battery' }, 'test');
  const carolId = (sqlite.prepare('SELECT id FROM users WHERE login = ?').get('carol') as { id: number }).id;
  const carol = account(3, 'carol');
  sqlite.prepare(`INSERT INTO identities (user_id, integration, external_id, login, created_at) VALUES (?, 'bbc', ?, 'carol', ?)`).run(carolId, carol.uuid, Date.now());

  let signedIn: Record<string, unknown> = carol;
  s.on('GET', '/site/oauth2/authorize', (r) => {
    const to = new URL(r.query.get('redirect_uri') ?? 'http://invalid/');
    to.searchParams.set('code', 'code-1');
    to.searchParams.set('state', r.query.get('state') ?? '');
    return { status: 302, headers: { location: to.toString() } };
  });
  s.on('POST', '/site/oauth2/access_token', (r) =>
    r.headers.authorization === `Basic ${Buffer.from('bbc-key:bbc-secret').toString('base64')}`
      ? { body: { access_token: 'at-1', token_type: 'bearer', expires_in: 7200, scopes: 'account' } }
      : { status: 400, body: { error: 'unauthorized_client', error_description: 'Requests must be authenticated using OAuth client credentials' } },
  );
  s.on('GET', '/2.0/user', (r) => (r.headers.authorization === 'Bearer at-1' ? { body: { ...signedIn, account_status: 'active' } } : { status: 401, body: {} }));

  async function flow() {
    const start = await app.inject({ method: 'GET', url: '/login/bbc' });
    if (start.statusCode !== 303) throw new Error(`start: ${start.statusCode} ${start.body.slice(0, 200)}`);
    const authorize = new URL(String(start.headers.location));
    const res = await fetch(authorize, { redirect: 'manual' });
    await res.arrayBuffer();
    const cb = new URL(String(res.headers.get('location')));
    const callback = await app.inject({ method: 'GET', url: cb.pathname + cb.search, headers: { cookie: `${STATE_COOKIE}=${cookieValue(start, STATE_COOKIE)}` } });
    return { authorize, callback };
  }

  await t.test('the button, the consumer URLs, Basic on the token request, matched by uuid', async (t) => {
    t.match((await app.inject({ method: 'GET', url: '/login' })).body, 'href="/login/bbc">Sign in with Bitbucket Cloud</a>');
    const f = await flow();
    t.equal(f.authorize.origin + f.authorize.pathname, `${s.origin}/site/oauth2/authorize`);
    t.equal(f.authorize.searchParams.get('client_id'), 'bbc-key');
    t.equal(f.authorize.searchParams.get('scope'), 'account');
    t.equal(f.authorize.searchParams.get('code_challenge'), null, 'no PKCE');
    t.equal(f.callback.statusCode, 303, f.callback.body.slice(0, 300));
    t.match((await browser(app, cookieValue(f.callback, 'packyard_session') ?? '').get('/')).body, />carol</);
    const token = s.requests.find((r) => r.path === '/site/oauth2/access_token');
    t.notMatch(String(token?.body), /client_secret/, 'the secret is not in the body');
    t.match(String(token?.body), /grant_type=authorization_code/);
  });

  await t.test('a changed nickname is the same user; an unknown uuid is refused', async (t) => {
    signedIn = { ...carol, nickname: 'carol-renamed' };
    const f = await flow();
    t.equal(f.callback.statusCode, 303, f.callback.body.slice(0, 300));
    t.match((await browser(app, cookieValue(f.callback, 'packyard_session') ?? '').get('/')).body, />carol</);
    signedIn = account(9, 'stranger');
    const g = await flow();
    t.equal(g.callback.statusCode, 403);
    t.equal(cookieValue(g.callback, 'packyard_session'), null);
  });
});
