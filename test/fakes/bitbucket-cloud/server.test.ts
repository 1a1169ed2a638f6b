// The fake Bitbucket Cloud's own behaviours that sync tests rely on: Basic auth with app passwords
// (username) and API tokens (email), Bitbucket's error body, `page`/`pagelen` paging with `next`
// URLs, effective permissions (explicit, group, project; owners admin) behind admin-only listings
// and BBQL `q`, raw files at a tag, clone links with the nickname, git over HTTP, the 1.0 groups
// API and its retirement switch, webhooks (secret write-only), faults by page with Retry-After,
// signed repo:push deliveries to a receiver and to installed hooks, and OAuth 2 (code and client
// credentials).
import t, { type Test } from 'tap';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isolatedGitEnv, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { startFakeBitbucketCloud, type FakeBitbucketCloud } from './index.js';

const execFileP = promisify(execFile);
type Row = Record<string, unknown>;
type Page = { pagelen: number; page: number; size?: number; next?: string; values: Row[] };
const basic = (user: string, secret: string): string => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const OWNER = basic('olga@example.test', 'tok-olga'); // API token: the account email
const ADA = basic('ada', 'app-ada'); // app password: the Bitbucket username

async function world(): Promise<FakeBitbucketCloud> {
  const bb = await startFakeBitbucketCloud({ pagelen: 3 });
  const s = bb.state;
  s.addWorkspace('acme', { name: 'ACME' });
  s.addUser('olga', { displayName: 'Olga Owner' });
  s.addApiToken('olga', 'tok-olga');
  s.setMember('acme', 'olga', 'owner');
  s.addUser('ada', { displayName: 'Ada' });
  s.addAppPassword('ada', 'app-ada');
  s.setMember('acme', 'ada');
  s.addUser('pat', { displayName: 'Pat' });
  s.addAppPassword('pat', 'app-pat');
  s.setMember('acme', 'pat');
  s.addUser('stranger');
  s.addAppPassword('stranger', 'app-stranger');
  for (let i = 1; i <= 4; i++) {
    s.addUser(`dev${i}`, { displayName: `Dev ${i}` });
    s.setMember('acme', `dev${i}`);
  }
  s.addProject('acme', 'CORE', { name: 'Core' });
  s.addProject('acme', 'OPS');
  s.addGroup('acme', 'developers', { name: 'Developers', members: ['dev1', 'dev2', 'dev3', 'dev4'], permission: 'read' });
  s.addGroup('acme', 'ops', { members: ['pat'] });
  await s.addRepo('acme', 'lib', { project: 'CORE', files: { 'composer.json': '{"name":"acme/lib"}\n' } });
  await s.commit('acme', 'lib', { 'composer.json': '{"name":"acme/lib","version":"1"}\n' }, { tag: 'v1.0.0' });
  await s.commit('acme', 'lib', { 'composer.json': '{"name":"acme/lib","version":"2"}\n' });
  await s.addRepo('acme', 'tool', { project: 'OPS' });
  await s.addRepo('acme', 'open', { project: 'OPS', isPrivate: false });
  s.grantRepo('acme', 'lib', { group: 'developers' }, 'read');
  s.grantRepo('acme', 'lib', { user: 'ada' }, 'admin');
  s.grantProject('acme', 'OPS', { group: 'ops' }, 'write');
  s.grantProject('acme', 'CORE', { user: 'dev1' }, 'write');
  return bb;
}

async function get(bb: FakeBitbucketCloud, path: string, auth: string | null = OWNER): Promise<Response> {
  return fetch(path.startsWith('http') ? path : `${bb.apiUrl}${path}`, auth === null ? {} : { headers: { Authorization: auth } });
}
async function all(bb: FakeBitbucketCloud, path: string, auth = OWNER): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let next: string | undefined = `${bb.apiUrl}${path}`;
  for (let pages = 1; pages <= 50; pages++) {
    const res = await get(bb, next, auth);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as Page;
    rows.push(...page.values);
    next = page.next;
    if (next === undefined) return { rows, pages };
  }
  throw new Error('too many pages');
}
const nick = (r: Row): string => String((r['user'] as Row)['nickname']);

