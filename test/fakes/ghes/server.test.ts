// The fake GHES's own behaviours that sync tests rely on: pagination and Link headers, faults,
// conditional requests, rate limits, access rules, git over HTTP, GitHub App tokens, webhooks.
import t from 'tap';
import { createHmac, createSign } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { makeTempDir, removeDir, isolatedGitEnv } from '../../helpers/git-repo.js';
import { secondaryRateLimit, startFakeGhes, type FakeGhes } from './index.js';

const execFileP = promisify(execFile);

async function seed(gh: FakeGhes): Promise<void> {
  const s = gh.state;
  s.addUser('owner1', { name: 'Olga Owner', email: 'olga@example.test' });
  s.addToken('tok-owner', 'owner1');
  s.addOrg('acme');
  s.addOrgMember('acme', 'owner1', 'admin');
  for (let i = 1; i <= 45; i++) {
    s.addUser(`dev${i}`);
    s.addOrgMember('acme', `dev${i}`, 'member');
  }
  s.addToken('tok-dev1', 'dev1');
  s.addUser('stranger');
  s.addToken('tok-stranger', 'stranger');
  await s.addRepo('acme', 'lib', { visibility: 'private', files: { 'composer.json': '{"name":"acme/lib"}\n' } });
}

function api(gh: FakeGhes, path: string, token: string | null, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set('Authorization', `token ${token}`);
  return fetch(`${gh.apiUrl}${path}`, { ...init, headers });
}

t.test('lists paginate with GitHub Link headers; faults hit one page once', async (t) => {
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  await seed(gh);
  const p1 = await api(gh, '/orgs/acme/members?per_page=20', 'tok-owner');
  t.equal(p1.status, 200);
  t.equal(((await p1.json()) as unknown[]).length, 20);
  const host = new URL(gh.url).host;
  t.equal(
    p1.headers.get('link'),
    `<http://${host}/api/v3/orgs/acme/members?per_page=20&page=2>; rel="next", <http://${host}/api/v3/orgs/acme/members?per_page=20&page=3>; rel="last"`,
  );
  const p3 = await api(gh, '/orgs/acme/members?per_page=20&page=3', 'tok-owner');
  t.equal(((await p3.json()) as unknown[]).length, 6);
  t.match(p3.headers.get('link'), /rel="prev".*rel="first"/);
  t.notMatch(p3.headers.get('link'), /rel="next"/);

  gh.fault({ path: /\/orgs\/acme\/members/, page: 2, status: 500, times: 1 });
  t.equal((await api(gh, '/orgs/acme/members?per_page=20', 'tok-owner')).status, 200, 'page 1 unaffected');
  t.equal((await api(gh, '/orgs/acme/members?per_page=20&page=2', 'tok-owner')).status, 500, 'page 2 fails once');
  t.equal((await api(gh, '/orgs/acme/members?per_page=20&page=2', 'tok-owner')).status, 200, 'then recovers');

  gh.fault(secondaryRateLimit(/\/orgs\/acme$/, 3));
  const sec = await api(gh, '/orgs/acme', 'tok-owner');
  t.equal(sec.status, 403);
  t.equal(sec.headers.get('retry-after'), '3');
  t.match(await sec.json(), { message: /secondary rate limit/ });
});

t.test('linkHost writes another host into next links', async (t) => {
  const gh = await startFakeGhes({ linkHost: 'github.corp.example' });
  t.teardown(() => gh.close());
  await seed(gh);
  const res = await api(gh, '/orgs/acme/members', 'tok-owner');
  t.match(res.headers.get('link'), /^<http:\/\/github\.corp\.example\/api\/v3\/orgs\/acme\/members\?page=2>; rel="next"/);
});

t.test('ETag and If-None-Match give 304 that is free under rate limiting', async (t) => {
  const gh = await startFakeGhes({ rateLimit: { limit: 3 } });
  t.teardown(() => gh.close());
  await seed(gh);
  const a = await api(gh, '/orgs/acme', 'tok-owner');
  const etag = a.headers.get('etag') ?? '';
  t.match(etag, /^W\/"[0-9a-f]{64}"$/);
  t.ok(a.headers.get('last-modified'));
  t.equal(a.headers.get('x-ratelimit-remaining'), '2');
  const b = await api(gh, '/orgs/acme', 'tok-owner', { headers: { 'If-None-Match': etag } });
  t.equal(b.status, 304);
  t.equal(await b.text(), '');
  t.equal(b.headers.get('x-ratelimit-remaining'), '2', '304 does not count');
  await api(gh, '/user', 'tok-owner');
  await api(gh, '/user', 'tok-owner');
  const over = await api(gh, '/user', 'tok-owner');
  t.equal(over.status, 403);
  t.equal(over.headers.get('x-ratelimit-remaining'), '0');
  t.match(await over.json(), { message: /^API rate limit exceeded for user ID \d+/ });
  const rl = await api(gh, '/rate_limit', 'tok-owner');
  t.equal(rl.status, 200, 'rate_limit is free and available');
});

