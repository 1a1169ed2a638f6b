// The fake Bitbucket Data Center's own behaviours that sync tests rely on: start/limit paging with
// a small default limit, the context path, X-AUSERNAME, permission lists behind PROJECT_ADMIN /
// REPO_ADMIN, effective-permission filters on /users, admin-only group members, raw files at a
// tag, git over HTTP with a Bearer token, 7.x vs 8.x project webhooks, faults by page (429 with
// Retry-After), signed deliveries to a receiver and to installed hooks, and OAuth 2 with PKCE.
import t, { type Test } from 'tap';
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isolatedGitEnv, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { startFakeBitbucketServer, type FakeBitbucketServer } from './index.js';

const execFileP = promisify(execFile);
type Row = Record<string, unknown>;
type Page = { size: number; limit: number; start: number; isLastPage: boolean; nextPageStart?: number; values: Row[] };

async function world(version: '8.19' | '7.21' = '8.19'): Promise<FakeBitbucketServer> {
  const bb = await startFakeBitbucketServer({ contextPath: '/bitbucket', version });
  const s = bb.state;
  s.addUser('root', { sysAdmin: true, displayName: 'Root Admin' });
  s.addToken('tok-root', 'root');
  s.addToken('tok-root-noadmin', 'root', { adminEndpoints: false });
  s.addUser('ada', { displayName: 'Ada Admin' });
  s.addToken('tok-ada', 'ada');
  s.addUser('rita', { password: 'pw-rita' });
  s.addToken('tok-rita', 'rita');
  s.addUser('gone', { active: false });
  s.addUser('stranger');
  s.addToken('tok-stranger', 'stranger');
  s.addGroup('devs');
  for (let i = 1; i <= 7; i++) {
    s.addUser(`dev${i}`);
    s.addGroupMember('devs', `dev${i}`);
  }
  s.addGroupMember('devs', 'gone');
  s.addProject('ACME', { name: 'Acme' });
  s.grantProject('ACME', { user: 'ada' }, 'PROJECT_ADMIN');
  s.grantProject('ACME', { group: 'devs' }, 'PROJECT_WRITE');
  for (const slug of ['a', 'b', 'c', 'd']) await s.addRepo('ACME', slug);
  await s.addRepo('ACME', 'lib', { files: { 'composer.json': '{"name":"acme/lib"}\n' } });
  await s.commit('ACME', 'lib', { 'composer.json': '{"name":"acme/lib","version":"1"}\n' }, { tag: 'v1.0.0' });
  await s.commit('ACME', 'lib', { 'composer.json': '{"name":"acme/lib","version":"2"}\n' });
  s.grantRepo('ACME', 'lib', { user: 'rita' }, 'REPO_READ');
  s.addProject('OPEN', { public: true });
  await s.addRepo('OPEN', 'tool', { archived: true });
  return bb;
}

async function get(bb: FakeBitbucketServer, path: string, token: string | null = 'tok-ada'): Promise<Response> {
  return fetch(`${bb.apiUrl}${path}`, token === null ? {} : { headers: { Authorization: `Bearer ${token}` } });
}
async function all(bb: FakeBitbucketServer, path: string, token = 'tok-ada'): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let start = 0;
  for (let pages = 1; pages <= 50; pages++) {
    const res = await get(bb, `${path}${path.includes('?') ? '&' : '?'}start=${start}`, token);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as Page;
    rows.push(...page.values);
    if (page.isLastPage) return { rows, pages };
    start = page.nextPageStart ?? -1;
  }
  throw new Error('too many pages');
}

