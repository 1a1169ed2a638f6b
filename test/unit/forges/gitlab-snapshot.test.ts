// The GitLab forge's reads against a stub under a relative URL root: the group-tree snapshot
// (three levels, inherited members, Guests, Minimal Access and blocked users left out, owners,
// project shares inside and outside the tree and below Reporter, internal visibility), numeric
// ids after discovery, direct readers, describeSource, composer.json, repository lookups, the
// code credential, OAuth, and fail-closed errors.
import t, { type Test } from 'tap';
import { createGitLabForge } from '../../../src/forges/gitlab/index.js';
import { createForge } from '../../../src/forges/registry.js';
import { ForgeError, type ForgeGrant } from '../../../src/forges/types.js';
import { gitlabStub, group, member, project, type Stub } from '../../helpers/gitlab-stub.js';

const TOKEN = 'glpat-SECRET';

// corp/acme (1) > corp/acme/platform (2) > corp/acme/platform/core (3); partners (9) and low (8) outside.
const G1 = group(1, 'corp/acme', 77);
const G2 = group(2, 'corp/acme/platform', 1);
const G3 = group(3, 'corp/acme/platform/core', 2);
const alice = member(100, 'alice', 50);
const bob = member(101, 'bob', 30);
const carol = member(102, 'carol', 10); // Guest
const dave = member(103, 'dave', 40, 'blocked');
const erin = member(104, 'erin', 20);
const frank = member(105, 'frank', 30);
const gina = member(106, 'gina', 10);
const hank = member(107, 'hank', 5); // Minimal Access
const ivan = member(108, 'ivan', 20);

function fixture(s: Stub): void {
  s.on('GET', '/groups/corp%2Facme', { body: { ...G1, projects: [] } });
  s.on('GET', '/groups/1/descendant_groups', { body: [G2, G3] });
  s.on('GET', '/groups/1/members/all', { body: [alice, carol, dave, hank] });
  s.on('GET', '/groups/2/members/all', { body: [alice, bob, carol, dave] });
  s.on('GET', '/groups/3/members/all', { body: [alice, bob, erin, carol, dave] });
  s.on('GET', '/groups/9/members/all', { body: [frank, gina, { ...member(109, 'jo', 30), state: 'deactivated' }] });
  s.on('GET', '/groups/1/projects', {
    body: [
      project(500, 'corp/acme/platform/core/lib', G3, { shared_with_groups: [{ group_id: 9, group_name: 'partners', group_full_path: 'partners', group_access_level: 30, expires_at: null }] }),
      project(501, 'corp/acme/tools', G1, {
        visibility: 'internal',
        archived: true,
        shared_with_groups: [{ group_id: 3, group_name: 'core', group_full_path: 'corp/acme/platform/core', group_access_level: 20, expires_at: null }],
      }),
      project(502, 'corp/acme/platform/api', G2, {
        empty_repo: true,
        default_branch: null,
        shared_with_groups: [{ group_id: 8, group_name: 'low', group_full_path: 'low', group_access_level: 10, expires_at: null }],
      }),
    ],
  });
}

async function setup(t: Test, over: Record<string, unknown> = {}, perPage?: number) {
  const s = await gitlabStub(t);
  fixture(s);
  const forge = createGitLabForge(
    { id: 'gl', type: 'gitlab', url: `${s.url}/`, token: TOKEN, ...over },
    { http: { retries: 1, backoffBaseMs: 1, backoffMaxMs: 2, sleep: async () => {}, ...(perPage ? { perPage } : {}) } },
  );
  t.teardown(() => forge.close());
  return { s, forge };
}

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof ForgeError ? e.kind : `other: ${String(e)}`;
  }
}

const sortGrants = (g: ForgeGrant[]) => [...g].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

