// The Bitbucket Cloud forge's reads against a stub: the snapshot of a workspace (members from
// /members, owners from the workspace admins, effective repository permissions as user grants,
// 1.0 groups as teams when they answer and left out when not, closed accounts and bots left out,
// users keyed by uuid with the nickname as login), paging through `next` over several pages,
// fail-closed errors and bad shapes, describeSource, composer.json from src, repository lookups
// after a rename, the code credential of each credential kind, and the registry.
import t, { type Test } from 'tap';
import { createBitbucketCloudForge, credentialKind, workspaceSlug } from '../../../src/forges/bitbucket-cloud/index.js';
import type { BitbucketCloudIntegrationConfig } from '../../../src/forges/bitbucket-cloud/config.js';
import { createForge } from '../../../src/forges/registry.js';
import { ForgeError } from '../../../src/forges/types.js';
import { account, bitbucketCloudStub, repo, type Stub } from '../../helpers/bitbucket-cloud-stub.js';

const EMAIL = 'svc@acme.example';
const TOKEN = 'ATATT-SECRET';
const alice = account(1, 'alice'); // workspace admin
const bob = account(2, 'bob'); // in group devs, write on api
const carol = account(3, 'carol', { account_status: 'closed' });
const dave = account(4, 'dave'); // member, reads nothing
const erin = account(5, 'erin'); // not a member, read on api
const bot = account(6, 'acme-bot', { type: 'app_user' });
const WS = { type: 'workspace', uuid: '{aaaaaaaa-0000-0000-0000-000000000001}', slug: 'acme', name: 'Acme Inc.' };
const api = repo(100, 'acme', 'api');
const lib = repo(101, 'acme', 'lib', { is_private: false });
const empty = repo(102, 'acme', 'empty', { mainbranch: null });
const perm = (permission: string, user: unknown, r: { uuid: string; full_name: string }) => ({ type: 'repository_permission', permission, user, repository: { type: 'repository', uuid: r.uuid, full_name: r.full_name, name: r.full_name } });

function fixture(s: Stub): void {
  s.on('GET', '/2.0/workspaces/acme', { body: WS });
  s.on('GET', '/2.0/workspaces/acme/members', { body: [alice, bob, carol, dave, bot].map((user) => ({ type: 'workspace_membership', user, workspace: WS })) });
  s.on('GET', '/2.0/workspaces/acme/permissions', { body: [['owner', alice], ['collaborator', bob], ['member', dave], ['owner', carol]].map(([permission, user]) => ({ type: 'workspace_membership', permission, user })) });
  s.on('GET', '/2.0/repositories/acme', { body: [api, lib, empty] });
  s.on('GET', '/2.0/workspaces/acme/permissions/repositories', {
    body: [perm('admin', alice, api), perm('admin', alice, lib), perm('write', bob, api), perm('read', erin, api), perm('read', carol, api), perm('read', bot, api), perm('none', dave, api), perm('read', erin, repo(999, 'acme', 'created-later'))],
  });
  s.on('GET', '/1.0/groups/acme', { body: [{ name: 'Developers', slug: 'devs', permission: 'write', members: [bob, carol] }] });
}

async function setup(t: Test, over: Partial<BitbucketCloudIntegrationConfig> = {}) {
  const s = await bitbucketCloudStub(t);
  fixture(s);
  const forge = createBitbucketCloudForge(
    { id: 'bbc', type: 'bitbucket-cloud', url: s.origin, api_url: `${s.apiUrl}/`, username: EMAIL, token: TOKEN, ...over },
    { http: { retries: 1, backoffBaseMs: 1, backoffMaxMs: 2, sleep: async () => {}, perPage: 2 } },
  );
  t.teardown(() => forge.close());
  return { s, forge };
}

