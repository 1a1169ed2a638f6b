// The forge sign-in works for any forge that declares the ForgeOAuth capability: stub forges
// (no real forge behind them) with a token endpoint on loopback. One button per integration with
// the capability, labelled with the forge's display name (the integration id added where two
// share it); the authorize redirect from ForgeOAuth (client, scopes, extra parameters, PKCE only
// where the forge takes it); the code exchanged at the token URL (path prefix kept, client in the
// form body); currentUser called with the token it answered; an OAuth error answered with HTTP 400
// is a refusal; a forge whose construction fails answers "unavailable". The real flow against the
// fake GHES is test/integration/ui/oauth.test.ts.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../../src/app.js';
import { ForgeError, type ForgeOAuth, type ForgeUser } from '../../../src/forges/types.js';
import { createUser } from '../../../src/services/users.js';
import type { ForgeFactory } from '../../../src/sync/forges.js';
import { startPackyard } from '../../helpers/packyard.js';
import { FakeForge } from '../../fakes/forge.js';
import { browser, cookieValue } from '../../helpers/ui.js';

interface TokenRequest {
  path: string;
  params: Record<string, string>;
}

async function tokenServer(t: { teardown(fn: () => unknown): void }) {
  const got: TokenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      got.push({ path: req.url ?? '', params });
      // RFC 6749 §5.2: a refusal is a 400 with an `error`.
      if (params.code === 'refused') {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant', error_description: 'the code expired' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `tok-${params.code}`, token_type: 'bearer' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got };
}

t.test('sign-in through a stub forge implementing ForgeOAuth', async (t) => {
  const tokens = await tokenServer(t);
  const seen: string[] = [];
  const oauthOf = (id: string, pkce: boolean): ForgeOAuth => ({
    authorizeUrl: `https://stub.example/${id}/oauth/authorize`,
    tokenUrl: `${tokens.url}/prefix/${id}/oauth/token`,
    scopes: ['profile', 'groups'],
    pkce,
    clientId: `${id}-client`,
    clientSecret: `${id}-secret`,
    authorizeParams: { prompt: 'consent' },
    async currentUser(token: string): Promise<ForgeUser> {
      seen.push(token);
      if (token === 'tok-sam') return { id: '7', login: 'sam' };
      throw new ForgeError('unauthorized', `forge ${id}: the token is not valid`, { integration: id });
    },
  });
  const names: Record<string, string> = { s1: 'Stubforge', s2: 'Stubforge', other: 'Otherforge', plain: 'Stubforge' };
  const stubForge: ForgeFactory = (integration) => {
    if (integration.id === 'broken') throw new ForgeError('invalid', 'forge broken: cannot read ca_file', { integration: 'broken' });
    const id = integration.id;
    return new FakeForge(
      { org: { id: '1', login: id }, users: [] },
      { type: 'stub', integrationId: id, displayName: names[id] ?? id, ...(id === 'plain' ? {} : { oauth: oauthOf(id, id !== 'other') }) },
    );
  };
  const pky = await startPackyard(t, {
    listen: false,
    forgeFactory: stubForge,
    yaml: [
      'integrations:',
      ...['s1', 's2', 'other', 'plain', 'broken'].map((id) => `  - { id: ${id}, type: gitlab, url: "https://stub.example/${id}", token: t }`),
    ].join('\n'),
  });
  const app = await buildApp(pky.deps);
  t.teardown(() => app.close());
  createUser(pky.deps.db, 'sam', { password: 'correct horse battery' }, 'test');
  const uid = (pky.deps.sqlite.prepare(`SELECT id FROM users WHERE login = 'sam'`).get() as { id: number }).id;
  pky.deps.sqlite.prepare(`INSERT INTO identities (user_id, integration, external_id, login, created_at) VALUES (?, 's1', '7', 'sam', ?)`).run(uid, Date.now());

  const page = await app.inject({ method: 'GET', url: '/login' });
  t.match(page.body, 'href="/login/s1">Sign in with Stubforge (s1)</a>', 'two integrations share a name: the id tells them apart');
  t.match(page.body, 'href="/login/s2">Sign in with Stubforge (s2)</a>');
  t.match(page.body, 'href="/login/other">Sign in with Otherforge</a>', 'a name of its own: the name alone');
  t.notMatch(page.body, '/login/plain', 'no oauth capability: no button');
  t.notMatch(page.body, '/login/broken');
  t.equal((await app.inject({ method: 'GET', url: '/login/plain' })).statusCode, 404);
  const broken = await app.inject({ method: 'GET', url: '/login/broken' });
  t.equal(broken.statusCode, 502);
  t.match(broken.body, /Sign-in with broken is not available/);

  /** GET /login/ID, then the callback as the forge would send the browser back with `code`. */
  const flow = async (id: string, code: string) => {
    const start = await app.inject({ method: 'GET', url: `/login/${id}` });
    t.equal(start.statusCode, 303);
    const authorize = new URL(String(start.headers.location));
    const state = authorize.searchParams.get('state') ?? '';
    const cookie = ['packyard_oauth_state', 'packyard_oauth_verifier']
      .map((n) => [n, cookieValue(start, n)] as const).filter(([, v]) => v).map(([n, v]) => `${n}=${v}`).join('; ');
    const callback = await app.inject({ method: 'GET', url: `/login/${id}/callback?code=${code}&state=${encodeURIComponent(state)}`, headers: { cookie } });
    return { authorize, callback };
  };

  const ok = await flow('s1', 'sam');
  t.equal(ok.authorize.origin + ok.authorize.pathname, 'https://stub.example/s1/oauth/authorize');
  const q = ok.authorize.searchParams;
  t.equal(q.get('client_id'), 's1-client');
  t.equal(q.get('scope'), 'profile groups');
  t.equal(q.get('prompt'), 'consent', 'the forge\'s extra authorize parameters');
  t.equal(q.get('redirect_uri'), `${pky.config.server.public_url}/login/s1/callback`);
  t.equal(q.get('code_challenge_method'), 'S256', 'PKCE where the forge takes it');
  t.equal(ok.callback.statusCode, 303, ok.callback.body.slice(0, 300));
  const req = tokens.got.at(-1);
  t.equal(req?.path, '/prefix/s1/oauth/token', 'the token URL\'s path prefix is kept');
  t.match(req?.params, { grant_type: 'authorization_code', code: 'sam', client_id: 's1-client', client_secret: 's1-secret', redirect_uri: `${pky.config.server.public_url}/login/s1/callback` });
  t.match(req?.params.code_verifier, /^[A-Za-z0-9_-]{43,}$/);
  t.same(seen.at(-1), 'tok-sam', 'currentUser got the exchanged token');
  const home = await browser(app, cookieValue(ok.callback, 'packyard_session') ?? '').get('/');
  t.match(home.body, />sam</, 'signed in as the identity\'s user');

  const noPkce = await flow('other', 'sam');
  t.equal(noPkce.authorize.searchParams.get('code_challenge'), null, 'no PKCE where the forge does not take it');
  t.equal(tokens.got.at(-1)?.params.code_verifier, undefined);
  t.equal(noPkce.callback.statusCode, 403, 'the account has no identity on this integration');
  t.match(noPkce.callback.body, /Your Otherforge account sam is not a member of a synced organization yet/);

  const refused = await flow('s2', 'refused');
  t.equal(refused.callback.statusCode, 502);
  t.match(refused.callback.body, /Stubforge \(s2\) did not complete the sign-in: forge s2: the code exchange was refused \(invalid_grant: the code expired\)/);
  t.notMatch(refused.callback.body, /s2-secret/);

  const rejected = await flow('s2', 'nobody');
  t.equal(rejected.callback.statusCode, 502, 'currentUser failing');
  t.match(rejected.callback.body, /the token is not valid/);
  t.equal(cookieValue(rejected.callback, 'packyard_session'), null);
});