t.test('snapshot of a three-level tree: teams, readers, owners, grants', async (t) => {
  const { s, forge } = await setup(t, {}, 2); // two rows a page: every list is paged
  const snap = await forge.snapshot('corp/acme');
  t.same(snap.org, { id: '1', login: 'corp/acme' });
  t.same(snap.teams, [
    { id: '1', slug: 'corp/acme', name: 'ACME', parentId: null },
    { id: '2', slug: 'corp/acme/platform', name: 'PLATFORM', parentId: '1' },
    { id: '3', slug: 'corp/acme/platform/core', name: 'CORE', parentId: '2' },
  ]);
  t.same(snap.teamMembers.get('1'), [{ userId: '100', role: 'maintainer' }], 'Guest, Minimal Access and blocked users read nothing');
  t.same(snap.teamMembers.get('2'), [
    { userId: '100', role: 'maintainer' },
    { userId: '101', role: 'member' },
  ]);
  t.same(snap.teamMembers.get('3'), [
    { userId: '100', role: 'maintainer' },
    { userId: '101', role: 'member' },
    { userId: '104', role: 'member' },
  ], 'inherited members and the subgroup’s own Reporter');
  t.same(
    [...snap.members].sort((a, b) => a.userId.localeCompare(b.userId)),
    [
      { userId: '100', role: 'owner' },
      { userId: '101', role: 'member' },
      { userId: '104', role: 'member' },
    ],
  );
  t.same(snap.users.map((u) => u.id).sort(), ['100', '101', '104', '105'], 'frank (shared-in partners) is a user, not a member; blocked, Guests, deactivated left out');
  t.same(snap.users.find((u) => u.id === '105'), { id: '105', login: 'frank', name: 'FRANK', email: null });
  t.same(
    sortGrants(snap.grants),
    sortGrants([
      { repoId: '500', subject: { kind: 'team', teamId: '3' }, read: true, label: 'Reporter+ in corp/acme/platform/core' },
      { repoId: '500', subject: { kind: 'user', userId: '105' }, read: true, label: 'shared with partners (Developer)' },
      { repoId: '501', subject: { kind: 'team', teamId: '1' }, read: true, label: 'Reporter+ in corp/acme' },
      { repoId: '501', subject: { kind: 'members' }, read: true, label: 'internal' },
      { repoId: '501', subject: { kind: 'team', teamId: '3' }, read: true, label: 'shared with corp/acme/platform/core (Reporter)' },
      { repoId: '502', subject: { kind: 'team', teamId: '2' }, read: true, label: 'Reporter+ in corp/acme/platform' },
    ]),
    'a share below Reporter gives nothing',
  );
  const byId = new Map(snap.repositories.map((r) => [r.id, r]));
  t.same(byId.get('500'), {
    id: '500',
    fullName: 'corp/acme/platform/core/lib',
    name: 'lib',
    defaultBranch: 'main',
    visibility: 'private',
    archived: false,
    cloneUrl: 'https://gl.example/gitlab/corp/acme/platform/core/lib.git',
    sshUrl: 'git@gl.example:corp/acme/platform/core/lib.git',
    pushedAt: '2026-11-30T10:00:00.000Z',
  });
  t.equal(byId.get('501')?.archived, true, 'archived projects are listed, marked');
  t.equal(byId.get('502')?.defaultBranch, '', 'an empty repository has no default branch');

  // Requests: the relative root everywhere, the one URL-encoded path is the discovery, then ids.
  t.ok(s.requests.length > 8);
  const paths = s.requests.map((r) => r.path);
  t.equal(paths.filter((p) => p.includes('%2F')).length, 1);
  t.equal(paths[0], '/groups/corp%2Facme');
  for (const p of paths.slice(1)) t.match(p, /^\/(groups|projects)\/\d+(\/|$)/, `numeric id in ${p}`);
  t.notOk(s.requests.some((r) => r.path === '/groups/8/members/all'), 'the Guest share is not even fetched');
  for (const r of s.requests) t.equal(r.headers.authorization, `Bearer ${TOKEN}`);
  const projects = s.requests.find((r) => r.path === '/groups/1/projects');
  t.equal(projects?.query.get('include_subgroups'), 'true');
  t.equal(projects?.query.get('with_shared'), 'false');
  t.equal(projects?.query.get('order_by'), 'id');
  t.equal(projects?.query.get('sort'), 'asc');
  t.equal(s.requests.filter((r) => r.path === '/groups/9/members/all' && r.query.get('page') !== '2').length, 1, 'an outside group is read once');
});

t.test('per_page is 100 by default and paging never trusts totals', async (t) => {
  const { s, forge } = await setup(t);
  s.on('GET', '/groups/1/members/all', (r) => ({
    body: r.query.get('page') === '2' ? [hank] : [alice, carol],
    headers: { 'x-next-page': r.query.get('page') === '2' ? '' : '2', 'x-total': '2', 'x-total-pages': '1' },
  }));
  const snap = await forge.snapshot('corp/acme');
  t.same(snap.teamMembers.get('1'), [{ userId: '100', role: 'maintainer' }]);
  t.ok(s.requests.some((r) => r.path === '/groups/1/members/all' && r.query.get('page') === '2'), 'the second page was read although x-total said 2');
  t.ok(s.requests.every((r) => r.method !== 'GET' || !r.path.match(/members|projects|descendant/) || r.query.get('per_page') === '100'));
});