t.test('the snapshot of a workspace: members, owners, groups, effective permissions, paged through next', async (t) => {
  const { s, forge } = await setup(t);
  t.equal(forge.apiUrl, s.apiUrl);
  const snap = await forge.snapshot(' Acme ');
  t.same(snap.org, { id: WS.uuid, login: 'acme' });
  t.same(snap.members.map((m) => [m.userId, m.role]).sort(), [[alice.uuid, 'owner'], [bob.uuid, 'member'], [dave.uuid, 'member']].sort(), 'the closed carol and the bot are left out');
  t.same(snap.users.find((u) => u.id === alice.uuid), { id: alice.uuid, login: 'alice', name: 'ALICE', email: null }, 'keyed by uuid, the nickname as login');
  t.same(snap.users.map((u) => u.login).sort(), ['alice', 'bob', 'dave', 'erin']);
  t.same(snap.teams, [{ id: 'group:devs', slug: 'devs', name: 'Developers', parentId: null }]);
  t.same(snap.teamMembers.get('group:devs'), [{ userId: bob.uuid, role: 'member' }]);
  t.same(snap.notes, [], 'nothing the forge could not tell');
  t.same(snap.repositories.map((r) => [r.id, r.fullName, r.name, r.defaultBranch, r.visibility]), [
    [api.uuid, 'acme/api', 'api', 'main', 'private'],
    [lib.uuid, 'acme/lib', 'lib', 'main', 'public'],
    [empty.uuid, 'acme/empty', 'empty', '', 'private'],
  ]);
  t.equal(snap.repositories[0]?.cloneUrl, 'https://bitbucket.org/acme/api.git', "the clone URL without the API's nickname");
  t.equal(snap.repositories[0]?.sshUrl, 'git@bitbucket.org:acme/api.git');
  const grantsOf = (id: string) => snap.grants.filter((g) => g.repoId === id).map((g) => [g.subject.kind === 'user' ? g.subject.userId : g.subject.kind, g.read, g.label]);
  t.same(grantsOf(api.uuid), [[alice.uuid, true, 'admin (effective)'], [bob.uuid, true, 'write (effective)'], [erin.uuid, true, 'read (effective)'], [dave.uuid, false, 'none (effective)']]);
  t.same(grantsOf(lib.uuid), [['members', true, 'public repository'], [alice.uuid, true, 'admin (effective)']]);
  t.same(grantsOf(empty.uuid), []);
  t.notOk(snap.grants.some((g) => g.repoId === repo(999, 'acme', 'x').uuid), 'a repository the listing did not have is left for the next sync');
  t.same(await forge.directReaders('acme', snap.repositories[0] as never), [], 'direct readers are user grants already');
  // Paging: 5 members at 2 a page through `next`, pagelen=2 on every listing.
  const pages = s.requests.filter((r) => r.path === '/2.0/workspaces/acme/members').map((r) => [r.query.get('page') ?? '1', r.query.get('pagelen')]);
  t.same(pages, [['1', '2'], ['2', '2'], ['3', '2']]);
  t.ok(s.requests.every((r) => r.headers.authorization === `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`), 'Basic with the email');
});

t.test('the 1.0 groups API absent or refused: no group teams, the snapshot still complete', async (t) => {
  for (const status of [401, 403, 404, 410]) {
    const { s, forge } = await setup(t);
    s.on('GET', '/1.0/groups/acme', { status, body: { error: { message: 'gone' } } });
    const snap = await forge.snapshot('acme');
    t.same(snap.teams, [], `HTTP ${status}`);
    t.same(snap.notes, [`Groups are not shown: Bitbucket Cloud's groups API (1.0) answered ${status}; access comes from each repository's effective permissions.`], `HTTP ${status}: the snapshot says so`);
    t.equal(snap.grants.filter((g) => g.read && g.subject.kind === 'user').length, 4, `HTTP ${status}: readers from the effective permissions`);
  }
  const { forge } = await setup(t, { api_url: undefined });
  t.equal(forge.apiUrl, 'https://api.bitbucket.org/2.0', 'the default API');
});

