// The Bitbucket Data Center forge asks 1,000 rows a page (Bitbucket's default is 25): a project of
// 2,500 readers is three pages of /users, and a server that caps `limit` lower (page.max.*) still
// gives every reader through nextPageStart.
import t from 'tap';
import { createBitbucketServerForge } from '../../../src/forges/bitbucket-server/index.js';
import { bitbucketServerStub, project, user } from '../../helpers/bitbucket-server-stub.js';

t.test('limit=1000 on every listing; a lower server cap pages on', async (t) => {
  const s = await bitbucketServerStub(t);
  const readers = Array.from({ length: 2500 }, (_, i) => user(i + 1, `u${String(i).padStart(4, '0')}`));
  let cap = 1000;
  s.on('GET', '/projects/PAY', { body: project(10, 'PAY') });
  s.on('GET', '/users', (r) => {
    // The stub pages by the asked limit; this route caps it as a server's page.max.* would.
    if (Number(r.query.get('limit')) > cap) r.query.set('limit', String(cap));
    return { body: r.query.get('permission') === 'PROJECT_READ' ? readers : [] };
  });
  s.on('GET', '/projects/PAY/repos', { body: [] });
  s.on('GET', '/projects/PAY/permissions/PROJECT_READ/all', { body: { permitted: false } });
  s.on('GET', '/projects/PAY/permissions/groups', { body: [] });
  const forge = createBitbucketServerForge({ id: 'bbs', type: 'bitbucket-server', url: s.url, token: 'T' }, { http: { retries: 0, sleep: async () => {} } });
  t.teardown(() => forge.close());

  const snap = await forge.snapshot('PAY');
  t.equal(snap.teamMembers.get('project:10')?.length, 2500, 'every reader');
  const listings = s.requests.filter((r) => !['/projects/PAY', '/projects/PAY/permissions/PROJECT_READ/all'].includes(r.path));
  t.ok(listings.length > 0 && listings.every((r) => r.query.get('limit') === '1000'), 'every listing asks limit=1000');
  const readerPages = () => s.requests.filter((r) => r.path === '/users' && r.query.get('permission') === 'PROJECT_READ');
  t.same(readerPages().map((r) => r.query.get('start') ?? '0'), ['0', '1000', '2000'], 'three pages of readers');

  cap = 500;
  s.requests.length = 0;
  const again = await forge.snapshot('PAY');
  t.equal(again.teamMembers.get('project:10')?.length, 2500, 'every reader under a lower cap');
  t.equal(readerPages().length, 5, 'five pages of 500');
});
