// A user who reads one repository of a synced organization without belonging to it (a direct
// collaborator, a project member, a repository user), end to end through HTTP on a real SQLite
// file: the sync creates them, they sign in, see only that package on the organization's page and
// in composer's packages.json, may create a token that reads exactly that package, and get 404 on
// the organization's teams and members, settings, activity and audit log, and on other orgs.
import t from 'tap';
import { signIn } from '../../helpers/ui.js';
import { PASSWORD, uiFixture } from '../../helpers/ui-fixture.js';
import { hashPassword } from '../../../src/services/users.js';
import { syncOrg } from '../../../src/sync/reconcile.js';
import type { ForgeFactory } from '../../../src/sync/forges.js';
import { FakeForge } from '../../fakes/forge.js';

/** corp on the forge: frank owns it; olga reads corp/shared directly and is no member. */
const fake = new FakeForge({
  org: { id: 'o1', login: 'corp' },
  users: [{ id: '101', login: 'frank' }, { id: '301', login: 'olga' }],
  owners: ['101'],
  repositories: [
    { id: 'r-shared', fullName: 'corp/shared', pushedAt: '2026-01-01T00:00:00Z' },
    { id: 'r-secret', fullName: 'corp/secret', pushedAt: '2026-01-01T00:00:00Z' },
  ],
  directReaders: { 'r-shared': [{ userId: '301', label: 'pull' }] },
}, { integrationId: 'ghe' });
const stubForge: ForgeFactory = () => fake;

t.test('a direct reader who is no member', async (t) => {
  const yaml = ['integrations:', '  - id: ghe', '    type: github', '    url: "https://github.example"', '    token: "test-token"'].join('\n');
  const { pky, app } = await uiFixture(t, { yaml, forgeFactory: stubForge });
  const sqlite = pky.deps.sqlite;
  const out = await syncOrg(pky.deps, 'corp', { trigger: 'test' });
  t.notOk(out.error, out.error ?? 'synced');
  const olgaRow = sqlite.prepare(`SELECT id FROM users WHERE login = 'olga'`).get() as { id: number } | undefined;
  t.ok(olgaRow, 'the sync created the reader');
  const corpId = (sqlite.prepare(`SELECT id FROM organizations WHERE name = 'corp'`).get() as { id: number }).id;
  t.equal(sqlite.prepare(`SELECT 1 FROM org_members WHERE org_id = ? AND user_id = ?`).get(corpId, olgaRow?.id), undefined, 'and not as a member');
  sqlite.prepare(`UPDATE users SET password_hash = ? WHERE login = 'olga'`).run(hashPassword(PASSWORD));
  const olga = await signIn(app, 'olga', PASSWORD);

  const page = await olga.get('/corp/');
  t.equal(page.statusCode, 200, 'the organization page opens');
  t.match(page.body, 'corp/shared');
  t.notMatch(page.body, 'corp/secret', 'only the package they read');
  t.notMatch(page.body, '/corp/-/teams', 'no teams and members entry in the menu');
  t.notMatch(page.body, '/corp/-/settings');
  for (const url of ['/corp/-/teams', '/corp/-/settings', '/corp/-/activity', '/corp/-/audit', '/corp/-/packages/new', '/acme/', '/acme/-/tokens']) {
    t.equal((await olga.get(url)).statusCode, 404, `${url}: 404`);
  }
  t.equal((await olga.get('/corp/-/packages/corp/shared')).statusCode, 200, 'their package opens');
  t.equal((await olga.get('/corp/-/packages/corp/secret')).statusCode, 404, 'another package does not');

  const tokens = await olga.get('/corp/-/tokens');
  t.equal(tokens.statusCode, 200, 'the tokens page opens');
  t.notMatch(tokens.body, 'name="owner"', 'no CI tokens for them');
  t.equal((await olga.post('/corp/-/tokens', { _csrf: olga.csrf, owner: 'org', scope: 'read' })).statusCode, 403, 'no organization token');
  const created = await olga.post('/corp/-/tokens', { _csrf: olga.csrf, name: 'laptop', scope: 'read' });
  t.equal(created.statusCode, 201, 'a token of their own');
  const token = /<pre id="new-token">(pky_u_[A-Za-z0-9]+)<\/pre>/.exec(created.body)?.[1] ?? '';
  t.ok(token, 'the secret is shown');
  const auth = { authorization: `Bearer ${token}` };
  const listing = await app.inject({ method: 'GET', url: '/corp/packages.json', headers: auth });
  t.equal(listing.statusCode, 200);
  t.same(listing.json()['available-packages'], ['corp/shared'], 'the token reads exactly what they read');
  t.equal((await app.inject({ method: 'GET', url: '/corp/p2/corp/secret.json', headers: auth })).statusCode, 404, 'not another package');
  t.not((await app.inject({ method: 'GET', url: '/acme/packages.json', headers: auth })).statusCode, 200, 'nor another organization');

  // The forge takes the access away: the next sync closes the organization to them.
  fake.world.directReaders = {};
  t.notOk((await syncOrg(pky.deps, 'corp', { trigger: 'test' })).error);
  t.equal((await olga.get('/corp/')).statusCode, 404, 'the organization is closed to them');
  const after = await app.inject({ method: 'GET', url: '/corp/packages.json', headers: auth });
  t.ok(after.statusCode !== 200 || after.json()['available-packages'].length === 0, 'their token reads nothing');
});