t.test('rate limiting off (GHES default): /rate_limit 404, no headers', async (t) => {
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  await seed(gh);
  const rl = await api(gh, '/rate_limit', 'tok-owner');
  t.equal(rl.status, 404);
  t.equal(rl.headers.get('x-ratelimit-limit'), null);
  t.equal(rl.headers.get('x-github-enterprise-version'), '3.19.0');
});

t.test('access: 401 for bad tokens, 404 for hidden things, 403 for hooks without owner', async (t) => {
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  await seed(gh);
  t.equal((await api(gh, '/user', 'nope')).status, 401);
  t.equal((await api(gh, '/user', null)).status, 401);
  t.equal((await api(gh, '/repos/acme/lib', 'tok-stranger')).status, 404);
  t.equal((await api(gh, '/repos/acme/lib', 'tok-dev1')).status, 200, 'default permission read');
  t.equal((await api(gh, '/orgs/acme/hooks', 'tok-dev1')).status, 403);
  gh.state.setDefaultRepositoryPermission('acme', 'none');
  t.equal((await api(gh, '/repos/acme/lib', 'tok-dev1')).status, 404);
  t.equal(gh.requests.at(-1)?.token, 'tok-dev1');
});

t.test('git clone over HTTP with a token; commits and tags are real', async (t) => {
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  await seed(gh);
  const sha = await gh.state.commit('acme', 'lib', { 'src/A.php': '<?php\n' }, { message: 'add A', tag: 'v1.0.0' });
  const work = await makeTempDir('fake-ghes-clone-');
  t.teardown(() => removeDir(work));
  const env = isolatedGitEnv(work);
  const remote = `${gh.url.replace('http://', 'http://x-access-token:tok-owner@')}/acme/lib.git`;
  await execFileP('git', ['clone', '--quiet', remote, join(work, 'c')], { env, timeout: 30_000 });
  const { stdout } = await execFileP('git', ['-C', join(work, 'c'), 'rev-parse', 'v1.0.0^{commit}'], { env });
  t.equal(stdout.trim(), sha);
  const bad = `${gh.url.replace('http://', 'http://x-access-token:wrong@')}/acme/lib.git`;
  await t.rejects(execFileP('git', ['ls-remote', bad], { env, timeout: 30_000 }));
  t.ok(gh.gitRequests.some((r) => r.status === 401));
  const raw = await api(gh, '/repos/acme/lib/contents/composer.json?ref=v1.0.0', 'tok-owner', { headers: { Accept: 'application/vnd.github.raw+json' } });
  t.equal(await raw.text(), '{"name":"acme/lib"}\n');
  t.equal((await api(gh, '/repos/acme/lib/contents/missing.json', 'tok-owner')).status, 404);
});

