// The fake GitLab's own behaviours that sync tests rely on: three-deep subgroups, members/all over
// three pages with inherited and shared members (a share caps the level), a project share, the
// relative URL root, Free vs Premium group hooks, blocked users, faults by page, OAuth with PKCE,
// git over HTTP, and GitLab's rule that a push of more than 3 refs of a kind fires no hook.
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { makeTempDir, removeDir, isolatedGitEnv } from '../../helpers/git-repo.js';
import { pagingHeaders } from './server.js';
import { startFakeGitLab, type FakeGitLab, type Tier } from './index.js';

const execFileP = promisify(execFile);
type Row = Record<string, unknown>;

async function world(tier: Tier, extra: { rateLimit?: { limit: number } } = {}): Promise<FakeGitLab> {
  const gl = await startFakeGitLab({ tier, relativeRoot: '/gitlab', ...extra });
  const s = gl.state;
  s.addUser('olga', { name: 'Olga Owner' });
  s.addToken('tok-olga', 'olga');
  s.addGroup('acme');
  s.addGroup('acme/platform');
  s.addGroup('acme/platform/core');
  s.addGroupMember('acme', 'olga', 50);
  for (let i = 1; i <= 44; i++) {
    s.addUser(`dev${i}`);
    s.addGroupMember(i % 2 === 0 ? 'acme' : 'acme/platform', `dev${i}`, 30);
  }
  s.addToken('tok-dev1', 'dev1');
  s.addGroupMember('acme/platform/core', 'dev1', 40); // direct, higher than inherited 30
  s.addGroup('partners');
  s.addUser('pat');
  s.addGroupMember('partners', 'pat', 50);
  s.shareGroup('acme/platform', 'partners', 20); // pat gets Reporter, not Owner
  s.addUser('ben', { state: 'blocked' });
  s.addGroupMember('acme/platform/core', 'ben', 30);
  s.addToken('tok-ben', 'ben');
  s.addUser('stranger');
  s.addToken('tok-stranger', 'stranger');
  await s.addProject('acme/platform/core/lib', { files: { 'composer.json': '{"name":"acme/lib"}\n' } });
  s.addGroup('outside');
  await s.addProject('outside/tool', { files: { 'README.md': 'x' } });
  s.shareProject('outside/tool', 'acme/platform', 30);
  return gl;
}

function api(gl: FakeGitLab, path: string, token: string | null, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set('PRIVATE-TOKEN', token);
  return fetch(`${gl.apiUrl}${path}`, { ...init, headers });
}

t.test('members/all over three pages: inherited, direct wins when higher, shares capped, blocked listed', async (t) => {
  const gl = await world('free');
  t.teardown(() => gl.close());
  t.match(gl.url, /^http:\/\/127\.0\.0\.1:\d+\/gitlab$/);
  const rows: Row[] = [];
  let next = '1';
  const seen: Array<Record<string, string | null>> = [];
  for (let i = 0; i < 10 && next !== ''; i++) {
    const r = await api(gl, `/groups/${encodeURIComponent('acme/platform/core')}/members/all?page=${next}`, 'tok-olga');
    t.equal(r.status, 200);
    const h = (n: string): string | null => r.headers.get(n);
    seen.push({ page: h('x-page'), next: h('x-next-page'), prev: h('x-prev-page'), total: h('x-total'), pages: h('x-total-pages'), link: h('link') });
    rows.push(...((await r.json()) as Row[]));
    next = h('x-next-page') ?? '';
  }
  t.equal(seen.length, 3, 'three pages of 20');
  t.same(seen.map((s) => [s.page, s.next, s.prev, s.total, s.pages]), [
    ['1', '2', '', '47', '3'],
    ['2', '3', '1', '47', '3'],
    ['3', '', '2', '47', '3'],
  ]);
  const base = `${gl.apiUrl}/groups/acme%2Fplatform%2Fcore/members/all`;
  t.equal(seen[1]?.link, `<${base}?page=1&per_page=20>; rel="prev", <${base}?page=3&per_page=20>; rel="next", <${base}?page=1&per_page=20>; rel="first", <${base}?page=3&per_page=20>; rel="last"`);
  t.equal(new Set(rows.map((r) => r['id'])).size, rows.length, 'one row per user');
  const by = (u: string): Row | undefined => rows.find((r) => r['username'] === u);
  t.equal(by('olga')?.['access_level'], 50, 'inherited from the top group');
  t.equal(by('dev1')?.['access_level'], 40, 'direct membership beats the inherited one');
  t.equal(by('dev2')?.['access_level'], 30);
  t.equal(by('pat')?.['access_level'], 20, 'owner of the shared group capped at the share level');
  t.equal(by('ben')?.['state'], 'blocked', 'blocked users stay in member lists');
  const direct = (await (await api(gl, `/groups/${encodeURIComponent('acme/platform/core')}/members`, 'tok-olga')).json()) as Row[];
  t.same(direct.map((r) => r['username']).sort(), ['ben', 'dev1'], 'members: direct only');
  const g = (await (await api(gl, '/groups/acme%2Fplatform', 'tok-olga')).json()) as Row;
  t.match(g['shared_with_groups'], [{ group_full_path: 'partners', group_access_level: 20 }]);
  t.equal(g['web_url'], `${gl.url}/groups/acme/platform`, 'relative root in web_url');
});

