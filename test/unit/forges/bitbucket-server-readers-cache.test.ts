// The Bitbucket Data Center forge reuses the project readers its last snapshot listed when
// directReaders runs a moment later (the same reconcile): no second
// /users?permission=PROJECT_READ per package repository while fresh, the same answer as listing
// them again, and a new listing once the entry is older than 5 minutes, for a project the
// snapshot did not list, or after a snapshot that failed. Then ProjectReadersCache on its own.
import t, { type Test } from 'tap';
import { createBitbucketServerForge } from '../../../src/forges/bitbucket-server/index.js';
import { PROJECT_READERS_MAX_AGE_MS, ProjectReadersCache } from '../../../src/forges/bitbucket-server/readers-cache.js';
import { bitbucketServerStub, project, repo, user, type Stub, type StubRequest } from '../../helpers/bitbucket-server-stub.js';

const alice = user(1, 'alice'); // PROJECT_ADMIN on PAY
const bob = user(2, 'bob'); // PROJECT_READ on PAY
const erin = user(5, 'erin'); // REPO_READ on PAY/api only
const gus = user(7, 'gus'); // PROJECT_READ on WEB, REPO_READ on PAY/api

function usersRoute(r: StubRequest) {
  const key = r.query.get('permission.projectKey');
  const perm = r.query.get('permission');
  const slug = r.query.get('permission.repositorySlug');
  if (key === 'PAY' && perm === 'PROJECT_READ' && !slug) return { body: [alice, bob] };
  if (key === 'PAY' && perm === 'PROJECT_ADMIN') return { body: [alice] };
  if (key === 'PAY' && perm === 'REPO_READ' && slug === 'api') return { body: [alice, bob, erin, gus] };
  if (key === 'WEB' && perm === 'PROJECT_READ') return { body: [gus] };
  if (key === 'WEB' && perm === 'PROJECT_ADMIN') return { body: [] };
  return { status: 400, body: { errors: [{ message: `unexpected ${r.query.toString()}` }] } };
}

async function setup(t: Test) {
  const s: Stub = await bitbucketServerStub(t);
  s.on('GET', '/projects/PAY', { body: project(10, 'PAY') });
  s.on('GET', '/projects/WEB', { body: project(20, 'WEB') });
  s.on('GET', '/users', usersRoute);
  s.on('GET', '/projects/PAY/repos', { body: [repo(100, 'PAY', 'api', s.url)] });
  s.on('GET', '/projects/WEB/repos', { body: [] });
  for (const k of ['PAY', 'WEB']) {
    s.on('GET', `/projects/${k}/permissions/PROJECT_READ/all`, { body: { permitted: false } });
    s.on('GET', `/projects/${k}/permissions/groups`, { body: [] });
  }
  let now = 1_000_000;
  const clock = { advance: (ms: number) => void (now += ms) };
  const forge = createBitbucketServerForge(
    { id: 'bbs', type: 'bitbucket-server', url: s.url, token: 'BBDC-SECRET' },
    { http: { retries: 0, sleep: async () => {} }, now: () => now },
  );
  t.teardown(() => forge.close());
  const projectReaderListings = (key: string) => s.requests.filter((r) => r.path === '/users' && r.query.get('permission') === 'PROJECT_READ' && r.query.get('permission.projectKey') === key).length;
  return { s, forge, clock, projectReaderListings };
}

const erinOnly = [{ user: { id: '5', login: 'erin', name: 'ERIN', email: 'erin@example.com' }, read: true, label: 'REPO_READ+' }];
// gus reads PAY/api through his own repository permission: WEB's readers do not take him out.
const erinAndGus = [...erinOnly, { user: { id: '7', login: 'gus', name: 'GUS', email: 'gus@example.com' }, read: true, label: 'REPO_READ+' }];

t.test('directReaders right after a snapshot reuses its project readers', async (t) => {
  const { forge, clock, projectReaderListings } = await setup(t);
  const snap = await forge.snapshot('PAY,WEB');
  const api = snap.repositories.find((r) => r.fullName === 'PAY/api');
  if (!api) throw new Error('no PAY/api');
  t.equal(projectReaderListings('PAY'), 1, 'the snapshot listed PAY readers once');
  t.same(await forge.directReaders('PAY,WEB', api), erinAndGus, 'repository readers minus the project readers of the snapshot');
  t.same(await forge.directReaders('PAY,WEB', api), erinAndGus);
  t.equal(projectReaderListings('PAY'), 1, 'not listed again within the same reconcile');
  clock.advance(PROJECT_READERS_MAX_AGE_MS - 1);
  await forge.directReaders('PAY,WEB', api);
  t.equal(projectReaderListings('PAY'), 1, 'still fresh just under 5 minutes');
  clock.advance(1);
  t.same(await forge.directReaders('PAY,WEB', api), erinAndGus, 'the same answer when listed again');
  t.equal(projectReaderListings('PAY'), 2, 'listed again once 5 minutes old');
  t.same(await forge.directReaders('PAY,WEB', api), erinAndGus);
  t.equal(projectReaderListings('PAY'), 3, 'a stale entry is dropped, not refreshed by directReaders');
});

t.test('without a snapshot of the project, or after a failed one, the readers are listed', async (t) => {
  const { s, forge, projectReaderListings } = await setup(t);
  const api = { id: '100', fullName: 'PAY/api', name: 'api', defaultBranch: 'main', visibility: 'private' as const, archived: false, cloneUrl: `${s.url}/scm/pay/api.git`, sshUrl: null, pushedAt: null };
  t.same(await forge.directReaders('PAY', api), erinAndGus, 'no snapshot yet: listed');
  t.equal(projectReaderListings('PAY'), 1);
  await forge.snapshot('WEB');
  t.same(await forge.directReaders('PAY', api), erinAndGus, 'a snapshot of another project does not count');
  t.equal(projectReaderListings('PAY'), 2);
  s.on('GET', '/projects/PAY/repos', { status: 500, body: {} });
  await t.rejects(forge.snapshot('PAY'), { name: 'ForgeError' }, 'the snapshot fails after listing the readers');
  const before = projectReaderListings('PAY');
  await forge.directReaders('PAY', api);
  t.equal(projectReaderListings('PAY'), before + 1, 'nothing remembered from a failed snapshot');
});

t.test('ProjectReadersCache: keys in any case, bounded age, a clock going backwards, stale entries pruned', async (t) => {
  let now = 0;
  const cache = new ProjectReadersCache(() => now, 1000);
  t.equal(cache.fresh('PAY'), null);
  cache.remember('pay', ['1', '2']);
  t.same([...(cache.fresh('PAY') ?? [])], ['1', '2'], 'project keys are case-insensitive');
  now = 999;
  t.ok(cache.fresh('Pay'));
  now = 1000;
  t.equal(cache.fresh('PAY'), null, 'maxAgeMs old: stale');
  cache.remember('PAY', ['3']);
  now = 500;
  t.equal(cache.fresh('PAY'), null, 'a clock that went backwards: stale');
  cache.remember('PAY', ['3']);
  cache.remember('WEB', []);
  t.same([...(cache.fresh('WEB') ?? ['x'])], [], 'an empty reader list is remembered too');
  now = 5000;
  cache.remember('OPS', ['9']);
  t.equal((cache as unknown as { byKey: Map<string, unknown> }).byKey.size, 1, 'remembering prunes stale entries');
});