t.test('paging, context path, identity headers, visibility', async (t) => {
  const bb = await world();
  t.teardown(() => bb.close());
  t.match(bb.apiUrl, /^http:\/\/127\.0\.0\.1:\d+\/bitbucket\/rest\/api\/1\.0$/);
  const props = await get(bb, '/application-properties', null);
  t.equal(props.status, 200);
  t.equal(props.headers.get('x-ausername'), null, 'anonymous: no X-AUSERNAME');
  t.match(await props.json(), { version: '8.19.0', displayName: 'Bitbucket' });
  const first = await get(bb, '/projects/ACME/repos');
  t.equal(first.headers.get('x-ausername'), 'ada');
  t.equal(first.headers.get('x-auserid'), String(bb.state.user('ada').id));
  t.match(await first.json(), { size: 3, limit: 3, start: 0, isLastPage: false, nextPageStart: 3 });
  const last = (await (await get(bb, '/projects/ACME/repos?start=3')).json()) as Page;
  t.same([last.isLastPage, last.nextPageStart, last.values.map((r) => r['slug'])], [true, undefined, ['d', 'lib']]);
  const lib = (await (await get(bb, '/projects/ACME/repos/lib')).json()) as Row;
  t.match(lib, { slug: 'lib', project: { key: 'ACME' }, public: false, archived: false, defaultBranch: 'main' });
  t.match((lib['links'] as { clone: Row[] }).clone[0], { name: 'http', href: `${bb.url}/scm/acme/lib.git` });
  t.equal((await fetch(`${bb.url.replace('/bitbucket', '')}/rest/api/1.0/application-properties`)).status, 404, 'outside the context path');
  // rita sees only lib (a repository grant gives PROJECT_VIEW); strangers see only the public project.
  t.same((await all(bb, '/projects/ACME/repos', 'tok-rita')).rows.map((r) => r['slug']), ['lib']);
  t.same((await all(bb, '/projects', 'tok-stranger')).rows.map((r) => r['key']), ['OPEN']);
  t.equal((await get(bb, '/projects/ACME', 'tok-stranger')).status, 404);
  t.equal((await get(bb, '/projects/ACME', null)).status, 401);
  t.equal((await get(bb, '/projects/ACME', 'nope')).status, 401);
  t.equal((await get(bb, '/projects/OPEN/repos/tool', null)).status, 200, 'public project readable anonymously');
  t.same((await all(bb, '/repos?projectkey=OPEN&archived=ALL', 'tok-stranger')).rows.map((r) => r['slug']), ['tool']);
  t.same((await all(bb, '/repos?projectkey=OPEN', 'tok-stranger')).rows, [], 'archived left out by default');
  const basic = await fetch(`${bb.apiUrl}/projects/ACME/repos/lib`, { headers: { Authorization: `Basic ${Buffer.from('rita:pw-rita').toString('base64')}` } });
  t.equal(basic.status, 200, 'basic auth with a password');
});

t.test('permission lists and effective-permission filters', async (t) => {
  const bb = await world();
  t.teardown(() => bb.close());
  t.same((await all(bb, '/projects/ACME/permissions/users')).rows, [{ user: (await (await get(bb, '/users/ada')).json()) as Row, permission: 'PROJECT_ADMIN' }]);
  t.same((await all(bb, '/projects/ACME/permissions/groups')).rows, [{ group: { name: 'devs' }, permission: 'PROJECT_WRITE' }]);
  t.equal((await get(bb, '/projects/ACME/permissions/users', 'tok-rita')).status, 401, 'PROJECT_ADMIN needed');
  t.equal((await get(bb, '/projects/ACME/repos/lib/permissions/users', 'tok-rita')).status, 401, 'REPO_ADMIN needed');
  t.same((await all(bb, '/projects/ACME/repos/lib/permissions/users')).rows.map((r) => [(r['user'] as Row)['name'], r['permission']]), [['rita', 'REPO_READ']]);
  const names = async (q: string): Promise<string[]> => (await all(bb, `/users?${q}`)).rows.map((r) => String(r['name']));
  const devs = ['dev1', 'dev2', 'dev3', 'dev4', 'dev5', 'dev6', 'dev7'];
  t.same(await names('permission=PROJECT_READ&permission.projectKey=ACME'), ['ada', ...devs, 'root'], 'groups, direct grants, sys admin; inactive users left out');
  t.same(await names('permission=PROJECT_ADMIN&permission.projectKey=ACME'), ['ada', 'root']);
  t.same(await names('permission=REPO_READ&permission.projectKey=ACME&permission.repositorySlug=lib'), ['ada', ...devs, 'rita', 'root'], 'repo grants add to project ones');
  t.same(await names('permission.1=PROJECT_WRITE&permission.1.projectKey=ACME&permission.2=REPO_READ&permission.2.projectKey=ACME&permission.2.repositorySlug=lib&filter=dev1'), ['dev1']);
  t.same(await names('permission=SYS_ADMIN'), ['root']);
  t.equal((await get(bb, '/users?permission=PROJECT_READ')).status, 400, 'projectKey required');
  bb.state.addProject('ALL', { defaultPermission: 'PROJECT_READ' });
  t.equal((await all(bb, '/users?permission=PROJECT_READ&permission.projectKey=ALL')).rows.length, 11, 'default permission: every active user (gone is inactive)');
  t.same(await (await get(bb, '/projects/ALL/permissions/PROJECT_READ/all', 'tok-root')).json(), { permitted: true });
});