t.test('subgroups three deep, projects, the project share, raw files, visibility', async (t) => {
  const gl = await world('free');
  t.teardown(() => gl.close());
  const desc = (await (await api(gl, '/groups/acme/descendant_groups', 'tok-olga')).json()) as Row[];
  t.same(desc.map((g) => g['full_path']).sort(), ['acme/platform', 'acme/platform/core']);
  const sub = (await (await api(gl, '/groups/acme/subgroups', 'tok-olga')).json()) as Row[];
  t.same(sub.map((g) => g['full_path']), ['acme/platform']);
  const projects = (await (await api(gl, '/groups/acme/projects?include_subgroups=true&with_shared=false&archived=false&order_by=id&sort=asc', 'tok-olga')).json()) as Row[];
  t.same(projects.map((p) => p['path_with_namespace']), ['acme/platform/core/lib']);
  t.equal(projects[0]?.['http_url_to_repo'], `${gl.url}/acme/platform/core/lib.git`);
  t.equal(projects[0]?.['empty_repo'], false);
  const shared = (await (await api(gl, '/groups/acme%2Fplatform/projects?with_shared=true', 'tok-olga')).json()) as Row[];
  t.ok(shared.some((p) => p['path_with_namespace'] === 'outside/tool'), 'projects shared into the group');
  const tool = (await (await api(gl, `/projects/${encodeURIComponent('outside/tool')}`, 'tok-dev1')).json()) as Row;
  t.match(tool['shared_with_groups'], [{ group_full_path: 'acme/platform', group_access_level: 30 }]);
  const toolMembers = (await (await api(gl, `/projects/${String(tool['id'])}/members/all?per_page=100`, 'tok-olga')).json()) as Row[];
  t.equal(toolMembers.find((r) => r['username'] === 'olga')?.['access_level'], 30, 'owner above the shared group capped at the project share');
  t.equal(toolMembers.find((r) => r['username'] === 'pat'), undefined, 'group shares are not transitive into project shares');
  const raw = await api(gl, `/projects/${encodeURIComponent('acme/platform/core/lib')}/repository/files/composer.json/raw?ref=main`, 'tok-dev1');
  t.equal(raw.status, 200);
  t.equal(await raw.text(), '{"name":"acme/lib"}\n');
  t.equal(raw.headers.get('x-gitlab-file-path'), 'composer.json');
  const absent = await api(gl, `/projects/${encodeURIComponent('acme/platform/core/lib')}/repository/files/nope.json/raw?ref=main`, 'tok-dev1');
  t.equal(absent.status, 404);
  t.same(await absent.json(), { message: '404 File Not Found' });
  t.equal((await api(gl, '/groups/acme', 'tok-stranger')).status, 404, 'private group invisible to strangers');
  t.equal((await api(gl, '/projects/acme%2Fplatform%2Fcore%2Flib', 'tok-stranger')).status, 404);
  t.equal((await api(gl, '/groups/acme', 'tok-ben')).status, 403, 'blocked user');
  t.same(await (await api(gl, '/groups/acme', 'tok-ben')).json(), { message: '403 Forbidden - Your account has been blocked.' });
  t.equal((await api(gl, '/groups/acme', 'nope')).status, 401);
  const v = (await (await api(gl, '/version', 'tok-dev1')).json()) as Row;
  t.match(v, { version: /^\d+\.\d+\.\d+-ee$/, revision: String });
  const etag = (await api(gl, '/groups/acme', 'tok-olga')).headers.get('etag') ?? '';
  t.equal((await api(gl, '/groups/acme', 'tok-olga', { headers: { 'If-None-Match': etag } })).status, 304);
  t.equal((await fetch(`${gl.url.replace('/gitlab', '')}/api/v4/version`)).status, 404, 'nothing outside the relative root');
});

