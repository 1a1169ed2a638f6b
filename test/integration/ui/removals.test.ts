// Removals in the UI for every kind of visitor: a confirmation page first (works without
// JavaScript), then a POST with the CSRF token; package removal, member removal, organization
// deletion, tokens (owners see and revoke every token reaching their organization) and the
// instance admin's /-/users and /-/tokens pages. Each removal leaves an audit row.
import t from 'tap';
import { signIn, type Browser } from '../../helpers/ui.js';
import { PASSWORD, uiFixture } from '../../helpers/ui-fixture.js';
import { createUser } from '../../../src/services/users.js';
import { addOrgMember } from '../../../src/services/orgs.js';
import { createToken } from '../../../src/services/tokens.js';

t.test('removals in the UI', async (t) => {
  const { pky, app } = await uiFixture(t);
  const db = pky.deps.db;
  const sqlite = pky.deps.sqlite;
  createUser(db, 'olga', { password: PASSWORD }, 'test');
  addOrgMember(db, 'acme', 'olga', 'owner', 'test');
  const [root, alice, eve, frank, carol, olga] = await Promise.all(['root', 'alice', 'eve', 'frank', 'carol', 'olga'].map((l) => signIn(app, l, PASSWORD))) as Browser[] as [Browser, Browser, Browser, Browser, Browser, Browser];
  const audit = (action: string) => sqlite.prepare(`SELECT actor, target FROM audit_log WHERE action = ? ORDER BY id`).all(action);
  const count = (sql: string, ...args: unknown[]) => (sqlite.prepare(sql).get(...args) as { n: number }).n;

  await t.test('tokens: owners see and revoke every token reaching the organization, members their own', async (t) => {
    const aliceTok = createToken(db, { user: 'alice', org: 'acme', scope: 'read', name: 'alice laptop' }, 'test');
    const ci = createToken(db, { org: 'acme', scope: 'read', name: 'acme ci' }, 'test');
    createToken(db, { user: 'alice', scope: 'read', name: 'alice everywhere' }, 'test');
    const owner = await olga.get('/acme/-/tokens');
    t.match(owner.body, /Other tokens reaching acme/);
    t.match(owner.body, /<td>alice<\/td><td>alice laptop<\/td>/, 'a member\'s token narrowed to acme, with its owner');
    t.match(owner.body, /acme ci/);
    t.notMatch(owner.body, /alice everywhere/, 'a token for all orgs is not the organization\'s');
    const member = await alice.get('/acme/-/tokens');
    t.match(member.body, /alice laptop/);
    t.notMatch(member.body, /Other tokens reaching acme|acme ci/);
    t.match(member.body, new RegExp(`href="/acme/-/tokens/${aliceTok.id}/revoke"`), 'revoke leads to a confirmation page');

    t.equal((await alice.get(`/acme/-/tokens/${ci.id}/revoke`)).statusCode, 404, 'a member cannot revoke the CI token');
    t.equal((await alice.post(`/acme/-/tokens/${ci.id}/revoke`, { _csrf: alice.csrf })).statusCode, 404);
    t.equal((await eve.get(`/acme/-/tokens/${aliceTok.id}/revoke`)).statusCode, 404, 'outsider');
    t.equal((await frank.get(`/acme/-/tokens/${aliceTok.id}/revoke`)).statusCode, 404, 'owner of another org');
    const page = await olga.get(`/acme/-/tokens/${aliceTok.id}/revoke`);
    t.equal(page.statusCode, 200);
    t.match(page.body, /alice&#39;s token .* stops working on its next request/);
    t.match(page.body, new RegExp(`<form method="post" action="/acme/-/tokens/${aliceTok.id}/revoke" class="confirm"><input type="hidden" name="_csrf"`));
    t.equal((await olga.post(`/acme/-/tokens/${aliceTok.id}/revoke`, {})).statusCode, 403, 'no CSRF token');
    const done = await olga.post(`/acme/-/tokens/${aliceTok.id}/revoke`, { _csrf: olga.csrf });
    t.equal(done.statusCode, 303);
    t.equal(pky.deps.tokens.authenticate(aliceTok.token), null, 'revoked');
    t.equal((await olga.get(`/acme/-/tokens/${aliceTok.id}/revoke`)).statusCode, 404, 'already revoked');
    t.match(audit('token.revoke'), [{ actor: 'ui:olga', target: 'alice laptop' }]);
  });

  await t.test('package removal: owners and admins, confirmed by typing the name', async (t) => {
    t.match((await olga.get('/acme/-/packages/acme/foo')).body, /href="\/acme\/-\/packages\/acme\/foo\/remove">Remove package…/);
    t.notMatch((await alice.get('/acme/-/packages/acme/foo')).body, /Remove package/, 'members who may add packages do not remove them');
    t.equal((await alice.get('/acme/-/packages/acme/foo/remove')).statusCode, 404);
    t.equal((await alice.post('/acme/-/packages/acme/foo/remove', { _csrf: alice.csrf, confirm: 'acme/foo' })).statusCode, 404);
    t.equal((await eve.get('/acme/-/packages/acme/foo/remove')).statusCode, 404);
    t.equal((await carol.get('/corp/-/packages/corp/shared/remove')).statusCode, 404, 'member of a synced org');
    const page = await olga.get('/acme/-/packages/acme/foo/remove');
    t.equal(page.statusCode, 200);
    t.match(page.body, /stay downloadable for existing lock files for 30 days/);
    t.match(page.body, /Type <strong>acme\/foo<\/strong> to confirm <input name="confirm"/);
    t.equal((await olga.post('/acme/-/packages/acme/foo/remove', { confirm: 'acme/foo' })).statusCode, 403, 'no CSRF token');
    const wrong = await olga.post('/acme/-/packages/acme/foo/remove', { _csrf: olga.csrf, confirm: 'acme/fo' });
    t.equal(wrong.statusCode, 400);
    t.match(wrong.body, /Type acme\/foo to confirm/);
    t.equal(count(`SELECT COUNT(*) AS n FROM packages WHERE name = 'acme/foo'`), 1, 'still there');
    const done = await olga.post('/acme/-/packages/acme/foo/remove', { _csrf: olga.csrf, confirm: 'acme/foo' });
    t.equal(done.statusCode, 303);
    t.equal(done.headers.location, '/acme/');
    t.equal(count(`SELECT COUNT(*) AS n FROM packages WHERE name = 'acme/foo'`), 0);
    t.match(audit('package.remove'), [{ actor: 'ui:olga', target: 'acme/foo' }]);
    t.equal((await olga.get('/acme/-/packages/acme/foo')).statusCode, 404);
    // An admin removes a synced organization's package.
    t.equal((await root.post('/corp/-/packages/corp/secret/remove', { _csrf: root.csrf, confirm: 'corp/secret' })).statusCode, 303);
  });

  await t.test('member removal: unsynced organizations, owners and admins, never the last owner', async (t) => {
    t.match((await olga.get('/acme/-/teams')).body, /href="\/acme\/-\/members\/alice\/remove">Remove…/);
    t.notMatch((await alice.get('/acme/-/teams')).body, /members\/olga\/remove/);
    t.notMatch((await frank.get('/corp/-/teams')).body, /\/remove/, 'a synced org takes its members from the forge');
    t.equal((await frank.get('/corp/-/members/carol/remove')).statusCode, 404);
    t.equal((await root.post('/corp/-/members/carol/remove', { _csrf: root.csrf })).statusCode, 404, 'not even an admin');
    t.equal((await alice.post('/acme/-/members/olga/remove', { _csrf: alice.csrf })).statusCode, 404, 'a member');
    t.equal((await olga.get('/acme/-/members/nobody/remove')).statusCode, 404, 'not a member');
    t.equal((await eve.get('/acme/-/members/alice/remove')).statusCode, 404, 'outsider');
    t.equal((await eve.post('/acme/-/members/alice/remove', { _csrf: eve.csrf })).statusCode, 404);
    t.match((await olga.get('/acme/-/members/alice/remove')).body, /alice no longer reads acme/);
    t.equal((await olga.post('/acme/-/members/alice/remove', {})).statusCode, 403, 'no CSRF token');
    const last = await olga.post('/acme/-/members/olga/remove', { _csrf: olga.csrf });
    t.equal(last.statusCode, 409);
    t.match(last.body, /last owner of &quot;acme&quot;/);
    const done = await olga.post('/acme/-/members/alice/remove', { _csrf: olga.csrf });
    t.equal(done.statusCode, 303);
    t.equal((await alice.get('/acme/')).statusCode, 404, 'alice no longer sees acme');
    addOrgMember(db, 'acme', 'carol', 'member', 'test');
    t.equal((await root.post('/acme/-/members/carol/remove', { _csrf: root.csrf })).statusCode, 303, 'an admin');
    t.match(audit('member.remove'), [{ actor: 'ui:olga', target: 'alice' }, { actor: 'ui:root', target: 'carol' }]);
  });

  await t.test('organization deletion: instance admins only, typed name', async (t) => {
    t.match((await root.get('/acme/-/settings')).body, /href="\/acme\/-\/delete">Delete organization…/);
    t.notMatch((await olga.get('/acme/-/settings')).body, /Delete organization/);
    t.equal((await olga.get('/acme/-/delete')).statusCode, 404, 'an owner does not delete the organization');
    t.equal((await eve.get('/acme/-/delete')).statusCode, 404, 'outsider');
    t.equal((await eve.post('/acme/-/delete', { _csrf: eve.csrf, confirm: 'acme' })).statusCode, 404);
    t.equal((await olga.post('/acme/-/delete', { _csrf: olga.csrf, confirm: 'acme' })).statusCode, 404);
    t.equal((await root.post('/acme/-/delete', { confirm: 'acme' })).statusCode, 403, 'no CSRF token');
    t.equal((await root.post('/acme/-/delete', { _csrf: root.csrf, confirm: '' })).statusCode, 400);
    const done = await root.post('/acme/-/delete', { _csrf: root.csrf, confirm: 'acme' });
    t.equal(done.statusCode, 303);
    t.equal(count(`SELECT COUNT(*) AS n FROM organizations WHERE name = 'acme'`), 0);
    t.equal((await olga.get('/acme/')).statusCode, 404);
    t.match(audit('org.delete'), [{ actor: 'ui:root', target: 'acme' }]);
    sqlite.prepare(`UPDATE organizations SET from_config = 1 WHERE name = 'corp'`).run();
    t.match((await root.get('/corp/-/settings')).body, /remove it there first/);
    const cfg = await root.post('/corp/-/delete', { _csrf: root.csrf, confirm: 'corp' });
    t.equal(cfg.statusCode, 409);
    t.match(cfg.body, /declared in the config file/);
  });

  await t.test('instance admin: /-/users disable, enable, delete; /-/tokens revoke', async (t) => {
    for (const b of [carol, eve]) {
      t.equal((await b.get('/-/users')).statusCode, 404);
      t.equal((await b.get('/-/tokens')).statusCode, 404);
      t.equal((await b.post('/-/users/frank/disable', { _csrf: b.csrf })).statusCode, 404);
    }
    const users = await root.get('/-/users');
    t.equal(users.statusCode, 200);
    t.match(users.body, /href="\/-\/users\/frank\/disable">Disable…/);
    t.match((await root.get('/')).body, /href="\/-\/users">Users<\/a>/, 'admins find the page in the top bar');
    t.notMatch((await frank.get('/')).body, /href="\/-\/users"/);
    const frankTok = createToken(db, { user: 'frank', scope: 'read', name: 'frank everywhere' }, 'test');
    t.match((await root.get('/-/users/frank/disable')).body, /Their sessions end and every token of theirs is revoked now/);
    t.equal((await root.post('/-/users/frank/disable', {})).statusCode, 403, 'no CSRF token');
    t.equal((await root.post('/-/users/frank/disable', { _csrf: root.csrf })).statusCode, 303);
    t.equal((await frank.get('/corp/')).statusCode, 303, 'frank\'s session ended: back to the login page');
    t.equal(pky.deps.tokens.authenticate(frankTok.token), null, 'his token is revoked');
    await t.rejects(signIn(app, 'frank', PASSWORD), /sign-in as frank failed/, 'a disabled user cannot sign in');
    t.match((await root.get('/-/users')).body, /<td>frank<\/td>.*disabled/s);
    t.equal((await root.post('/-/users/frank/enable', { _csrf: root.csrf })).statusCode, 303);
    await signIn(app, 'frank', PASSWORD);
    t.equal(pky.deps.tokens.authenticate(frankTok.token), null, 'his token stays revoked');

    const self = await root.post('/-/users/root/disable', { _csrf: root.csrf });
    t.equal(self.statusCode, 409, 'not on yourself');
    t.equal((await root.post('/-/users/root/delete', { _csrf: root.csrf, confirm: 'root' })).statusCode, 409);
    t.equal((await root.post('/-/users/dave/delete', { _csrf: root.csrf })).statusCode, 400, 'the name must be typed');
    t.equal((await root.post('/-/users/dave/delete', { _csrf: root.csrf, confirm: 'dave' })).statusCode, 303);
    t.equal(count(`SELECT COUNT(*) AS n FROM users WHERE login = 'dave'`), 0);
    t.equal((await root.get('/-/users/dave/delete')).statusCode, 404);
    t.match(audit('user.disable'), [{ actor: 'ui:root', target: 'frank' }]);
    t.match(audit('user.delete'), [{ actor: 'ui:root', target: 'dave' }]);

    const carolTok = createToken(db, { user: 'carol', scope: 'read', name: 'carol everywhere' }, 'test');
    const tokens = await root.get('/-/tokens');
    t.match(tokens.body, new RegExp(`<td>${carolTok.id}</td><td>carol</td>\\s*<td>all orgs</td>`), 'user tokens without an organization are listed');
    t.notMatch(tokens.body, /frank everywhere/, 'active ones by default');
    t.match((await root.get('/-/tokens?all=1')).body, /frank everywhere/);
    t.match((await root.get(`/-/tokens/${carolTok.id}/revoke`)).body, /stops working on its next request/);
    t.equal((await root.post(`/-/tokens/${carolTok.id}/revoke`, {})).statusCode, 403);
    t.equal((await root.post(`/-/tokens/${carolTok.id}/revoke`, { _csrf: root.csrf })).statusCode, 303);
    t.equal(pky.deps.tokens.authenticate(carolTok.token), null);
    t.equal((await root.post(`/-/tokens/${carolTok.id}/revoke`, { _csrf: root.csrf })).statusCode, 404, 'already revoked');
  });
});
