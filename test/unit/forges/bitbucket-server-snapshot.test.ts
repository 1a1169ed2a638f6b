// The Bitbucket Data Center forge's reads against a stub under a context path (/bitbucket):
// the snapshot of two project keys (project teams from the effective-permission user filters,
// group teams where the token may list them, inactive users left out, PROJECT_ADMIN owners,
// public and all-users projects), paging over several pages, direct readers, describeSource,
// composer.json from the raw endpoint, repository lookups after a rename, the code credential,
// Basic auth, OAuth's current user, and fail-closed errors.
import t, { type Test } from 'tap';
import { createBitbucketServerForge, sourceKeys } from '../../../src/forges/bitbucket-server/index.js';
import type { BitbucketServerIntegrationConfig } from '../../../src/forges/bitbucket-server/config.js';
import { createForge } from '../../../src/forges/registry.js';
import { ForgeError } from '../../../src/forges/types.js';
import { bitbucketServerStub, project, repo, user, type Stub, type StubRequest } from '../../helpers/bitbucket-server-stub.js';

const TOKEN = 'BBDC-SECRET';
const alice = user(1, 'alice'); // PROJECT_ADMIN on PAY
const bob = user(2, 'bob'); // PROJECT_WRITE on PAY through group devs
const carol = user(3, 'carol', false); // inactive
const dave = user(4, 'dave'); // PROJECT_READ on WEB
const erin = user(5, 'erin'); // REPO_READ on PAY/api only
const frank = user(6, 'frank'); // PROJECT_READ on PAY

function usersRoute(r: StubRequest) {
  const key = r.query.get('permission.projectKey');
  const perm = r.query.get('permission');
  const slug = r.query.get('permission.repositorySlug');
  if (key === 'PAY' && perm === 'PROJECT_READ' && !slug) return { body: [alice, bob, carol, frank] };
  if (key === 'PAY' && perm === 'PROJECT_ADMIN') return { body: [alice] };
  if (key === 'PAY' && perm === 'REPO_READ' && slug === 'api') return { body: [alice, bob, erin, frank] };
  if (key === 'WEB' && perm === 'PROJECT_READ') return { body: [dave] };
  if (key === 'WEB' && perm === 'PROJECT_ADMIN') return { body: [] };
  return { status: 400, body: { errors: [{ message: `unexpected ${r.query.toString()}` }] } };
}

function fixture(s: Stub): void {
  s.on('GET', '/projects/PAY', { body: project(10, 'PAY') });
  s.on('GET', '/projects/WEB', { body: project(20, 'WEB') });
  s.on('GET', '/users', usersRoute);
  const base = s.url;
  s.on('GET', '/projects/PAY/repos', { body: [repo(100, 'PAY', 'api', base), repo(101, 'PAY', 'lib', base, { public: true, archived: true }), repo(102, 'PAY', 'empty', base, { defaultBranch: undefined })] });
  s.on('GET', '/projects/WEB/repos', { body: [repo(200, 'WEB', 'site', base)] });
  s.on('GET', '/projects/PAY/repos/empty/branches/default', { status: 404, body: { errors: [] } });
  s.on('GET', '/projects/PAY/permissions/PROJECT_READ/all', { body: { permitted: false } });
  s.on('GET', '/projects/WEB/permissions/PROJECT_READ/all', { body: { permitted: true } });
  s.on('GET', '/projects/PAY/permissions/groups', { body: [{ group: { name: 'devs' }, permission: 'PROJECT_WRITE' }] });
  s.on('GET', '/projects/WEB/permissions/groups', { body: [] });
  s.on('GET', '/admin/groups/more-members', (r) => (r.query.get('context') === 'devs' ? { body: [bob, carol] } : { status: 404, body: {} }));
}

async function setup(t: Test, over: Partial<BitbucketServerIntegrationConfig> = {}) {
  const s = await bitbucketServerStub(t);
  fixture(s);
  const forge = createBitbucketServerForge(
    { id: 'bbs', type: 'bitbucket-server', url: `${s.url}/`, token: TOKEN, ...over },
    { http: { retries: 1, backoffBaseMs: 1, backoffMaxMs: 2, sleep: async () => {}, perPage: 2 } },
  );
  t.teardown(() => forge.close());
  return { s, forge };
}