t.test('faults by page; rate limits; paging headers above 10,000 rows', async (t) => {
  const gl = await world('free', { rateLimit: { limit: 5 } });
  t.teardown(() => gl.close());
  gl.fault({ path: /\/members\/all$/, page: 2, status: 500, times: 1 });
  t.equal((await api(gl, '/groups/acme/members/all', 'tok-olga')).status, 200, 'page 1 unaffected');
  t.equal((await api(gl, '/groups/acme/members/all?page=2', 'tok-olga')).status, 500, 'page 2 fails once');
  t.equal((await api(gl, '/groups/acme/members/all?page=2', 'tok-olga')).status, 200, 'then recovers');
  for (let i = 0; i < 3; i++) t.equal((await api(gl, '/version', 'tok-olga')).status, 200, 'under the limit');
  const limited = await api(gl, '/version', 'tok-olga');
  t.equal(limited.status, 429);
  t.equal(limited.headers.get('ratelimit-name'), 'throttle_authenticated_api');
  t.ok(Number(limited.headers.get('retry-after')) >= 1);
  t.equal(await limited.text(), 'Retry later\n');
  const big = pagingHeaders('http://x/api/v4/groups/1/members/all', new URLSearchParams('page=2'), 2, 100, 10_001);
  t.equal(big['X-Total'], undefined);
  t.equal(big['X-Total-Pages'], undefined);
  t.equal(big['X-Next-Page'], '3');
  t.notMatch(big['Link'] ?? '', /rel="last"/);
});