t.test('auth, errors, paging, the caller', async (t) => {
  const bb = await world();
  t.teardown(() => bb.close());
  t.match(bb.apiUrl, /^http:\/\/127\.0\.0\.1:\d+\/api\/2\.0$/);
  t.match(await (await get(bb, '/user')).json(), { type: 'user', nickname: 'olga', account_id: String, display_name: 'Olga Owner', uuid: /^\{[0-9a-f-]{36}\}$/ });
  t.match(await (await get(bb, '/user', ADA)).json(), { nickname: 'ada' });
  const bad = await get(bb, '/user', basic('olga', 'tok-olga'));
  t.equal(bad.status, 401, 'an API token needs the email, not the username');
  t.match(await bad.json(), { type: 'error', error: { message: String } });
  t.equal((await get(bb, '/user', basic('ada@example.test', 'app-ada'))).status, 401, 'an app password needs the username');
  t.equal((await get(bb, '/user', null)).status, 401);
  const first = (await (await get(bb, '/workspaces/acme/members')).json()) as Page;
  t.match(first, { pagelen: 3, page: 1, size: 7 });
  t.equal(new URL(first.next ?? '').searchParams.get('page'), '2');
  t.equal(new URL(first.next ?? '').origin, new URL(bb.url).origin, 'next is a full URL on the fake');
  const members = await all(bb, '/workspaces/acme/members');
  t.equal(members.pages, 3);
  t.same(members.rows.map(nick), ['ada', 'dev1', 'dev2', 'dev3', 'dev4', 'olga', 'pat']);
  t.equal(((await (await get(bb, '/workspaces/acme/members?pagelen=500')).json()) as Page).pagelen, 100, 'pagelen capped at 100');
  t.equal((await get(bb, '/workspaces/acme/members', basic('stranger', 'app-stranger'))).status, 404, 'a private workspace is hidden from non-members');
  const roles = await all(bb, '/workspaces/acme/permissions?q=permission%3D%22owner%22');
  t.same(roles.rows.map((r) => [nick(r), r['permission']]), [['olga', 'owner']]);
  t.match(await (await get(bb, `/workspaces/acme/members/${encodeURIComponent(bb.state.user('ada').uuid)}`)).json(), { type: 'workspace_membership', user: { nickname: 'ada' } });
  const mine = await all(bb, '/user/permissions/workspaces', ADA);
  t.match(mine.rows, [{ permission: 'member', workspace: { slug: 'acme' } }]);
});

t.test('effective repository permissions', async (t) => {
  const bb = await world();
  t.teardown(() => bb.close());
  const { rows } = await all(bb, '/workspaces/acme/permissions/repositories');
  const got = rows.map((r) => `${String((r['repository'] as Row)['full_name'])} ${nick(r)} ${String(r['permission'])}`).sort();
  t.same(got, [
    'acme/lib ada admin', // explicit
    'acme/lib dev1 write', // project beats group read
    'acme/lib dev2 read',
    'acme/lib dev3 read',
    'acme/lib dev4 read',
    'acme/lib olga admin', // owner
    'acme/open olga admin',
    'acme/open pat write', // project group
    'acme/tool olga admin',
    'acme/tool pat write',
  ]);
  t.equal((await get(bb, '/workspaces/acme/permissions/repositories', ADA)).status, 403, 'workspace admins only');
  const admins = await all(bb, '/workspaces/acme/permissions/repositories/lib?q=permission%3E%22read%22', ADA);
  t.same(admins.rows.map(nick).sort(), ['ada', 'dev1', 'olga'], 'a repository admin, q permission>"read"');
  t.equal((await get(bb, '/workspaces/acme/permissions/repositories/tool', ADA)).status, 404, 'ada cannot see tool');
  t.equal((await get(bb, '/workspaces/acme/permissions/repositories?q=nonsense')).status, 400);
  bb.state.removeGroupMember('acme', 'developers', 'dev4');
  bb.state.setMember('acme', 'dev3', null);
  const after = (await all(bb, '/workspaces/acme/permissions/repositories/lib')).rows.map(nick);
  t.notOk(after.includes('dev4') || after.includes('dev3'), 'removal revokes');
  const repos = await all(bb, '/repositories/acme', ADA);
  t.same(repos.rows.map((r) => r['slug']), ['lib', 'open'], 'ada lists what she may read (open is public)');
  const groups = await all(bb, '/repositories/acme/lib/permissions-config/groups', ADA);
  t.match(groups.rows, [{ type: 'repository_group_permission', permission: 'read', group: { slug: 'developers', full_slug: 'acme:developers' } }]);
  const projectGroups = await all(bb, '/workspaces/acme/projects/OPS/permissions-config/groups');
  t.match(projectGroups.rows, [{ type: 'project_group_permission', permission: 'write', group: { slug: 'ops' } }]);
});