t.test('fail closed: a failed or malformed listing throws, the source missing is not-found', async (t) => {
  const { s, forge } = await setup(t);
  s.on('GET', '/groups/2/members/all', { status: 500, body: { message: 'boom' } });
  t.equal(await kindOf(forge.snapshot('corp/acme')), 'unavailable');
  s.on('GET', '/groups/2/members/all', { body: [{ id: 'x', username: 'bad' }] });
  t.equal(await kindOf(forge.snapshot('corp/acme')), 'invalid');
  s.on('GET', '/groups/2/members/all', { body: [alice] });
  s.on('GET', '/groups/9/members/all', { status: 404, body: { message: '404 Group Not Found' } });
  s.on('GET', '/projects/500/members/all', { status: 500, body: { message: 'boom' } });
  s.on('GET', '/projects/500/members', { body: [] });
  t.equal(await kindOf(forge.snapshot('corp/acme')), 'unavailable', "a hidden outside group whose project's members/all fails fails the snapshot");
  t.equal(await kindOf(forge.snapshot('corp/nope')), 'not-found');
});

t.test("a private group outside the tree the token cannot see: the project's members/all gives its readers", async (t) => {
  const { s, forge } = await setup(t);
  s.on('GET', '/groups/9/members/all', { status: 404, body: { message: '404 Group Not Found' } });
  // members/all of the project: the tree's readers (alice, bob, erin), a direct member (ivan),
  // partners' frank (Developer, capped by the share) and gina (Guest), a blocked user.
  s.on('GET', '/projects/500/members/all', { body: [alice, bob, erin, ivan, frank, gina, dave] });
  s.on('GET', '/projects/500/members', { body: [ivan] });
  const snap = await forge.snapshot('corp/acme');
  const users = snap.grants.filter((g) => g.repoId === '500' && g.subject.kind === 'user');
  t.same(users, [{ repoId: '500', subject: { kind: 'user', userId: '105' }, read: true, label: 'shared with partners (Developer)' }],
    'only frank: tree readers come through teams, direct members through directReaders, Guests and blocked users read nothing');
  t.ok(snap.users.some((u) => u.id === '105'));
  t.notOk(snap.members.some((m) => m.userId === '105'), 'a user, not a member');
  s.on('GET', '/groups/9/members/all', { status: 403, body: { message: '403 Forbidden' } });
  t.same((await forge.snapshot('corp/acme')).grants.filter((g) => g.repoId === '500' && g.subject.kind === 'user').map((g) => g.subject), [{ kind: 'user', userId: '105' }], 'likewise on 403');
});

t.test('directReaders: direct project members, active and Reporter+', async (t) => {
  const { s, forge } = await setup(t);
  s.on('GET', '/projects/500/members', { body: [bob, carol, dave, ivan, hank] });
  const snap = await forge.snapshot('corp/acme');
  const repo = snap.repositories.find((r) => r.id === '500');
  if (!repo) throw new Error('no repo');
  t.same(await forge.directReaders('corp/acme', repo), [
    { user: { id: '101', login: 'bob', name: 'BOB', email: null }, read: true, label: 'Developer' },
    { user: { id: '108', login: 'ivan', name: 'IVAN', email: null }, read: true, label: 'Reporter' },
  ]);
});

t.test('describeSource: path, name and the x-total count; null when missing', async (t) => {
  const { s, forge } = await setup(t);
  t.same(await forge.describeSource('corp/acme'), { login: 'corp/acme', name: 'ACME', repositories: 3 });
  const count = s.requests.find((r) => r.path === '/groups/1/projects');
  t.equal(count?.query.get('per_page'), '1');
  t.equal(count?.query.get('include_subgroups'), 'true');
  t.equal(await forge.describeSource('corp/missing'), null);
});