t.test('fail closed: errors, broken paging and bad shapes throw, nothing partial', async (t) => {
  const { s, forge } = await setup(t);
  await t.rejects(forge.snapshot('nope'), { name: 'ForgeError', kind: 'not-found' });
  s.on('GET', '/2.0/workspaces/acme/permissions/repositories', { status: 403, body: { error: { message: 'admin only' } } });
  await t.rejects(forge.snapshot('acme'), { name: 'ForgeError', kind: 'forbidden' }, 'the effective permissions are required');
  s.on('GET', '/2.0/workspaces/acme/permissions/repositories', { body: [] });
  s.on('GET', '/2.0/workspaces/acme/members', { body: { values: [], next: 'https://elsewhere.example/2.0/x' } });
  await t.rejects(forge.snapshot('acme'), { name: 'ForgeError', kind: 'incomplete' }, 'a next page on another origin');
  s.on('GET', '/2.0/workspaces/acme/members', { body: { values: [], next: `${s.apiUrl}/workspaces/acme/members?pagelen=2` } });
  await t.rejects(forge.snapshot('acme'), { name: 'ForgeError', kind: 'incomplete' }, 'a next page that repeats itself');
  s.on('GET', '/2.0/workspaces/acme/members', { body: { size: 3 } });
  await t.rejects(forge.snapshot('acme'), { name: 'ForgeError', kind: 'incomplete' }, 'no values');
  s.on('GET', '/2.0/workspaces/acme/members', { status: 502, body: {} });
  await t.rejects(forge.snapshot('acme'), { name: 'ForgeError', kind: 'unavailable' });
  s.on('GET', '/2.0/workspaces/acme/members', { body: [{ user: { uuid: 'no-braces', nickname: 'x' } }] });
  await t.rejects(forge.snapshot('acme'), { name: 'ForgeError', kind: 'invalid' }, 'a bad uuid');
  s.on('GET', '/2.0/workspaces/acme/members', { body: [] });
  s.on('GET', '/1.0/groups/acme', { body: { not: 'a list' } });
  await t.rejects(forge.snapshot('acme'), { name: 'ForgeError', kind: 'invalid' }, 'a groups answer of the wrong shape');
  s.on('GET', '/1.0/groups/acme', { status: 500, body: {} });
  await t.rejects(forge.snapshot('acme'), { name: 'ForgeError', kind: 'unavailable' }, 'a failing groups API is not an absent one');
  s.on('GET', '/1.0/groups/acme', { body: [] });
  s.on('GET', '/2.0/repositories/acme', { body: [repo(100, 'acme', 'api', { links: { clone: [{ name: 'ssh', href: 'git@bitbucket.org:acme/api.git' }] } })] });
  await t.rejects(forge.snapshot('acme'), { name: 'ForgeError', kind: 'invalid' }, 'no https clone link');
  await t.rejects(forge.snapshot('acme/../x'), ForgeError, 'not a workspace slug');
});

t.test('429 with Retry-After is waited out', async (t) => {
  const { s, forge } = await setup(t);
  let n = 0;
  s.on('GET', '/2.0/repositories/acme', () => (++n === 1 ? { status: 429, headers: { 'retry-after': '0' }, body: {} } : { body: [api] }));
  t.equal((await forge.describeSource('acme'))?.repositories, 1);
  t.equal(n, 2);
});

