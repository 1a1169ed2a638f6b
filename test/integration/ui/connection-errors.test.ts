// Who sees a connection error's detail (it tells an open port from a closed one): owners and
// admins in full, members and tokens one generic sentence, on the package page, the job status
// fragment, the import status and the API; errors that are not about the connection stay plain.
import t from 'tap';
import { signIn } from '../../helpers/ui.js';
import { PASSWORD, uiFixture } from '../../helpers/ui-fixture.js';
import { addOrgMember } from '../../../src/services/orgs.js';
import { GENERIC_CONNECTION_ERROR, shownError } from '../../../src/domain/error-detail.js';
import { can, type OrgFacts } from '../../../src/domain/policy.js';

const DETAIL = 'Could not connect to 10.0.0.7:9418 for git://10.0.0.7/x.git (ECONNREFUSED); check the host name, port and network.';
const GENERIC = 'Could not reach the repository; an owner can see the detail.';

t.test('shownError and package:diagnose', async (t) => {
  t.equal(shownError(DETAIL, 'VCS_ERROR', false), GENERIC_CONNECTION_ERROR);
  t.equal(shownError(DETAIL, 'VCS_TIMEOUT', false), GENERIC);
  t.equal(shownError(DETAIL, 'VCS_ERROR', true), DETAIL);
  t.equal(shownError('Refused: x resolves to 127.0.0.1, which is in vcs.denied_networks (127.0.0.0/8). An admin can change the list.', 'VCS_URL_DENIED', false),
    'Refused: x resolves to 127.0.0.1, which is in vcs.denied_networks (127.0.0.0/8). An admin can change the list.', 'a refusal says so plainly');
  t.equal(shownError('composer.json is not valid JSON', 'PACKAGE_NAME_INVALID', false), 'composer.json is not valid JSON');
  t.equal(shownError(null, 'VCS_ERROR', false), null);
  const org = (role: OrgFacts['role']): OrgFacts => ({ orgId: 1, synced: false, role, grantedPackageIds: new Set() });
  t.equal(can({ kind: 'user', userId: 1, isAdmin: false }, 'package:diagnose', { org: org('owner'), packageId: 1 }), true, 'owner');
  t.equal(can({ kind: 'user', userId: 1, isAdmin: true }, 'package:diagnose', { org: org(null), packageId: 1 }), true, 'admin');
  t.equal(can({ kind: 'user', userId: 1, isAdmin: false }, 'package:diagnose', { org: org('member'), packageId: 1 }), false, 'member (even one who may add packages)');
  t.equal(can({ kind: 'token', tokenId: 1, tokenKind: 'org', userId: null, orgId: 1, scope: 'update', isAdmin: false }, 'package:diagnose', { org: org(null), packageId: 1 }), false, 'token');
  t.equal(can({ kind: 'token', tokenId: 1, tokenKind: 'user', userId: 1, orgId: null, scope: 'update', isAdmin: true }, 'package:diagnose', { org: org(null), packageId: 1 }), false, "an admin's token");
});

t.test('UI and API: members and tokens get the generic sentence, owners and admins the detail', async (t) => {
  const { pky, app, fooId } = await uiFixture(t);
  const sqlite = pky.deps.sqlite;
  addOrgMember(pky.deps.db, 'acme', 'frank', 'owner', 'test');
  sqlite.prepare(`UPDATE packages SET status = 'error', last_error = ?, last_error_code = 'VCS_ERROR', last_error_at = ? WHERE id = ?`).run(DETAIL, Date.now(), fooId);
  const jobId = (sqlite.prepare(
    `INSERT INTO jobs (type, lock_key, payload, status, attempts, max_attempts, run_after, created_at, finished_at, error, trigger)
     VALUES ('update-package', ?, ?, 'failed', 3, 3, 0, ?, ?, ?, 'ui:alice') RETURNING id`,
  ).get(`package:${fooId}`, JSON.stringify({ packageId: fooId }), Date.now(), Date.now(), DETAIL) as { id: number }).id;
  const alice = await signIn(app, 'alice', PASSWORD);
  const frank = await signIn(app, 'frank', PASSWORD);
  const root = await signIn(app, 'root', PASSWORD);

  for (const url of ['/acme/-/packages/acme/foo', `/acme/-/packages/acme/foo/jobs/${jobId}`, `/acme/-/packages/new/jobs/${jobId}`]) {
    const member = await alice.get(url);
    t.equal(member.statusCode, 200, url);
    t.match(member.body, GENERIC, `member: ${url}`);
    t.notMatch(member.body, /ECONNREFUSED|10\.0\.0\.7:9418/, `member sees no detail: ${url}`);
    for (const [who, b] of [['owner', frank], ['admin', root]] as const) {
      const r = await b.get(url);
      t.match(r.body, 'ECONNREFUSED', `${who}: ${url}`);
      t.notMatch(r.body, GENERIC, `${who}: ${url}`);
    }
  }

  const token = (await pky.cli(['token', 'create', '--org', 'acme', '--scope', 'update'])).stdout.trim();
  const api = await app.inject({ method: 'GET', url: `/api/acme/jobs/${jobId}`, headers: { authorization: `Bearer ${token}` } });
  t.equal(api.statusCode, 200);
  t.equal((api.json() as { error: string }).error, GENERIC, 'a token gets the generic sentence');

  // Not a connection error: everyone who may read the package sees it as it is.
  sqlite.prepare(`UPDATE packages SET last_error = 'package name acme/foo is already used in this organization by /srv/other.git', last_error_code = 'PACKAGE_EXISTS' WHERE id = ?`).run(fooId);
  t.match((await alice.get('/acme/-/packages/acme/foo')).body, 'package name acme/foo is already used in this organization by /srv/other.git');
});

t.test('the add form refuses a URL in a denied network, plainly, and stores nothing', async (t) => {
  const { pky, app } = await uiFixture(t, { deniedNetworks: 'default' });
  const alice = await signIn(app, 'alice', PASSWORD);
  const before = (pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM packages`).get() as { n: number }).n;
  const r = await alice.post('/acme/-/packages/new', { _csrf: alice.csrf, url: 'http://169.254.169.254/latest/meta-data', type: 'git', credential: '' });
  t.equal(r.statusCode, 400);
  t.match(r.body, 'Refused: 169.254.169.254 resolves to 169.254.169.254, which is in vcs.denied_networks (169.254.0.0/16). An admin can change the list.');
  t.equal((pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM packages`).get() as { n: number }).n, before, 'no package was stored');
});