t.test('the snapshot of PAY,WEB: teams, members, owners, grants, paged over several pages', async (t) => {
  const { s, forge } = await setup(t);
  t.equal(forge.apiUrl, `${s.url}/rest/api/1.0`, 'the context path is kept');
  const snap = await forge.snapshot(' pay, WEB ');
  t.same(snap.org, { id: 'PAY,WEB', login: 'PAY,WEB' });
  t.same(snap.teams.map((x) => [x.id, x.slug]).sort(), [['group:devs', 'devs'], ['project:10', 'PAY'], ['project:20', 'WEB']]);
  t.same(snap.teamMembers.get('project:10'), [{ userId: '1', role: 'maintainer' }, { userId: '2', role: 'member' }, { userId: '6', role: 'member' }], 'the inactive carol is left out');
  t.same(snap.teamMembers.get('group:devs'), [{ userId: '2', role: 'member' }]);
  t.same(snap.notes, [], 'nothing the forge could not tell');
  t.same(snap.members.map((m) => [m.userId, m.role]).sort(), [['1', 'owner'], ['2', 'member'], ['4', 'member'], ['6', 'member']]);
  t.same(snap.users.map((u) => u.login).sort(), ['alice', 'bob', 'dave', 'frank']);
  t.same(snap.users.find((u) => u.id === '1'), { id: '1', login: 'alice', name: 'ALICE', email: 'alice@example.com' });
  t.same(snap.repositories.map((r) => [r.id, r.fullName, r.defaultBranch, r.visibility, r.archived]), [
    ['100', 'PAY/api', 'main', 'private', false],
    ['101', 'PAY/lib', 'main', 'public', true],
    ['102', 'PAY/empty', '', 'private', false],
    ['200', 'WEB/site', 'main', 'private', false],
  ]);
  t.equal(snap.repositories[0]?.cloneUrl, `${s.url}/scm/pay/api.git`, 'the http clone link');
  t.equal(snap.repositories[0]?.sshUrl, 'ssh://git@bb.example:7999/pay/api.git');
  const grantsOf = (id: string) => snap.grants.filter((g) => g.repoId === id).map((g) => [g.subject.kind === 'team' ? g.subject.teamId : g.subject.kind, g.label]);
  t.same(grantsOf('100'), [['project:10', 'PROJECT_READ+ on PAY'], ['group:devs', 'PROJECT_WRITE (group devs)']]);
  t.same(grantsOf('101'), [['project:10', 'PROJECT_READ+ on PAY'], ['group:devs', 'PROJECT_WRITE (group devs)'], ['members', 'public repository']]);
  t.same(grantsOf('200'), [['project:20', 'PROJECT_READ+ on WEB'], ['members', 'PROJECT_READ for all users']]);
  t.ok(snap.grants.every((g) => g.read));
  // Paging: 4 readers at 2 per page, 3 repositories at 2 per page.
  const starts = s.requests.filter((r) => r.path === '/users' && r.query.get('permission') === 'PROJECT_READ' && r.query.get('permission.projectKey') === 'PAY').map((r) => r.query.get('start') ?? '0');
  t.same(starts, ['0', '2']);
  t.same(s.requests.filter((r) => r.path === '/projects/PAY/repos').map((r) => r.query.get('start') ?? '0'), ['0', '2']);
  t.ok(s.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}` && r.headers['x-atlassian-token'] === 'no-check'));
});

t.test('group teams need admin endpoints: refused, they are left out and the readers stay', async (t) => {
  const { s, forge } = await setup(t);
  s.on('GET', '/admin/groups/more-members', { status: 403, body: { errors: [{ message: 'admin' }] } });
  s.on('GET', '/projects/WEB/permissions/PROJECT_READ/all', { status: 401, body: {} });
  const snap = await forge.snapshot('PAY,WEB');
  t.same(snap.teams.map((x) => x.id).sort(), ['project:10', 'project:20']);
  t.same(snap.members.map((m) => m.userId).sort(), ['1', '2', '4', '6']);
  t.notOk(snap.grants.some((g) => g.repoId === '200' && g.subject.kind === 'members'), 'WEB is not known to be open to all');
  t.notOk(snap.grants.some((g) => g.subject.kind === 'team' && g.subject.teamId.startsWith('group:')));
  const note = 'Groups are not shown: the token may not list group members (/admin/groups/more-members needs a system administrator); readers come from the project permissions.';
  t.same(snap.notes, [note], 'the snapshot says why there are no group teams');
  s.on('GET', '/admin/groups/more-members', { body: [] });
  s.on('GET', '/projects/PAY/permissions/groups', { status: 403, body: {} });
  t.same((await forge.snapshot('PAY,WEB')).notes, [note], 'the group permissions refused: the same note');
});

t.test('a public project reads for every member', async (t) => {
  const { s, forge } = await setup(t);
  s.on('GET', '/projects/WEB', { body: project(20, 'WEB', { public: true }) });
  const snap = await forge.snapshot('WEB');
  t.same(snap.grants.filter((g) => g.subject.kind === 'members').map((g) => g.label), ['public project']);
});

t.test('fail closed: errors, broken paging and bad shapes throw, nothing partial', async (t) => {
  const { s, forge } = await setup(t);
  await t.rejects(forge.snapshot('PAY,NOPE'), { name: 'ForgeError', kind: 'not-found' });
  s.on('GET', '/projects/WEB/repos', { body: { values: [], isLastPage: false, size: 0 } });
  await t.rejects(forge.snapshot('WEB'), { name: 'ForgeError', kind: 'incomplete' }, 'not the last page and no nextPageStart');
  s.on('GET', '/projects/WEB/repos', { body: { values: [], isLastPage: false, nextPageStart: 0 } });
  await t.rejects(forge.snapshot('WEB'), { name: 'ForgeError', kind: 'incomplete' }, 'a next page that does not move');
  s.on('GET', '/projects/WEB/repos', { status: 500, body: {} });
  await t.rejects(forge.snapshot('WEB'), { name: 'ForgeError', kind: 'unavailable' });
  s.on('GET', '/projects/WEB/repos', { body: [{ id: 'x', slug: 'site' }] });
  await t.rejects(forge.snapshot('WEB'), { name: 'ForgeError', kind: 'invalid' });
  s.on('GET', '/projects/WEB/repos', { body: [repo(200, 'WEB', 'site', s.url, { links: { clone: [] } })] });
  await t.rejects(forge.snapshot('WEB'), { name: 'ForgeError', kind: 'invalid' }, 'no http clone link');
  s.on('GET', '/projects/WEB/repos', { body: [repo(200, 'WEB', 'site', s.url)] });
  s.on('GET', '/users', { status: 403, body: {} });
  await t.rejects(forge.snapshot('WEB'), { name: 'ForgeError', kind: 'forbidden' }, 'the effective readers are required');
  await t.rejects(forge.snapshot(' , '), ForgeError, 'no key');
  await t.rejects(forge.snapshot('PAY/../x'), ForgeError, 'not a key');
});

t.test('direct readers, describeSource, composer.json, repository lookups, credentials', async (t) => {
  const { s, forge } = await setup(t);
  const snap = await forge.snapshot('PAY');
  const api = snap.repositories.find((r) => r.fullName === 'PAY/api');
  if (!api) throw new Error('no api');
  t.same(await forge.directReaders('PAY', api), [{ user: { id: '5', login: 'erin', name: 'ERIN', email: 'erin@example.com' }, read: true, label: 'REPO_READ+' }]);

  t.same(await forge.describeSource('PAY,WEB'), { login: 'PAY,WEB', name: 'PAY project, WEB project', repositories: 4 });
  t.same((await forge.snapshot('web,PAY,pay')).org, { id: 'PAY,WEB', login: 'PAY,WEB' }, 'any order, case or repetition names the same org');
  t.same(await forge.describeSource('Web, pay'), { login: 'PAY,WEB', name: 'PAY project, WEB project', repositories: 4 }, 'the keys sorted and upper-cased');
  t.equal(await forge.describeSource('NOPE'), null);

  s.on('GET', '/projects/PAY/repos/api/raw/composer.json', (r) => (r.query.get('at') === 'refs/heads/main' ? { raw: Buffer.from('{"name":"acme/api"}') } : { status: 400, body: {} }));
  t.equal((await forge.composerJson(api))?.toString(), '{"name":"acme/api"}');
  const lib = snap.repositories.find((r) => r.fullName === 'PAY/lib');
  if (!lib) throw new Error('no lib');
  t.equal(await forge.composerJson(lib), null, '404: no composer.json');
  const empty = snap.repositories.find((r) => r.fullName === 'PAY/empty');
  if (!empty) throw new Error('no empty');
  const before = s.requests.length;
  t.equal(await forge.composerJson(empty), null, 'an empty repository');
  t.equal(s.requests.length, before, 'is not asked');

  s.on('GET', '/projects/PAY/repos/api', { body: repo(100, 'PAY', 'api', s.url) });
  t.equal((await forge.repository('PAY', '100', 'PAY/api'))?.fullName, 'PAY/api');
  t.equal((await forge.repository('PAY', '101', 'PAY/old-lib'))?.fullName, 'PAY/lib', 'renamed: found by id');
  t.equal(await forge.repository('PAY', '999', 'PAY/gone'), null);
  t.equal(await forge.repository('WEB', '100', 'PAY/api'), null, 'outside the source');

  // A bare token clones as Bearer (project and repository tokens take nothing else), with no
  // question to the server about who owns it.
  const before2 = s.requests.length;
  t.same(await forge.codeCredential('PAY'), { scheme: 'bearer', username: '', password: TOKEN });
  t.equal(s.requests.length, before2, 'no owner lookup');
  t.equal(forge.displayName, 'Bitbucket Data Center');
  t.equal(forge.oauth, undefined);
});

t.test('username + token: HTTP Basic, and the clone credential carries the username', async (t) => {
  const { s, forge } = await setup(t, { username: 'svc' });
  await forge.describeSource('WEB');
  t.ok(s.requests.every((r) => r.headers.authorization === `Basic ${Buffer.from(`svc:${TOKEN}`).toString('base64')}`));
  t.same(await forge.codeCredential('WEB'), { username: 'svc', password: TOKEN }, 'Basic: no scheme, the default');
});

t.test('no token: unauthorized before any request', async (t) => {
  const { s, forge } = await setup(t, { token: undefined });
  await t.rejects(forge.snapshot('PAY'), { name: 'ForgeError', kind: 'unauthorized' });
  t.equal(s.requests.length, 0);
});

t.test('OAuth: PKCE URLs under the context path; the current user from X-AUSERNAME then /users/{slug}', async (t) => {
  const { s, forge } = await setup(t, { username: 'svc', oauth: { client_id: 'cid', client_secret: 'csecret' } });
  const oauth = forge.oauth;
  if (!oauth) throw new Error('no oauth');
  t.equal(oauth.authorizeUrl, `${s.url}/rest/oauth2/latest/authorize`);
  t.equal(oauth.tokenUrl, `${s.url}/rest/oauth2/latest/token`);
  t.equal(oauth.pkce, true);
  s.on('GET', '/application-properties', (r) => ({ body: { version: '8.19.0' }, headers: r.headers.authorization === 'Bearer at-1' ? { 'x-ausername': 'Alice.Admin' } : ({} as Record<string, string>) }));
  s.on('GET', '/users/Alice.Admin', { status: 404, body: {} });
  s.on('GET', '/users', (r) => (r.query.get('filter') === 'Alice.Admin' ? { body: [user(9, 'Alice.Adminx'), { ...user(7, 'Alice.Admin'), slug: 'alice.admin' }] } : { status: 400, body: {} }));
  t.same(await oauth.currentUser('at-1'), { id: '7', login: 'Alice.Admin', name: 'ALICE.ADMIN', email: 'Alice.Admin@example.com' });
  t.ok(s.requests.filter((r) => r.path !== '/projects/PAY').every((r) => r.headers.authorization === 'Bearer at-1'), 'the access token, not the integration Basic credential');
  await t.rejects(oauth.currentUser('other'), { name: 'ForgeError', kind: 'unauthorized' }, 'no X-AUSERNAME');
  s.on('GET', '/application-properties', { body: {}, headers: { 'x-ausername': 'bob' } });
  s.on('GET', '/users/bob', { body: user(2, 'bob', false) });
  await t.rejects(oauth.currentUser('at-2'), { name: 'ForgeError', kind: 'forbidden' }, 'an inactive account');
});

t.test('the registry builds it; bitbucket-server is a supported type', async (t) => {
  const f = createForge({ id: 'bbs', type: 'bitbucket-server', url: 'https://bb.example/bitbucket/rest/api/1.0/', token: 't' });
  t.teardown(() => f.close?.());
  t.equal(f.type, 'bitbucket-server');
  t.equal((f as { apiUrl?: string }).apiUrl, 'https://bb.example/bitbucket/rest/api/1.0');
});

t.test('sourceKeys: upper-cased (personal keys too), deduplicated, sorted', async (t) => {
  t.same(sourceKeys('WEB,PAY'), ['PAY', 'WEB']);
  t.same(sourceKeys(' web , Pay ,PAY'), ['PAY', 'WEB']);
  t.same(sourceKeys('~jdoe,OPS'), ['OPS', '~JDOE']);
  t.throws(() => sourceKeys(','), ForgeError);
});