t.test('describeSource, composer.json, repository lookups', async (t) => {
  const { s, forge } = await setup(t);
  t.same(await forge.describeSource('ACME'), { login: 'acme', name: 'Acme Inc.', repositories: 3 });
  t.equal(await forge.describeSource('nope'), null);
  const snap = await forge.snapshot('acme');
  const [apiRepo, libRepo, emptyRepo] = snap.repositories;
  if (!apiRepo || !libRepo || !emptyRepo) throw new Error('repositories');
  s.on('GET', '/2.0/repositories/acme/api/src/main/composer.json', { raw: Buffer.from('{"name":"acme/api"}') });
  t.equal((await forge.composerJson(apiRepo))?.toString(), '{"name":"acme/api"}');
  t.equal(await forge.composerJson(libRepo), null, '404: no composer.json');
  const before = s.requests.length;
  t.equal(await forge.composerJson(emptyRepo), null, 'an empty repository');
  t.equal(s.requests.length, before, 'is not asked');
  s.on('GET', '/2.0/repositories/acme/feature%2Fx/src/release%2F1.x/composer.json', { raw: Buffer.from('{}') });
  t.equal((await forge.composerJson({ ...apiRepo, fullName: 'acme/feature%2Fx', defaultBranch: 'release/1.x' }).catch((e: Error) => e.message)), 'not a Bitbucket repository slug: "feature%2Fx"', 'slugs are checked');

  s.on('GET', '/2.0/repositories/acme/api', { body: api });
  t.equal((await forge.repository('acme', api.uuid, 'acme/api'))?.fullName, 'acme/api');
  t.equal((await forge.repository('acme', lib.uuid, 'acme/old-lib'))?.fullName, 'acme/lib', 'renamed: found by uuid');
  t.equal(await forge.repository('acme', '{ffffffff-0000-0000-0000-000000000000}', 'acme/gone'), null);
  t.equal(await forge.repository('acme', api.uuid, 'other/api').then((r) => r?.fullName), 'acme/api', 'another workspace in fullName: searched in the source');
});

t.test('code credentials: the integration credential, never the nickname of the clone link', async (t) => {
  const cases: Array<[Partial<BitbucketCloudIntegrationConfig>, string, { username: string; password: string }]> = [
    [{ username: EMAIL, token: TOKEN }, 'api-token', { username: 'x-bitbucket-api-token-auth', password: TOKEN }],
    [{ username: 'svc-bot', token: 'app-pass' }, 'app-password', { username: 'svc-bot', password: 'app-pass' }],
    [{ username: undefined, token: 'wat' }, 'access-token', { username: 'x-token-auth', password: 'wat' }],
  ];
  for (const [over, kind, cred] of cases) {
    const { s, forge } = await setup(t, over);
    t.equal(credentialKind({ id: 'x', type: 'bitbucket-cloud', url: s.origin, ...over }), kind);
    t.same(await forge.codeCredential('acme'), cred, kind);
    await forge.describeSource('acme');
    const auth = s.requests[0]?.headers.authorization;
    t.equal(auth, over.username ? `Basic ${Buffer.from(`${over.username}:${over.token}`).toString('base64')}` : `Bearer ${over.token}`, `${kind}: API auth`);
  }
  const { s, forge } = await setup(t, { token: undefined, username: undefined });
  await t.rejects(forge.snapshot('acme'), { name: 'ForgeError', kind: 'unauthorized' });
  await t.rejects(forge.codeCredential('acme'), { name: 'ForgeError', kind: 'unauthorized' });
  t.equal(s.requests.length, 0, 'no request without a credential');
});

t.test('the registry builds it; names and hints', async (t) => {
  const f = createForge({ id: 'bbc', type: 'bitbucket-cloud', url: 'https://bitbucket.org', username: EMAIL, token: 't' });
  t.teardown(() => f.close?.());
  t.equal(f.type, 'bitbucket-cloud');
  t.equal(f.displayName, 'Bitbucket Cloud');
  t.same(f.sourceHint?.label, 'Workspace');
  t.equal(f.teamKind?.('group:devs'), 'group');
  t.equal(f.oauth, undefined);
  t.same(f.webhooks?.scheduleCovers?.repository, ['membership changes', 'permission changes', 'new repositories']);
  t.equal(workspaceSlug(' Acme '), 'acme');
  t.throws(() => workspaceSlug('a/b'), ForgeError);
  t.throws(() => createForge({ id: 'bbc', type: 'bitbucket-cloud', url: 'https://bitbucket.org', oauth_client_credentials: true }), { message: /needs the oauth consumer/ });
  t.throws(() => createForge({ id: 'bbc', type: 'bitbucket-cloud', url: 'https://bitbucket.org', token: 't', oauth_client_credentials: true, oauth: { client_id: 'a', client_secret: 'b' } }), { message: /replaces token/ });
});