async function receiver(t: Test): Promise<{ url: string; got: Array<{ headers: IncomingMessage['headers']; body: Row }> }> {
  const got: Array<{ headers: IncomingMessage['headers']; body: Row }> = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Row });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`, got };
}

t.test('hooks: free has no group hooks; premium does; Maintainer/Owner and the api scope', async (t) => {
  const free = await world('free');
  t.teardown(() => free.close());
  t.equal((await api(free, '/groups/acme/hooks', 'tok-olga')).status, 404, 'free: group hooks answer 404');
  const body = JSON.stringify({ url: 'http://127.0.0.1:9/x', token: 's3cret', push_events: true, tag_push_events: true });
  const json = { 'Content-Type': 'application/json' };
  t.equal((await api(free, '/projects/acme%2Fplatform%2Fcore%2Flib/hooks', 'tok-olga', { method: 'POST', headers: json, body })).status, 201, 'project hooks on free');
  free.state.addUser('dev-read');
  free.state.addGroupMember('acme', 'dev-read', 50);
  free.state.addToken('tok-read', 'dev-read', { scopes: ['read_api'] });
  const scoped = await api(free, '/projects/acme%2Fplatform%2Fcore%2Flib/hooks', 'tok-read', { method: 'POST', headers: json, body });
  t.equal(scoped.status, 403);
  t.match(await scoped.json(), { error: 'insufficient_scope' });
  t.equal((await api(free, '/projects/acme%2Fplatform%2Fcore%2Flib/hooks', 'tok-read')).status, 200, 'read_api lists hooks');

  const gl = await world('premium');
  t.teardown(() => gl.close());
  const created = await api(gl, '/groups/acme/hooks', 'tok-olga', { method: 'POST', headers: json, body: JSON.stringify({ url: 'http://127.0.0.1:9/g', member_events: true, subgroup_events: true }) });
  t.equal(created.status, 201);
  const hook = (await created.json()) as Row;
  t.match(hook, { group_id: Number, member_events: true, subgroup_events: true, push_events: true, alert_status: 'executable' });
  t.equal((await api(gl, '/groups/acme/hooks', 'tok-dev1')).status, 403, 'a developer may not see group hooks');
  const put = await api(gl, `/groups/acme/hooks/${String(hook['id'])}`, 'tok-olga', { method: 'PUT', headers: json, body: JSON.stringify({ url: 'http://127.0.0.1:9/h' }) });
  t.equal(put.status, 200);
  t.equal(((await put.json()) as Row)['url'], 'http://127.0.0.1:9/h');
  t.equal((await api(gl, `/groups/acme/hooks/${String(hook['id'])}`, 'tok-olga', { method: 'DELETE' })).status, 204);
  t.equal((await api(gl, `/groups/acme/hooks/${String(hook['id'])}`, 'tok-olga')).status, 404);
});

t.test('push: hooks fire with GitLab headers; more than 3 refs of a kind fire none', async (t) => {
  const gl = await world('premium');
  t.teardown(() => gl.close());
  const rx = await receiver(t);
  const p = gl.state.project('acme/platform/core/lib');
  gl.state.addHook('project', p.id, { url: rx.url, token: 'proj-secret', events: { push_events: true, tag_push_events: true } });
  gl.state.addHook('group', gl.state.group('acme').id, { url: rx.url, token: 'group-secret', events: { push_events: false, tag_push_events: true } });
  const r1 = await gl.push('acme/platform/core/lib', { branches: { main: { 'src/A.php': '<?php' } }, as: 'dev1' });
  t.equal(r1.deliveries.length, 1, 'push: project hook only (group hook has push_events off)');
  const push = rx.got[0];
  t.equal(push?.headers['x-gitlab-event'], 'Push Hook');
  t.equal(push?.headers['x-gitlab-token'], 'proj-secret');
  t.equal(push?.headers['x-gitlab-instance'], gl.url);
  t.ok(push?.headers['idempotency-key'] !== undefined && push.headers['x-gitlab-webhook-uuid'] !== undefined && push.headers['x-gitlab-event-uuid'] !== undefined);
  t.match(push?.body, { object_kind: 'push', ref: 'refs/heads/main', after: r1.shas['main'], user_username: 'dev1', project: { path_with_namespace: 'acme/platform/core/lib' }, total_commits_count: 1 });
  t.same((push?.body['commits'] as Row[])[0]?.['added'], ['src/A.php']);

  const r2 = await gl.push('acme/platform/core/lib', { tags: { 'v1.0.0': 'main', 'v1.0.1': 'main', 'v1.0.2': 'main' } });
  t.equal(r2.deliveries.length, 6, 'three tags: a Tag Push Hook each to the project and the group hook');
  t.ok(r2.deliveries.every((d) => d.headers['X-Gitlab-Event'] === 'Tag Push Hook'));
  const r3 = await gl.push('acme/platform/core/lib', { tags: { 'v2.0.0': 'main', 'v2.0.1': 'main', 'v2.0.2': 'main', 'v2.0.3': 'main' } });
  t.equal(r3.changes.length, 4);
  t.equal(r3.deliveries.length, 0, 'four tags in one push: no hook at all (push_event_hooks_limit)');
  const tags = await api(gl, `/projects/${p.id}/repository/files/composer.json/raw?ref=v2.0.3`, 'tok-dev1');
  t.equal(tags.status, 200, 'the tags exist all the same');

  const d = await gl.deliver(rx.url, 'Member Hook', gl.payloads.member(gl.state.group('acme'), gl.state.user('dev2'), 'user_add_to_group', 30), { token: 't' });
  t.equal(d.status, 200);
  t.match(rx.got.at(-1)?.body, { event_name: 'user_add_to_group', group_access: 'Developer', group_path: 'acme' });
  const sub = await gl.fire({ group: 'acme' }, 'Subgroup Hook', gl.payloads.subgroup(gl.state.group('acme/platform'), 'subgroup_create'));
  t.equal(sub.length, 0, 'the group hook did not subscribe to subgroup events');
});

t.test('OAuth with PKCE (S256), then the token on the API and over git', async (t) => {
  const gl = await world('free');
  t.teardown(() => gl.close());
  gl.state.addOAuthApp('cid', 'csecret', { callbackUrl: 'http://127.0.0.1:1/cb' });
  gl.state.oauthAs('dev1');
  const verifier = 'v'.repeat(50);
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = `${gl.url}/oauth/authorize?client_id=cid&redirect_uri=${encodeURIComponent('http://127.0.0.1:1/cb')}&response_type=code&state=xyz&scope=${encodeURIComponent('read_api read_user read_repository')}&code_challenge=${challenge}&code_challenge_method=S256`;
  const code = async (): Promise<string> => {
    const r = await fetch(authorize, { redirect: 'manual' });
    t.equal(r.status, 302);
    const loc = new URL(r.headers.get('location') ?? '');
    t.equal(loc.searchParams.get('state'), 'xyz');
    return loc.searchParams.get('code') ?? '';
  };
  const token = (params: Record<string, string>): Promise<Response> =>
    fetch(`${gl.url}/oauth/token`, { method: 'POST', body: new URLSearchParams({ client_id: 'cid', client_secret: 'csecret', grant_type: 'authorization_code', redirect_uri: 'http://127.0.0.1:1/cb', ...params }) });
  const bad = await token({ code: await code(), code_verifier: 'w'.repeat(50) });
  t.equal(bad.status, 400);
  t.match(await bad.json(), { error: 'invalid_grant' });
  const good = await token({ code: await code(), code_verifier: verifier });
  t.equal(good.status, 200);
  const body = (await good.json()) as Row;
  t.match(body, { token_type: 'Bearer', expires_in: 7200, scope: 'read_api read_user read_repository', refresh_token: String });
  gl.state.addOAuthApp('public', '', { callbackUrl: 'http://127.0.0.1:1/cb', confidential: false });
  const pub = async (withChallenge: boolean): Promise<Response> => {
    const url = new URL(authorize.replace('client_id=cid', 'client_id=public'));
    if (!withChallenge) url.searchParams.delete('code_challenge');
    const loc = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location') ?? '');
    return fetch(`${gl.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'public', grant_type: 'authorization_code', redirect_uri: 'http://127.0.0.1:1/cb', code: loc.searchParams.get('code') ?? '', code_verifier: verifier }),
    });
  };
  t.equal((await pub(true)).status, 200, 'a public client redeems with PKCE and no secret');
  t.equal((await pub(false)).status, 400, 'a public client without PKCE is refused');
  const me = await fetch(`${gl.apiUrl}/user`, { headers: { Authorization: `Bearer ${String(body['access_token'])}` } });
  t.match(await me.json(), { username: 'dev1', state: 'active' });

  const home = await makeTempDir('gitlab-fake-git-');
  t.teardown(() => removeDir(home));
  const port = new URL(gl.url).port;
  const remote = (user: string, tok: string): string => `http://${user}:${tok}@127.0.0.1:${port}/gitlab/acme/platform/core/lib.git`;
  const lsRemote = (u: string) => execFileP('git', ['ls-remote', u], { env: isolatedGitEnv(home) }).then((r) => r.stdout, (e: { stderr: string }) => `ERR ${e.stderr}`);
  t.match(await lsRemote(remote('oauth2', String(body['access_token']))), /refs\/heads\/main/, 'oauth2 + OAuth token clones');
  t.match(await lsRemote(remote('anything', 'tok-dev1')), /refs\/heads\/main/, 'any user + PAT clones');
  t.match(await lsRemote(remote('anything', String(body['access_token']))), /^ERR/, 'an OAuth token needs the oauth2 user');
  t.match(await lsRemote(remote('x', 'tok-stranger')), /^ERR/, 'a stranger gets nothing');
  t.match(await lsRemote(remote('x', 'tok-ben')), /^ERR/, 'a blocked user gets nothing');
});