t.test('composerJson, repository, codeCredential', async (t) => {
  const { s, forge } = await setup(t);
  s.on('GET', '/projects/500/repository/files/composer.json/raw', (r) => (r.query.get('ref') === 'main' ? { raw: Buffer.from('{"name":"corp/lib"}') } : { status: 404 }));
  s.on('GET', '/projects/500', { body: project(500, 'corp/acme/platform/core/lib', G3) });
  s.on('GET', '/projects/600', { body: project(600, 'elsewhere/lib', { id: 40, full_path: 'elsewhere' }) });
  s.on('GET', '/projects/700', { body: project(700, 'corp/acme-other/x', { id: 41, full_path: 'corp/acme-other' }) });
  const snap = await forge.snapshot('corp/acme');
  const lib = snap.repositories.find((r) => r.id === '500');
  const empty = snap.repositories.find((r) => r.id === '502');
  if (!lib || !empty) throw new Error('fixture');
  t.equal((await forge.composerJson(lib))?.toString(), '{"name":"corp/lib"}');
  t.equal(await forge.composerJson({ ...lib, defaultBranch: 'other' }), null, '404: no composer.json');
  const before = s.requests.length;
  t.equal(await forge.composerJson(empty), null);
  t.equal(s.requests.length, before, 'an empty repository is not asked');
  t.same(await forge.repository('corp/acme', '500', 'whatever/old-name'), lib, 'found by id, renamed or not');
  t.equal(await forge.repository('corp/acme', '600', 'corp/acme/x'), null, 'transferred out of the tree');
  t.equal(await forge.repository('corp/acme', '700', 'corp/acme/x'), null, 'a sibling group with a common prefix is outside');
  t.equal(await forge.repository('corp/acme', '999', 'corp/acme/x'), null, 'gone');
  t.same(await forge.codeCredential('corp/acme'), { username: 'oauth2', password: TOKEN });
  await t.rejects(forge.repository('corp/acme', '../5', 'x'), ForgeError, 'ids only');
});

t.test('api_url, the registry, OAuth with PKCE under the relative root', async (t) => {
  const { s, forge } = await setup(t, { oauth: { client_id: 'c', client_secret: 's' } });
  t.equal(forge.apiUrl, `${s.url}/api/v4`);
  t.equal(forge.displayName, 'GitLab');
  t.equal(forge.type, 'gitlab');
  const oauth = forge.oauth;
  if (!oauth) throw new Error('oauth capability expected');
  t.equal(oauth.authorizeUrl, `${s.url}/oauth/authorize`);
  t.equal(oauth.tokenUrl, `${s.url}/oauth/token`);
  t.same(oauth.scopes, ['read_user']);
  t.equal(oauth.pkce, true);
  s.on('GET', '/user', (r) => (r.headers.authorization === 'Bearer user-access' ? { body: { id: 42, username: 'zoe', name: 'Zoe', email: 'z@x', state: 'active' } } : { status: 401 }));
  t.same(await oauth.currentUser('user-access'), { id: '42', login: 'zoe', name: 'Zoe', email: 'z@x' });
  s.on('GET', '/user', { body: { id: 43, username: 'blk', state: 'blocked' } });
  t.equal(await kindOf(oauth.currentUser('user-access')), 'forbidden');

  const { forge: noOauth } = await setup(t);
  t.equal(noOauth.oauth, undefined);
  const other = createGitLabForge({ id: 'gl2', type: 'gitlab', url: 'https://git.example/gitlab/api/v4/', api_url: 'https://api.example/v4/' });
  t.teardown(() => other.close());
  t.equal(other.apiUrl, 'https://api.example/v4');
  t.equal(await kindOf(other.snapshot('x')), 'unauthorized', 'no token');
  const reg = createForge({ id: 'gl3', type: 'gitlab', url: 'https://git.example/gitlab' });
  t.teardown(() => reg.close?.());
  t.equal(reg.type, 'gitlab');
  t.equal((reg as unknown as { apiUrl: string }).apiUrl, 'https://git.example/gitlab/api/v4');
});

t.test('ca_file: read once at creation, an unreadable one is a ForgeError naming it', async (t) => {
  const read: string[] = [];
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const ok = createGitLabForge({ id: 'gl', type: 'gitlab', url: 'https://git.example', token: 't', ca_file: '/etc/ca.pem' }, { readFile: (p) => (read.push(p), pem) });
  t.teardown(() => ok.close());
  t.same(read, ['/etc/ca.pem']);
  t.throws(
    () => createGitLabForge({ id: 'gl', type: 'gitlab', url: 'https://git.example', ca_file: '/nope.pem' }, { readFile: () => { throw new Error('ENOENT'); } }),
    /cannot read ca_file \/nope\.pem/,
  );
});