t.test('repositories, raw files, git over HTTP, the 1.0 groups API, faults', async (t) => {
  const bb = await world();
  t.teardown(() => bb.close());
  const lib = (await (await get(bb, '/repositories/acme/lib', ADA)).json()) as Row;
  t.match(lib, { full_name: 'acme/lib', is_private: true, mainbranch: { name: 'main', type: 'branch' }, project: { key: 'CORE' }, uuid: /^\{/ });
  const clone = (lib['links'] as { clone: Row[] }).clone;
  t.equal(clone[0]?.['href'], `http://ada@${new URL(bb.url).host}/acme/lib.git`, 'the https clone link carries the nickname');
  t.equal(await (await get(bb, '/repositories/acme/lib/src/v1.0.0/composer.json', ADA)).text(), '{"name":"acme/lib","version":"1"}\n');
  t.equal(await (await get(bb, '/repositories/acme/lib/src/main/composer.json', ADA)).text(), '{"name":"acme/lib","version":"2"}\n');
  const missing = await get(bb, '/repositories/acme/tool/src/main/composer.json');
  t.equal(missing.status, 404);
  t.match(await missing.json(), { type: 'error', error: { message: String } });
  t.equal((await get(bb, '/repositories/acme/tool', ADA)).status, 404, 'no permission: 404');

  const dir = await makeTempDir('bbc-clone-');
  t.teardown(() => removeDir(dir));
  const env = { ...isolatedGitEnv(dir), GIT_TERMINAL_PROMPT: '0' };
  const web = new URL(bb.url);
  const at = (user: string, secret: string, slug: string): string => `${web.protocol}//${user}:${secret}@${web.host}/acme/${slug}.git`;
  await execFileP('git', ['clone', '--quiet', at('dev2', 'nope', 'lib'), `${dir}/x`], { env }).then(
    () => t.fail('bad credentials clone'),
    () => t.pass('bad credentials refused'),
  );
  bb.state.addApiToken('dev2', 'tok-dev2');
  await execFileP('git', ['clone', '--quiet', at('x-bitbucket-api-token-auth', 'tok-dev2', 'lib'), `${dir}/lib`], { env });
  await t.rejects(execFileP('git', ['clone', '--quiet', at(encodeURIComponent('dev2@example.test'), 'tok-dev2', 'lib'), `${dir}/lib-email`], { env }), 'over git an API token goes with the username, not the email');
  await execFileP('git', ['clone', '--quiet', at('ada', 'app-ada', 'lib'), `${dir}/lib2`], { env });
  await t.rejects(execFileP('git', ['clone', '--quiet', at('ada', 'app-ada', 'tool'), `${dir}/tool`], { env }), 'no permission, no clone');
  t.ok(bb.gitRequests.some((r) => r.status === 200));

  const groups = (await (await get(bb, `${bb.url}/api/1.0/groups/acme`)).json()) as Row[];
  t.match(groups, [{ slug: 'developers', name: 'Developers', permission: 'read', members: [{ nickname: 'dev1' }, {}, {}, {}] }, { slug: 'ops', members: [{ nickname: 'pat' }] }]);
  t.equal((await get(bb, `${bb.url}/api/1.0/groups/acme`, ADA)).status, 403, 'admins only');
  bb.options.groupsApi = 'gone';
  t.equal((await get(bb, `${bb.url}/api/1.0/groups/acme`)).status, 410);

  bb.fault({ path: /\/workspaces\/acme\/members$/, page: 2, status: 429 });
  t.equal((await get(bb, '/workspaces/acme/members')).status, 200);
  const limited = await get(bb, '/workspaces/acme/members?page=2');
  t.equal(limited.status, 429);
  t.equal(limited.headers.get('retry-after'), '1');
  t.equal((await get(bb, '/workspaces/acme/members?page=2')).status, 200, 'once');
  t.ok(bb.requests.some((r) => r.status === 429 && r.path === '/api/2.0/workspaces/acme/members'));
});

async function receiver(t: Test): Promise<{ url: string; got: Array<{ headers: IncomingMessage['headers']; body: string }> }> {
  const got: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`, got };
}

t.test('webhooks: secret write-only, signed repo:push deliveries, fire to installed hooks', async (t) => {
  const bb = await world();
  t.teardown(() => bb.close());
  const rx = await receiver(t);
  const send = (method: string, path: string, body: unknown, auth = ADA): Promise<Response> =>
    fetch(`${bb.apiUrl}${path}`, { method, headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const spec = { description: 'packyard', url: rx.url, active: true, events: ['repo:push'], secret: 's3cret' };
  t.equal((await send('POST', '/repositories/acme/lib/hooks', spec, basic('dev2', 'x'))).status, 401);
  bb.state.addAppPassword('dev2', 'app-dev2');
  t.equal((await send('POST', '/repositories/acme/lib/hooks', spec, basic('dev2', 'app-dev2'))).status, 403, 'read is not admin');
  const created = await send('POST', '/repositories/acme/lib/hooks', spec);
  t.equal(created.status, 201);
  const hook = (await created.json()) as Row;
  t.match(hook, { type: 'webhook_subscription', subject_type: 'repository', url: rx.url, events: ['repo:push'], secret_set: true, active: true, uuid: /^\{/ });
  t.notOk(JSON.stringify(hook).includes('s3cret'), 'the secret is never echoed');
  const uid = encodeURIComponent(String(hook['uuid']));
  t.match(await (await send('PUT', `/repositories/acme/lib/hooks/${uid}`, { description: 'renamed' })).json(), { description: 'renamed', secret_set: true }, 'leaving secret out keeps it');
  t.equal((await send('POST', '/workspaces/acme/hooks', spec)).status, 403, 'workspace hooks: owners only');
  t.equal((await send('POST', '/workspaces/acme/hooks', { ...spec, secret: null }, OWNER)).status, 201);
  t.equal((await all(bb, '/repositories/acme/lib/hooks', ADA)).rows.length, 1);

  const s = bb.state;
  const sha = await s.commit('acme', 'lib', { 'README.md': 'x' }, { tag: 'v1.1.0' });
  const payload = bb.payloads.push(s.repo('acme', 'lib'), s.user('ada'), [{ type: 'tag', name: 'v1.1.0', new: sha }]);
  t.match(payload, { push: { changes: [{ new: { type: 'tag', name: 'v1.1.0', target: { hash: sha } }, old: null, created: true, closed: false }] }, repository: { full_name: 'acme/lib', uuid: s.repo('acme', 'lib').uuid }, actor: { nickname: 'ada' } });
  const fired = await bb.fire('acme', 'lib', 'repo:push', payload);
  t.equal(fired.length, 2, 'the repository hook, then the workspace hook');
  t.equal(rx.got.length, 2);
  const d = rx.got[0]!;
  t.equal(d.headers['x-event-key'], 'repo:push');
  t.match(String(d.headers['x-request-uuid']), /^[0-9a-f-]{36}$/);
  t.equal(d.headers['x-hook-uuid'], String(hook['uuid']).replace(/[{}]/g, ''));
  t.equal(d.headers['x-hub-signature'], `sha256=${createHmac('sha256', 's3cret').update(d.body).digest('hex')}`);
  t.equal(rx.got[1]!.headers['x-hub-signature'], undefined, 'no secret, no signature');
  t.same(JSON.parse(d.body), payload);
  t.equal((await send('PUT', `/repositories/acme/lib/hooks/${uid}`, { secret: null })).status, 200);
  t.match(await (await get(bb, `/repositories/acme/lib/hooks/${uid}`, ADA)).json(), { secret_set: false }, 'null removes the secret');
  t.equal((await fetch(`${bb.apiUrl}/repositories/acme/lib/hooks/${uid}`, { method: 'DELETE', headers: { Authorization: ADA } })).status, 204);
  const direct = await bb.deliver(rx.url, 'repo:push', payload, { secret: 'k' });
  t.equal(direct.status, 200);
  t.equal(direct.headers['X-Hub-Signature'], `sha256=${createHmac('sha256', 'k').update(direct.body).digest('hex')}`);
  const again = await bb.deliver(rx.url, 'repo:push', payload, { secret: 'k', requestUuid: direct.deliveryId, attempt: 2 });
  t.same([again.headers['X-Request-UUID'], again.headers['X-Attempt-Number']], [direct.deliveryId, '2'], 'a retry keeps the request uuid');
});

t.test('OAuth 2: authorization code as the user, client credentials as the workspace', async (t) => {
  const bb = await world();
  t.teardown(() => bb.close());
  bb.oauth.addConsumer('acme', 'ckey', 'csecret', 'https://packyard.test/cb');
  const q = new URLSearchParams({ client_id: 'ckey', response_type: 'code', state: 'st', login: 'ada' });
  const auth = await fetch(`${bb.url}/site/oauth2/authorize?${q}`, { redirect: 'manual' });
  t.equal(auth.status, 302);
  const back = new URL(auth.headers.get('location') ?? '');
  t.equal(back.searchParams.get('state'), 'st');
  const token = (body: Record<string, string>, client = basic('ckey', 'csecret')): Promise<Response> =>
    fetch(`${bb.url}/site/oauth2/access_token`, { method: 'POST', headers: { Authorization: client }, body: new URLSearchParams(body) });
  const code = String(back.searchParams.get('code'));
  const user = (await (await token({ grant_type: 'authorization_code', code })).json()) as Row;
  t.match(user, { token_type: 'bearer', expires_in: 7200, access_token: String, refresh_token: String });
  t.match(await (await get(bb, '/user', `Bearer ${String(user['access_token'])}`)).json(), { nickname: 'ada' });
  t.equal((await token({ grant_type: 'authorization_code', code })).status, 400, 'codes are single use');
  t.equal((await token({ grant_type: 'client_credentials' }, basic('ckey', 'wrong'))).status, 400);
  const cc = (await (await token({ grant_type: 'client_credentials' })).json()) as Row;
  const bearer = `Bearer ${String(cc['access_token'])}`;
  t.equal((await all(bb, '/workspaces/acme/permissions/repositories', bearer)).rows.length, 10, "the consumer has its workspace's admin rights");
  const refreshed = (await (await token({ grant_type: 'refresh_token', refresh_token: String(user['refresh_token']) })).json()) as Row;
  t.match(await (await get(bb, '/user', `Bearer ${String(refreshed['access_token'])}`)).json(), { nickname: 'ada' });
  const dir = await makeTempDir('bbc-oauth-clone-');
  t.teardown(() => removeDir(dir));
  const web = new URL(bb.url);
  await execFileP('git', ['clone', '--quiet', `${web.protocol}//x-token-auth:${String(cc['access_token'])}@${web.host}/acme/tool.git`, `${dir}/tool`], { env: { ...isolatedGitEnv(dir), GIT_TERMINAL_PROMPT: '0' } });
  t.pass('x-token-auth clones with an OAuth token');
});
