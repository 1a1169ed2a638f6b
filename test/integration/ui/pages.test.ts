// The web UI's pages and actions for every kind of visitor (admin, member, member without the
// package's team, owner, outsider), the search fragment, escaping of forge and user text,
// "Update now" with its polling job fragment, tokens, and CSRF on every write.
import t from 'tap';
import { waitFor } from '../../helpers/wait.js';
import { browser, csrfOf, signIn, type Browser } from '../../helpers/ui.js';
import { PASSWORD, uiFixture, XSS } from '../../helpers/ui-fixture.js';
import { createOrg } from '../../../src/services/orgs.js';

const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';


t.test('web UI pages', async (t) => {
  const { pky, app } = await uiFixture(t);
  const as: Record<string, Browser> = {};
  for (const login of ['root', 'alice', 'eve', 'frank', 'carol', 'dave']) as[login] = await signIn(app, login, PASSWORD);
  const { root, alice, eve, frank, carol, dave } = as as Record<'root' | 'alice' | 'eve' | 'frank' | 'carol' | 'dave', Browser>;
  const anon = browser(app);

  await t.test('home lists the organizations each user may read', async (t) => {
    const orgsOf = async (b: Browser) => [...(await b.get('/')).body.matchAll(/<a href="\/([a-z0-9-]+)\/"><strong>/g)].map((m) => m[1]);
    t.same(await orgsOf(root), ['acme', 'corp'], 'admin: all');
    t.same(await orgsOf(alice), ['acme']);
    t.same(await orgsOf(carol), ['corp']);
    t.same(await orgsOf(dave), ['corp']);
    t.same(await orgsOf(eve), []);
    t.match((await eve.get('/')).body, /You do not belong to any organization yet/);
    t.equal((await anon.get('/')).statusCode, 303);
  });

  await t.test('org page: packages by permission, 404 for outsiders, composer set-up for this host', async (t) => {
    const names = async (b: Browser, url: string) => [...(await b.get(url)).body.matchAll(/<a href="\/[a-z0-9-]+\/-\/packages\/([^"]+)">/g)].map((m) => m[1]);
    t.same(await names(root, '/acme/'), ['acme/foo']);
    t.same(await names(alice, '/acme/'), ['acme/foo'], 'members of an unsynced org read all');
    t.same(await names(root, '/corp/'), ['corp/secret', 'corp/shared']);
    t.same(await names(frank, '/corp/'), ['corp/secret', 'corp/shared'], 'owner reads all');
    t.same(await names(carol, '/corp/'), ['corp/shared'], 'only what her team may read');
    t.same(await names(dave, '/corp/'), [], 'member in no team sees no package');
    for (const [b, url] of [[eve, '/acme/'], [carol, '/acme/'], [alice, '/corp/'], [root, '/nope/'], [root, '/NOT_AN_ORG/']] as const) {
      const r = await b.get(url);
      t.equal(r.statusCode, 404, url);
      t.match(r.headers['content-type'], /text\/html/);
    }
    t.equal((await anon.get('/acme/')).headers.location, '/login?next=%2Facme%2F');
    const page = await alice.get('/acme');
    t.equal(page.statusCode, 200);
    t.match(page.headers['content-security-policy'], /default-src 'self'/);
    t.match(page.body, `composer config repositories.acme composer ${pky.url}/acme/`);
    t.match(page.body, `composer config --auth http-basic.${new URL(pky.url).host} token YOUR_TOKEN`);
    t.match(page.body, 'composer config secure-http false', 'plain http needs secure-http off');
    t.match(page.body, /<button type="button" class="copy" data-copy="composer-setup">/);
    t.match(page.body, /hx-get="\/acme\/-\/packages" hx-trigger="input changed delay:200ms, search" hx-target="#package-rows"/);
    t.notMatch(page.body, /packages\.json|\/p2\/|\/dists\/|\/downloads/, 'no composer API paths in the UI');
  });

  await t.test('search as you type returns only the rows', async (t) => {
    const hx = { 'hx-request': 'true' };
    const r = await alice.get('/acme/-/packages?q=FOO', hx);
    t.equal(r.statusCode, 200);
    t.notMatch(r.body, /<html/, 'a fragment, not a page');
    t.match(r.body, /<tr>/);
    t.match(r.body, 'acme/foo');
    t.match((await alice.get('/acme/-/packages?q=alert', hx)).body, 'acme/foo', 'searches descriptions too');
    const none = await alice.get(`/acme/-/packages?q=${encodeURIComponent('%<b>')}`, hx);
    t.match(none.body, 'No package matches &quot;%&lt;b&gt;&quot;.');
    t.notMatch((await carol.get('/corp/-/packages?q=secret', hx)).body, 'corp/secret', 'search never shows hidden packages');
    const full = await alice.get('/acme/-/packages?q=foo');
    t.match(full.body, /<html/, 'without htmx: the whole page');
    t.match(full.body, 'value="foo"');
    t.equal((await eve.get('/acme/-/packages?q=foo', hx)).statusCode, 404);
  });

  await t.test('package page: versions, references, skipped refs, hook, escaped text', async (t) => {
    const r = await alice.get('/acme/-/packages/acme/foo');
    t.equal(r.statusCode, 200);
    t.notMatch(r.body, XSS, 'never raw');
    t.match(r.body, `Foo ${ESCAPED}`, 'description escaped');
    t.match(r.body, `bad ${ESCAPED} ref`, 'skip reason escaped');
    t.match(r.body, /<strong>v1\.0\.0<\/strong><\/td><td><span class="badge">stable<\/span>/, "version and stability");
    t.match(r.body, /<strong>dev-main<\/strong>/);
    t.match(r.body, /<code>php<\/code> &gt;=8\.1/);
    t.match(r.body, /<code>php<\/code> &gt;=8\.2/);
    t.match(r.body, /<span class="muted">tag<\/span> v1\.0\.0<br><code>[0-9a-f]{12}<\/code>/, 'source reference');
    t.match(r.body, /<span class="muted">tag<\/span> v1\.1\.0/, 'the broken tag is listed as skipped');
    t.match(r.body, /Generic hook URL<\/dt><dd>[^]*<input id="hook-url" class="secret" type="text" readonly value="http:\/\/127\.0\.0\.1:\d+\/hooks\/generic\/[A-Za-z0-9_-]{32}"/, 'shown to a member who may manage it');
    t.match(r.body, /hx-post="\/acme\/-\/packages\/acme\/foo\/update"/);
    t.equal((await root.get('/acme/-/packages/ACME/FOO')).statusCode, 200, 'names are case-insensitive');
    t.equal((await carol.get('/corp/-/packages/corp/shared')).statusCode, 200);
    for (const [b, url] of [[carol, '/corp/-/packages/corp/secret'], [dave, '/corp/-/packages/corp/shared'], [eve, '/acme/-/packages/acme/foo'], [alice, '/acme/-/packages/acme/nope']] as const) {
      t.equal((await b.get(url)).statusCode, 404, url);
    }
    t.equal((await anon.get('/acme/-/packages/acme/foo')).statusCode, 303);
  });

  await t.test('Update now: enqueues and the job fragment polls until done', async (t) => {
    t.equal((await alice.post('/acme/-/packages/acme/foo/update', {}, { 'hx-request': 'true' })).statusCode, 403, 'no token');
    t.equal((await eve.post('/acme/-/packages/acme/foo/update', {}, { 'x-csrf-token': eve.csrf })).statusCode, 404, 'outsider');
    t.equal((await dave.post('/corp/-/packages/corp/shared/update', {}, { 'x-csrf-token': dave.csrf })).statusCode, 404, 'member without the team');
    const r = await alice.post('/acme/-/packages/acme/foo/update', {}, { 'hx-request': 'true', 'x-csrf-token': alice.csrf });
    t.equal(r.statusCode, 202);
    const m = /hx-get="(\/acme\/-\/packages\/acme\/foo\/jobs\/(\d+))" hx-trigger="every 500ms" hx-swap="outerHTML"/.exec(r.body);
    t.ok(m, 'the fragment polls');
    const poll = m?.[1] ?? '';
    const done = await waitFor('the update job', async () => {
      const f = await alice.get(poll, { 'hx-request': 'true' });
      return /<strong>(done|failed)<\/strong>/.test(f.body) ? f : null;
    });
    t.match(done.body, '<strong>done</strong> (no change)', 'what the update changed');
    t.notMatch(done.body, /hx-trigger/, 'polling stops');
    t.equal((await eve.get(poll)).statusCode, 404);
    const otherJob = pky.deps.queue.enqueue({ type: 'housekeeping', lockKey: 'housekeeping:test', payload: {}, trigger: 'test' }).job.id;
    t.equal((await alice.get(`/acme/-/packages/acme/foo/jobs/${otherJob}`)).statusCode, 404, 'only this package\'s jobs');
    const form = await alice.post('/acme/-/packages/acme/foo/update', { _csrf: alice.csrf });
    t.equal(form.statusCode, 303, 'without htmx: back to the package page');
  });

  await t.test('hook URL: shown to those who manage the package, copied, replaced after a confirmation; readers never see it', async (t) => {
    const urlOn = (body: string) => /<input id="hook-url" class="secret" type="text" readonly value="([^"]+)"/.exec(body)?.[1] ?? '';
    const page = await alice.get('/acme/-/packages/acme/foo');
    const first = urlOn(page.body);
    t.match(first, new RegExp(`^${pky.url}/hooks/generic/[A-Za-z0-9_-]{32}$`), 'the URL, again, from its sealed token');
    t.equal(page.headers['cache-control'], 'no-store', 'a page with a secret is not cached');
    t.match(page.body, /<button type="button" class="copy" data-copy="hook-url">Copy<\/button>/);
    t.match(page.body, /<a class="button danger" href="\/acme\/-\/packages\/acme\/foo\/hook">Replace…<\/a>/);
    t.equal((await app.inject({ method: 'POST', url: new URL(first).pathname })).statusCode, 202, 'the shown URL works');
    // The delivery shows on the package page (those who manage it) and on Activity (owners).
    t.match((await alice.get('/acme/-/packages/acme/foo')).body, /<h2>Hook deliveries<\/h2>[^]*<td>script<\/td>[^]*(?:queued|coalesced): update job \d+/);

    const confirm = await alice.get('/acme/-/packages/acme/foo/hook');
    t.equal(confirm.statusCode, 200, 'Replace… asks first (works without JavaScript)');
    t.match(confirm.body, /<form method="post" action="\/acme\/-\/packages\/acme\/foo\/hook" class="confirm"><input type="hidden" name="_csrf"/);
    t.match(confirm.body, 'stops working at once');
    t.equal((await alice.post('/acme/-/packages/acme/foo/hook', {})).statusCode, 403, 'CSRF token needed');
    const r = await alice.post('/acme/-/packages/acme/foo/hook', { _csrf: alice.csrf });
    t.equal(r.statusCode, 201);
    t.match(r.body, 'Replaced: the old URL no longer works.');
    const second = urlOn(r.body);
    t.match(second, `${pky.url}/hooks/generic/`);
    t.not(second, first);
    t.equal((await app.inject({ method: 'POST', url: new URL(first).pathname })).statusCode, 404, 'the old URL is gone');
    t.equal((await app.inject({ method: 'POST', url: new URL(second).pathname })).statusCode, 202, 'the new hook URL works');
    t.equal(urlOn((await alice.get('/acme/-/packages/acme/foo')).body), second, 'and is shown from then on');
    const audit = pky.deps.sqlite.prepare(`SELECT actor, target FROM audit_log WHERE action = 'package.hook-rotate' ORDER BY id DESC LIMIT 1`).get() as { actor: string; target: string };
    t.match(audit, { actor: 'ui:alice', target: 'acme/foo' }, 'audited');

    // corp/shared has no hook yet: its owner makes one; carol (a reader) only learns that it is set.
    t.match((await frank.get('/corp/-/packages/corp/shared')).body, 'Create a hook URL…');
    const made = await frank.post('/corp/-/packages/corp/shared/hook', { _csrf: frank.csrf });
    t.equal(made.statusCode, 201, 'the owner may');
    const azure = JSON.stringify({ eventType: 'git.push', publisherId: 'tfs', resource: { refUpdates: [{ name: 'refs/tags/v9.9.9' }] } });
    t.equal((await app.inject({ method: 'POST', url: new URL(urlOn(made.body)).pathname, headers: { 'content-type': 'application/json' }, payload: azure })).statusCode, 202);
    const activity = await frank.get('/corp/-/activity');
    t.match(activity.body, /<h2>Generic hook URL deliveries<\/h2>[^]*<a href="\/corp\/-\/packages\/corp\/shared">corp\/shared<\/a><\/td><td>azure-devops <span class="muted">git\.push<\/span><\/td>\s*<td><ul class="refs plain"><li><code>refs\/tags\/v9\.9\.9<\/code>/, 'on Activity');
    const acmeActivity = await root.get('/acme/-/activity');
    t.match(acmeActivity.body, 'acme/foo');
    t.notMatch(acmeActivity.body, 'corp/shared', 'only the organization\'s own');
    const carolPage = await carol.get('/corp/-/packages/corp/shared');
    t.equal(carolPage.statusCode, 200);
    t.notMatch(carolPage.body, /\/hooks\/generic\//, 'a reader never sees the URL');
    t.notMatch(carolPage.body, /\/hook"/, 'nor the Replace link');
    t.notMatch(carolPage.body, /Hook deliveries/, 'nor the deliveries');
    t.match(carolPage.body, 'Set. Those who manage the package see it.');
    t.equal((await carol.get('/corp/-/packages/corp/shared/hook')).statusCode, 403);
    t.equal((await carol.post('/corp/-/packages/corp/shared/hook', { _csrf: carol.csrf })).statusCode, 403);
    t.equal((await eve.get('/acme/-/packages/acme/foo/hook')).statusCode, 404);
    t.equal((await eve.post('/acme/-/packages/acme/foo/hook', { _csrf: eve.csrf })).statusCode, 404);
    t.equal((await dave.get('/corp/-/packages/corp/shared/hook')).statusCode, 404, 'no read, no page');

    // A token stored before this version (hash only): "replace to see".
    pky.deps.sqlite.prepare(`UPDATE packages SET hook_token_hash = ?, hook_token_sealed = NULL WHERE name = 'corp/secret'`).run('0'.repeat(64));
    const old = await frank.get('/corp/-/packages/corp/secret');
    t.match(old.body, 'stored hashed: replace it to see the URL');
    t.notMatch(old.body, /id="hook-url"/);
  });

  await t.test('tokens: create (shown once), use, revoke; CSRF and ownership', async (t) => {
    const page = await alice.get('/acme/-/tokens');
    t.equal(page.statusCode, 200);
    t.match(page.body, 'No tokens yet.');
    t.equal((await eve.get('/acme/-/tokens')).statusCode, 404);
    t.equal((await alice.post('/acme/-/tokens', { name: 'laptop', scope: 'read' })).statusCode, 403);
    const bad = await alice.post('/acme/-/tokens', { _csrf: alice.csrf, name: 'old', scope: 'read', expires: '2001-01-01' });
    t.equal(bad.statusCode, 400);
    t.match(bad.body, 'The expiry date 2001-01-01 is in the past');
    const created = await alice.post('/acme/-/tokens', { _csrf: alice.csrf, name: `ci ${XSS}`, scope: 'update', expires: '2099-12-31' });
    t.equal(created.statusCode, 201);
    t.match(created.headers['cache-control'], 'no-store');
    const token = /<pre id="new-token">(pky_u_[A-Za-z0-9]+)<\/pre>/.exec(created.body)?.[1] ?? '';
    t.ok(token, 'the secret is shown');
    t.notMatch(created.body, XSS);
    t.match(created.body, `ci ${ESCAPED}`);
    const use = await app.inject({ method: 'GET', url: '/acme/packages.json', headers: { authorization: `Bearer ${token}` } });
    t.equal(use.statusCode, 200, 'the token works with composer');
    const again = await alice.get('/acme/-/tokens');
    t.notMatch(again.body, token, 'shown only once');
    t.match(again.body, /<td>update<\/td>/);
    t.match(again.body, '2099-12-31');
    t.notMatch(again.body, /<td class="time">never<\/td><td>/, 'last used is recorded');
    const id = /href="\/acme\/-\/tokens\/(\d+)\/revoke"/.exec(again.body)?.[1] ?? '';
    t.equal((await carol.post(`/acme/-/tokens/${id}/revoke`, { _csrf: carol.csrf })).statusCode, 404, 'outsider');
    t.equal((await root.get(`/acme/-/tokens/${id}/revoke`)).statusCode, 200, 'an admin may revoke any token (its confirmation page)');
    t.match((await alice.get(`/acme/-/tokens/${id}/revoke`)).body, /your token .* stops working on its next request/);
    t.equal((await alice.post(`/acme/-/tokens/${id}/revoke`, {})).statusCode, 403, 'no CSRF token');
    const revoked = await alice.post(`/acme/-/tokens/${id}/revoke`, { _csrf: alice.csrf });
    t.equal(revoked.statusCode, 303);
    t.equal((await app.inject({ method: 'GET', url: '/acme/packages.json', headers: { authorization: `Bearer ${token}` } })).statusCode, 401, 'revoked');
    t.match((await alice.get('/acme/-/tokens')).body, /revoked \d{4}-/);
    t.equal((await alice.post(`/acme/-/tokens/${id}/revoke`, { _csrf: alice.csrf })).statusCode, 404, 'already revoked');
  });

  await t.test('organization (CI) tokens: only those who manage the organization', async (t) => {
    const carolPage = await carol.get('/corp/-/tokens');
    t.equal(carolPage.statusCode, 200);
    t.notMatch(carolPage.body, 'Organization tokens', 'a member sees only her own');
    t.notMatch(carolPage.body, 'name="owner"');
    t.equal((await carol.post('/corp/-/tokens', { _csrf: carol.csrf, owner: 'org', scope: 'read' })).statusCode, 403);
    const franksPage = await frank.get('/corp/-/tokens');
    t.match(franksPage.body, 'Other tokens reaching corp');
    const created = await frank.post('/corp/-/tokens', { _csrf: frank.csrf, owner: 'org', scope: 'read', name: 'corp CI' });
    t.equal(created.statusCode, 201);
    const token = /<pre id="new-token">(pky_o_[A-Za-z0-9]+)<\/pre>/.exec(created.body)?.[1] ?? '';
    t.ok(token, 'an organization token');
    const listing = await app.inject({ method: 'GET', url: '/corp/packages.json', headers: { authorization: `Bearer ${token}` } });
    t.same(listing.json()['available-packages'], ['corp/secret', 'corp/shared'], 'an organization token reads every package');
    const id = /href="\/corp\/-\/tokens\/(\d+)\/revoke"/.exec((await frank.get('/corp/-/tokens')).body)?.[1] ?? '';
    t.equal((await carol.post(`/corp/-/tokens/${id}/revoke`, { _csrf: carol.csrf })).statusCode, 404, 'a member cannot revoke it');
    t.equal((await root.post(`/corp/-/tokens/${id}/revoke`, { _csrf: root.csrf })).statusCode, 303, 'an admin can');
    t.equal((await app.inject({ method: 'GET', url: '/corp/packages.json', headers: { authorization: `Bearer ${token}` } })).statusCode, 401);
  });

  await t.test('package list: 100 rows a page with a "more" row, filtered before paging; default branch descriptions', async (t) => {
    const sqlite = pky.deps.sqlite;
    const now = Date.now();
    const big = createOrg(pky.deps.db, 'big', 'test', { sync: { integration: 'ghe', source: 'big' } });
    const uid = (login: string) => (sqlite.prepare('SELECT id FROM users WHERE login = ?').get(login) as { id: number }).id;
    const member = sqlite.prepare(`INSERT INTO org_members (org_id, user_id, role, source, created_at) VALUES (?, ?, ?, 'sync', ?)`);
    member.run(big.id, uid('frank'), 'owner', now);
    member.run(big.id, uid('carol'), 'member', now);
    const team = (sqlite.prepare(`INSERT INTO teams (org_id, slug, name, created_at) VALUES (?, 'half', 'Half', ?) RETURNING id`).get(big.id, now) as { id: number }).id;
    sqlite.prepare(`INSERT INTO team_members (team_id, user_id, role) VALUES (?, ?, 'member')`).run(team, uid('carol'));
    const pkg = sqlite.prepare(`INSERT INTO packages (org_id, name, url, vcs_type, default_branch, status, created_at) VALUES (?, ?, ?, 'git', ?, 'ok', ?) RETURNING id`);
    const version = sqlite.prepare(
      `INSERT INTO versions (package_id, version, normalized, is_dev, ref_kind, ref_name, "commit", stability, data, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (let i = 0; i < 230; i++) {
      const n = String(i).padStart(3, '0');
      // p-005 has no default branch (its description is its first version's).
      const id = (pkg.get(big.id, `big/p-${n}`, `https://git.example/big/p-${n}.git`, i === 5 ? 'gone' : 'main', now) as { id: number }).id;
      version.run(id, 'v1.0.0', '1.0.0.0', 0, 'tag', 'v1.0.0', 'a'.repeat(40), 'stable', JSON.stringify({ description: `tag of ${n}` }), 0);
      version.run(id, 'v0.9.0', '0.9.0.0', 0, 'tag', 'v0.9.0', 'c'.repeat(40), 'stable', JSON.stringify({ description: `old tag of ${n}` }), 1);
      version.run(id, 'dev-main', 'dev-main', 1, 'branch', 'main', 'b'.repeat(40), 'dev', JSON.stringify({ description: `main of ${n}` }), 2);
      if (i % 2 === 0) sqlite.prepare(`INSERT INTO package_access (package_id, team_id, permission, source, created_at) VALUES (?, ?, 'pull', 'sync', ?)`).run(id, team, now);
    }
    const hx = { 'hx-request': 'true' };
    const names = (body: string) => [...body.matchAll(/<a href="\/big\/-\/packages\/big\/(p-\d+)">/g)].map((m) => m[1]);
    const range = (from: number, to: number, step = 1) => Array.from({ length: Math.ceil((to - from) / step) }, (_, k) => `p-${String(from + k * step).padStart(3, '0')}`);
    const moreOf = (body: string) => /<tr id="package-more"><td colspan="3"><a href="([^"]+)" hx-get="\1" hx-target="#package-more" hx-swap="outerHTML">More packages \((\d+) more\)<\/a>/.exec(body);

    const first = await frank.get('/big/');
    t.same(names(first.body), range(0, 100), 'the first 100, in name order');
    t.same(moreOf(first.body)?.slice(1), ['/big/-/packages?offset=100', '130'], 'then a "more" row');
    t.match(first.body, 'main of 000', "the default branch's description");
    t.notMatch(first.body, 'tag of 000');
    t.match(first.body, /big\/p-005<\/a>\s*<div class="desc">tag of 005<\/div>/, 'without it, the first version\'s');
    const second = await frank.get('/big/-/packages?offset=100', hx);
    t.notMatch(second.body, /<html/, 'a fragment');
    t.same(names(second.body), range(100, 200));
    t.equal(moreOf(second.body)?.[1], '/big/-/packages?offset=200');
    const last = await frank.get('/big/-/packages?offset=200', hx);
    t.same(names(last.body), range(200, 230));
    t.equal(moreOf(last.body), null, 'no "more" row on the last page');
    const plain = await frank.get('/big/-/packages?offset=200');
    t.match(plain.body, /<html/, 'without htmx the link opens a whole page');
    t.same(names(plain.body), range(200, 230));
    t.same(names((await frank.get('/big/-/packages?offset=abc', hx)).body), range(0, 100), 'a malformed offset is the first page');

    const search = await frank.get('/big/-/packages?q=p-1', hx);
    t.same(names(search.body), range(100, 200), 'exactly one page of matches');
    t.equal(moreOf(search.body), null);
    t.equal(moreOf((await frank.get('/big/-/packages?q=p-', hx)).body)?.[1], '/big/-/packages?q=p-&amp;offset=100', 'the search is kept');

    const carols = await carol.get('/big/');
    t.same(names(carols.body), range(0, 200, 2), 'a member pages through what she may read');
    t.equal(moreOf(carols.body)?.[2], '15');
    t.same(names((await carol.get('/big/-/packages?offset=100', hx)).body), range(200, 230, 2));
    const counts = async (b: Browser) => /<strong>big<\/strong><\/a>\s*<span class="meta">[^·]+· (\d+) packages/.exec((await b.get('/')).body)?.[1];
    t.equal(await counts(frank), '230', 'home counts every package for an owner');
    t.equal(await counts(carol), '115', 'and only the readable ones for a member');
  });

  await t.test('every state-changing route refuses a missing, wrong or cross-site CSRF token', async (t) => {
    const routes = ['/logout', '/acme/-/packages/acme/foo/update', '/acme/-/packages/acme/foo/hook', '/acme/-/tokens', '/acme/-/tokens/1/revoke'];
    for (const url of routes) {
      const missing = await alice.post(url, { name: 'x' });
      t.equal(missing.statusCode, 403, `${url}: missing`);
      t.match(missing.body, 'security token');
      t.equal((await alice.post(url, { _csrf: 'wrong' })).statusCode, 403, `${url}: wrong field`);
      t.equal((await alice.post(url, {}, { 'x-csrf-token': root.csrf })).statusCode, 403, `${url}: another session's token`);
      t.equal((await alice.post(url, { _csrf: alice.csrf }, { origin: 'https://evil.example' })).statusCode, 403, `${url}: foreign Origin`);
      t.equal((await anon.post(url, { _csrf: alice.csrf })).statusCode, 403, `${url}: no session`);
    }
    t.equal((await alice.get('/')).statusCode, 200, 'still signed in');
    t.ok(csrfOf((await alice.get('/')).body));
  });
});