function jwt(iss: number | string, pem: string, iat: number, exp: number): string {
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iat, exp, iss: String(iss) })}`;
  return `${head}.${createSign('RSA-SHA256').update(head).sign(pem, 'base64url')}`;
}

t.test('GitHub App: JWT -> installation -> token that reads the org and clones', async (t) => {
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  await seed(gh);
  const { privateKeyPem, clientId } = gh.state.addApp({ appId: 42 });
  const instId = gh.state.installApp(42, 'acme');
  const now = Math.floor(Date.now() / 1000);
  const good = jwt(42, privateKeyPem, now - 60, now + 540);
  const inst = await fetch(`${gh.apiUrl}/orgs/acme/installation`, { headers: { Authorization: `Bearer ${good}` } });
  t.equal(inst.status, 200);
  t.match(await inst.json(), { id: instId, app_id: 42 });
  const byClientId = jwt(clientId, privateKeyPem, now - 60, now + 540);
  t.equal((await fetch(`${gh.apiUrl}/app`, { headers: { Authorization: `Bearer ${byClientId}` } })).status, 200, 'iss may be the client id');
  const otherKey = gh.state.addApp({ appId: 43 }).privateKeyPem;
  t.equal((await fetch(`${gh.apiUrl}/app`, { headers: { Authorization: `Bearer ${jwt(42, otherKey, now - 60, now + 540)}` } })).status, 401, 'wrong key');
  t.equal((await fetch(`${gh.apiUrl}/app`, { headers: { Authorization: `Bearer ${jwt(42, privateKeyPem, now + 120, now + 540)}` } })).status, 401, 'iat in the future');
  const tooLong = jwt(42, privateKeyPem, now - 60, now + 3600);
  t.equal((await fetch(`${gh.apiUrl}/orgs/acme/installation`, { headers: { Authorization: `Bearer ${tooLong}` } })).status, 401);
  const tokRes = await fetch(`${gh.apiUrl}/app/installations/${instId}/access_tokens`, { method: 'POST', headers: { Authorization: `Bearer ${good}` } });
  t.equal(tokRes.status, 201);
  const { token, expires_at } = (await tokRes.json()) as { token: string; expires_at: string };
  t.match(token, /^ghs_[A-Za-z0-9]{36}$/);
  t.ok(Date.parse(expires_at) > Date.now() + 3500_000);
  t.equal((await api(gh, '/repos/acme/lib', token)).status, 200);
  t.equal((await api(gh, '/orgs/acme/teams', token)).status, 200);
  const work = await makeTempDir('fake-ghes-app-');
  t.teardown(() => removeDir(work));
  const remote = `${gh.url.replace('http://', `http://x-access-token:${token}@`)}/acme/lib.git`;
  const { stdout } = await execFileP('git', ['ls-remote', remote, 'refs/heads/main'], { env: isolatedGitEnv(work), timeout: 30_000 });
  t.match(stdout, /^[0-9a-f]{40}\trefs\/heads\/main/, 'an installation token clones over git');
  gh.state.installationTokenTtlSeconds = -1;
  const expired = gh.state.createInstallationToken(instId).token;
  t.equal((await api(gh, '/repos/acme/lib', expired)).status, 401);
});

t.test('deliver() signs the exact body; pings follow hook creation', async (t) => {
  const got: Array<{ headers: IncomingMessage['headers']; body: Buffer }> = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => receiver.close(() => r())));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/ghe`;
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  await seed(gh);
  const created = await api(gh, '/orgs/acme/hooks', 'tok-owner', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'web', events: ['push'], config: { url: hookUrl, content_type: 'json', secret: 's3cret' } }),
  });
  t.equal(created.status, 201);
  await gh.idle();
  t.equal(got.length, 1);
  t.equal(got[0]?.headers['x-github-event'], 'ping');
  const results = await gh.deliver('acme', 'push', { ref: 'refs/heads/main' }, { deliveryId: 'abc-123' });
  t.same(results.map((r) => [r.status, r.deliveryId]), [[202, 'abc-123']]);
  const last = got.at(-1);
  const expected = `sha256=${createHmac('sha256', 's3cret').update(last?.body ?? Buffer.alloc(0)).digest('hex')}`;
  t.equal(last?.headers['x-hub-signature-256'], expected);
  t.equal(last?.headers['x-github-enterprise-version'], '3.19.0');
  await gh.deliver('acme', 'push', { ref: 'refs/heads/main' }, { badSignature: true });
  t.not(got.at(-1)?.headers['x-hub-signature-256'], `sha256=${createHmac('sha256', 's3cret').update(got.at(-1)?.body ?? Buffer.alloc(0)).digest('hex')}`);
  t.same(await gh.deliver('acme', 'team', {}), [], 'not subscribed');
});

t.test('latency is added to API requests; dotcom flavor has no enterprise headers', async (t) => {
  const gh = await startFakeGhes({ latencyMs: 40, flavor: 'dotcom' });
  t.teardown(() => gh.close());
  await seed(gh);
  const started = performance.now();
  const res = await api(gh, '/user', 'tok-owner');
  t.ok(performance.now() - started >= 35, 'took at least the latency');
  t.equal(res.headers.get('x-github-enterprise-version'), null);
  const meta = (await (await api(gh, '/meta', 'tok-owner')).json()) as Record<string, unknown>;
  t.notOk('installed_version' in meta);
});