t.test('admin-only group members', async (t) => {
  const bb = await world();
  t.teardown(() => bb.close());
  t.equal((await get(bb, '/admin/groups/more-members?context=devs', null)).status, 401);
  t.equal((await get(bb, '/admin/groups/more-members?context=devs', 'tok-ada')).status, 401, 'project admin is not enough');
  t.equal((await get(bb, '/admin/groups/more-members?context=devs', 'tok-root-noadmin')).status, 403, 'a token refused on admin endpoints');
  const { rows, pages } = await all(bb, '/admin/groups/more-members?context=devs', 'tok-root');
  t.equal(pages, 3);
  t.same(rows.map((r) => r['name']), ['dev1', 'dev2', 'dev3', 'dev4', 'dev5', 'dev6', 'dev7', 'gone']);
  t.match(rows[7], { active: false, directoryName: 'Bitbucket Internal Directory', slug: 'gone' });
  t.equal((await get(bb, '/admin/groups/more-members?context=nope', 'tok-root')).status, 404);
});

t.test('raw files, git over HTTP, faults by page', async (t) => {
  const bb = await world();
  t.teardown(() => bb.close());
  const at = await get(bb, '/projects/ACME/repos/lib/raw/composer.json?at=refs/tags/v1.0.0');
  t.equal(await at.text(), '{"name":"acme/lib","version":"1"}\n');
  t.equal(await (await get(bb, '/projects/ACME/repos/lib/raw/composer.json')).text(), '{"name":"acme/lib","version":"2"}\n', 'default branch');
  const missing = await get(bb, '/projects/ACME/repos/lib/raw/nope.json');
  t.equal(missing.status, 404);
  t.match(await missing.json(), { errors: [{ exceptionName: 'com.atlassian.bitbucket.content.NoSuchPathException' }] });
  const dir = await makeTempDir('bbs-clone-');
  t.teardown(() => removeDir(dir));
  await execFileP('git', ['-c', 'http.extraHeader=Authorization: Bearer tok-rita', 'clone', '--quiet', `${bb.url}/scm/acme/lib.git`, `${dir}/lib`], { env: isolatedGitEnv(dir) });
  t.ok(bb.gitRequests.some((r) => r.status === 200));
  await t.rejects(execFileP('git', ['-c', 'http.extraHeader=Authorization: Bearer tok-stranger', 'clone', '--quiet', `${bb.url}/scm/acme/lib.git`, `${dir}/no`], { env: { ...isolatedGitEnv(dir), GIT_TERMINAL_PROMPT: '0' } }));
  bb.fault({ path: /\/admin\/groups\/more-members$/, page: 2, status: 429 });
  const p1 = await get(bb, '/admin/groups/more-members?context=devs', 'tok-root');
  t.equal(p1.status, 200);
  const p2 = await get(bb, '/admin/groups/more-members?context=devs&start=3', 'tok-root');
  t.equal(p2.status, 429);
  t.equal(p2.headers.get('retry-after'), '1');
  t.equal((await get(bb, '/admin/groups/more-members?context=devs&start=3', 'tok-root')).status, 200, 'once');
});