t.test("apiPrefix '': the REST API at the root like api.github.com, /api/v3 refused, git and OAuth unchanged", async (t) => {
  const gh = await startFakeGhes({ flavor: 'dotcom', apiPrefix: '' });
  await seed(gh);
  t.equal(gh.apiUrl, gh.url, 'the API URL is the root');
  const org = await api(gh, '/orgs/acme', 'tok-owner');
  t.equal(org.status, 200);
  t.match(await org.json(), { login: 'acme', url: `${gh.url}/orgs/acme` }, 'URLs in answers have no /api/v3');
  const members = await api(gh, '/orgs/acme/members?per_page=20', 'tok-owner');
  t.match(members.headers.get('link'), new RegExp(`<http://${new URL(gh.url).host}/orgs/acme/members\\?per_page=20&page=2>; rel="next"`));
  const token = await fetch(`${gh.url}/login/oauth/access_token`, { method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'client_id=nope&client_secret=x&code=y' });
  t.equal(token.status, 200, 'OAuth keeps its path, not routed to the API');
  t.match(await token.json(), { error: String });
  const work = await makeTempDir('fake-ghes-root-');
  t.teardown(() => removeDir(work));
  const remote = `${gh.url.replace('http://', 'http://x-access-token:tok-owner@')}/acme/lib.git`;
  const { stdout } = await execFileP('git', ['ls-remote', remote, 'refs/heads/main'], { env: isolatedGitEnv(work), timeout: 30_000 });
  t.match(stdout, /^[0-9a-f]{40}\trefs\/heads\/main/, 'git over HTTP still at /{owner}/{repo}.git');
  const v3 = await fetch(`${gh.url}/api/v3/orgs/acme`, { headers: { Authorization: 'token tok-owner' } });
  t.equal(v3.status, 404, '/api/v3 is not api.github.com');
  t.same(gh.unexpected, [{ method: 'GET', path: '/api/v3/orgs/acme' }]);
  await t.rejects(gh.close(), /does not implement: GET \/api\/v3\/orgs\/acme/, 'a strict fake fails the test that used /api/v3');
});

t.test('renames: a renamed repository redirects, a renamed user keeps its id', async (t) => {
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  await seed(gh);
  const id = gh.state.repo('acme', 'lib').id;
  gh.state.renameRepo('acme', 'lib', 'library');
  const moved = await api(gh, '/repos/acme/lib', 'tok-owner', { redirect: 'manual' });
  t.equal(moved.status, 301);
  t.equal(moved.headers.get('location'), `${gh.apiUrl}/repositories/${id}`);
  t.match(await (await api(gh, '/repos/acme/library', 'tok-owner')).json(), { id, name: 'library' });
  const before = gh.state.user('dev1').id;
  gh.state.renameUser('dev1', 'dev-one');
  const m = await api(gh, '/orgs/acme/memberships/dev-one', 'tok-owner');
  t.match(await m.json(), { user: { id: before, login: 'dev-one' } });
  t.equal((await api(gh, '/orgs/acme/memberships/dev1', 'tok-owner')).status, 404);
});

t.test('strict: close() fails when a client called an endpoint the fake does not implement', async (t) => {
  const gh = await startFakeGhes();
  await seed(gh);
  const res = await api(gh, '/orgs/acme/outside_collaborators', 'tok-owner');
  t.equal(res.status, 404);
  t.same(gh.unexpected, [{ method: 'GET', path: '/api/v3/orgs/acme/outside_collaborators' }]);
  await t.rejects(gh.close(), /does not implement: GET \/api\/v3\/orgs\/acme\/outside_collaborators/);
  const lax = await startFakeGhes({ strict: false });
  await fetch(`${lax.apiUrl}/nope`);
  await t.resolves(lax.close());
});

t.test('form-encoded hooks get payload=<json>, signed over the form body', async (t) => {
  const got: Buffer[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push(Buffer.concat(chunks));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => receiver.close(() => r())));
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  await seed(gh);
  gh.state.addHook('acme', { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, secret: 'k', contentType: 'form', events: ['*'] });
  const payload = gh.payloads.organization('member_added', 'acme', 'dev2');
  const [r] = await gh.deliver('acme', 'organization', payload);
  t.equal(r?.status, 200);
  const body = got[0]?.toString() ?? '';
  t.match(body, /^payload=/);
  t.same(JSON.parse(decodeURIComponent(body.slice('payload='.length))), payload);
  t.equal(gh.deliveries[0]?.headers['X-Hub-Signature-256'], `sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`);
});