async function receiver(t: Test): Promise<{ url: string; got: Array<{ headers: IncomingMessage['headers']; body: string }> }> {
  const got: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`, got };
}

t.test('webhooks: 7.x has no project hooks; signed deliveries; fire to installed hooks', async (t) => {
  const old = await world('7.21');
  t.teardown(() => old.close());
  t.equal((await get(old, '/projects/ACME/webhooks')).status, 404, '7.x: no project webhooks');
  const bb = await world('8.19');
  t.teardown(() => bb.close());
  const rx = await receiver(t);
  const post = (path: string, body: unknown, token = 'tok-ada'): Promise<Response> =>
    fetch(`${bb.apiUrl}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const spec = { name: 'packyard', url: rx.url, active: true, events: ['repo:refs_changed', 'repo:modified'], configuration: { secret: 's3cret' } };
  t.equal((await post('/projects/ACME/repos/lib/webhooks', spec, 'tok-rita')).status, 401, 'REPO_ADMIN needed');
  const created = await post('/projects/ACME/webhooks', spec);
  t.equal(created.status, 201);
  const hook = (await created.json()) as Row;
  t.match(hook, { name: 'packyard', url: rx.url, events: spec.events, active: true, scopeType: 'project' });
  t.notOk(JSON.stringify(hook).includes('s3cret'), 'secret never echoed');
  t.equal((await all(bb, '/projects/ACME/webhooks')).rows.length, 1);
  t.equal((await post('/projects/ACME/repos/lib/webhooks', { ...spec, events: ['repo:modified'] })).status, 201);

  const s = bb.state;
  const sha = await s.commit('ACME', 'lib', { 'README.md': 'x' }, { tag: 'v1.1.0' });
  const payload = bb.payloads.refsChanged(s.repo('ACME', 'lib'), s.user('ada'), [{ ref: 'refs/tags/v1.1.0', toHash: sha }]);
  t.match(payload, { eventKey: 'repo:refs_changed', changes: [{ ref: { id: 'refs/tags/v1.1.0', displayId: 'v1.1.0', type: 'TAG' }, type: 'ADD', toHash: sha }] });
  const fired = await bb.fire('ACME', 'lib', 'repo:refs_changed', payload);
  t.equal(fired.length, 1, 'only the project hook subscribes to refs_changed');
  t.equal(rx.got.length, 1);
  const d = rx.got[0]!;
  t.equal(d.headers['x-event-key'], 'repo:refs_changed');
  t.match(String(d.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  t.equal(d.headers['x-hub-signature'], `sha256=${createHmac('sha256', 's3cret').update(d.body).digest('hex')}`);
  t.same(JSON.parse(d.body), payload);

  const { old: before, now } = s.renameRepo('ACME', 'lib', 'Library');
  t.equal((await bb.fire('ACME', 'library', 'repo:modified', bb.payloads.modified(before, now, s.user('ada')))).length, 2);
  t.match(JSON.parse(rx.got[2]!.body), { eventKey: 'repo:modified', old: { slug: 'lib' }, new: { slug: 'library', id: now.id } });

  const ping = await bb.deliver(rx.url, 'diagnostics:ping', bb.payloads.ping());
  t.equal(ping.status, 204);
  t.equal(ping.headers['X-Hub-Signature'], undefined, 'unsigned without a secret');
  t.same(JSON.parse(rx.got[3]!.body), { test: true });
});

t.test('OAuth 2 with PKCE: scopes cap what the user may do', async (t) => {
  const bb = await world();
  t.teardown(() => bb.close());
  bb.oauth.addApp('cid', 'csecret', 'https://packyard.test/cb');
  const verifier = 'v'.repeat(50);
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const token = async (scope: string, v = verifier): Promise<Response> => {
    const q = new URLSearchParams({ client_id: 'cid', redirect_uri: 'https://packyard.test/cb', response_type: 'code', state: 'st', scope, code_challenge: challenge, code_challenge_method: 'S256', login: 'ada' });
    const auth = await fetch(`${bb.url}/rest/oauth2/latest/authorize?${q}`, { redirect: 'manual' });
    t.equal(auth.status, 302);
    const back = new URL(auth.headers.get('location') ?? '');
    t.equal(back.searchParams.get('state'), 'st');
    const body = new URLSearchParams({ client_id: 'cid', client_secret: 'csecret', code: back.searchParams.get('code') ?? '', grant_type: 'authorization_code', redirect_uri: 'https://packyard.test/cb', code_verifier: v });
    return fetch(`${bb.url}/rest/oauth2/latest/token`, { method: 'POST', body });
  };
  t.equal((await token('REPO_READ', 'w'.repeat(50))).status, 400, 'wrong verifier');
  const read = (await (await token('REPO_READ')).json()) as Row;
  t.match(read, { token_type: 'bearer', scope: 'REPO_READ', expires_in: 3600 });
  const at = String(read['access_token']);
  const lib = await get(bb, '/projects/ACME/repos/lib', at);
  t.equal(lib.status, 200);
  t.equal(lib.headers.get('x-ausername'), 'ada');
  t.equal((await get(bb, '/projects/ACME/permissions/users', at)).status, 401, 'REPO_READ is not PROJECT_ADMIN');
  const pub = String(((await (await token('PUBLIC_REPOS')).json()) as Row)['access_token']);
  t.equal((await get(bb, '/projects/ACME', pub)).status, 404, 'PUBLIC_REPOS: private projects hidden');
  t.equal((await get(bb, '/projects/OPEN', pub)).status, 200);
  const refreshed = await fetch(`${bb.url}/rest/oauth2/latest/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: 'cid', client_secret: 'csecret', grant_type: 'refresh_token', refresh_token: String(read['refresh_token']) }),
  });
  t.match(await refreshed.json(), { scope: 'REPO_READ', token_type: 'bearer' });
});

t.test('a project HTTP access token: Bearer only, its project only, in no listing', async (t) => {
  const bb = await world();
  t.teardown(() => bb.close());
  const s = bb.state;
  s.addProject('OTHER');
  await s.addRepo('OTHER', 'x');
  s.addProjectToken('tok-proj', 'ACME', 'PROJECT_READ');
  const repos = (await (await get(bb, '/projects/ACME/repos?limit=100', 'tok-proj')).json()) as Page;
  t.same(repos.values.map((r) => r['slug']), ['a', 'b', 'c', 'd', 'lib'], 'its project as Bearer');
  t.equal((await get(bb, '/projects/OTHER/repos/x', 'tok-proj')).status, 404, 'no other project');
  t.equal((await get(bb, '/projects/ACME/permissions/users', 'tok-proj')).status, 401, 'read is not admin');
  const users = (await (await get(bb, '/users?limit=100', 'tok-root')).json()) as Page;
  t.notOk(users.values.some((u) => String(u['name']).startsWith('bot-')), 'its bot user is not listed');
  const basic = (name: string) => fetch(`${bb.apiUrl}/projects/ACME`, { headers: { Authorization: `Basic ${Buffer.from(`${name}:tok-proj`).toString('base64')}` } });
  for (const name of ['x-token-auth', 'root', 'bot-project-acme']) t.equal((await basic(name)).status, 401, `Basic ${name}:token refused`);
  const dir = await makeTempDir('bbs-proj-clone-');
  t.teardown(() => removeDir(dir));
  const env = { ...isolatedGitEnv(dir), GIT_TERMINAL_PROMPT: '0' };
  await execFileP('git', ['-c', 'http.extraHeader=Authorization: Bearer tok-proj', 'clone', '--quiet', `${bb.url}/scm/acme/lib.git`, `${dir}/lib`], { env });
  await t.rejects(execFileP('git', ['-c', 'http.extraHeader=Authorization: Bearer tok-proj', 'clone', '--quiet', `${bb.url}/scm/other/x.git`, `${dir}/x`], { env }), 'not another project');
  const basicUrl = `${bb.url.replace('://', '://x-token-auth:tok-proj@')}/scm/acme/lib.git`;
  await t.rejects(execFileP('git', ['clone', '--quiet', basicUrl, `${dir}/basic`], { env }), 'Basic refused over git too');
});
