// The organization's admin pages for every kind of visitor: add a package (by URL and from the
// synced forge's repositories), teams and members, settings with "Sync now" and "Preview sync"
// (a stub forge), activity with webhook deliveries and "Replay", the audit log's pages; escaping
// of forge and user text, and CSRF on every write.
import t from 'tap';
import { waitFor } from '../../helpers/wait.js';
import { join } from 'node:path';
import { browser, signIn, type Browser } from '../../helpers/ui.js';
import { PASSWORD, uiFixture, XSS } from '../../helpers/ui-fixture.js';
import { createGitRepo, makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { ForgeError } from '../../../src/forges/types.js';
import type { ForgeFactory } from '../../../src/sync/forges.js';
import { FakeForge } from '../../fakes/forge.js';

const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';


const pushedAt = '2026-01-01T00:00:00Z';
const fake = new FakeForge({
  org: { id: 'o1', login: 'corp' },
  users: [{ id: '101', login: 'frank' }, { id: '201', login: 'newbie' }],
  owners: ['101'],
  members: ['201'],
  teams: [{ id: 't-core', slug: 'core', name: 'Core', members: ['201'] }],
  repositories: [{ id: 'r1', fullName: 'corp/tool', pushedAt }, { id: 'r2', fullName: 'corp/misc', pushedAt }],
}, { integrationId: 'ghe' });
const closed = new ForgeError('unavailable', 'the test forge is closed');
/** The forge answers only while a preview runs: the queued sync jobs fail closed and change nothing. */
const forge = {
  set open(open: boolean) {
    fake.fail.snapshot = open ? null : closed;
  },
};
forge.open = false;
fake.fail.codeCredential = closed;
fake.fail.ensureWebhook = new ForgeError('unavailable', 'not used');
const stubForge: ForgeFactory = () => fake;

t.test('organization admin pages', async (t) => {
  const yaml = ['integrations:', '  - id: ghe', '    type: github', '    url: "https://github.example"', '    token: "test-token"'].join('\n');
  const { pky, app } = await uiFixture(t, { yaml, forgeFactory: stubForge });
  const sqlite = pky.deps.sqlite;
  const now = Date.now();
  const corpId = (sqlite.prepare(`SELECT id FROM organizations WHERE name = 'corp'`).get() as { id: number }).id;
  const acmeId = (sqlite.prepare(`SELECT id FROM organizations WHERE name = 'acme'`).get() as { id: number }).id;
  const uid = (login: string) => (sqlite.prepare('SELECT id FROM users WHERE login = ?').get(login) as { id: number }).id;
  // A nested team with a hostile name that reads corp/secret (carol is not in it).
  const devs = (sqlite.prepare(`SELECT id FROM teams WHERE slug = 'devs'`).get() as { id: number }).id;
  const evil = (sqlite.prepare(`INSERT INTO teams (org_id, slug, name, parent_id, created_at) VALUES (?, 'evil', ?, ?, ?) RETURNING id`).get(corpId, `Evil ${XSS}`, devs, now) as { id: number }).id;
  sqlite.prepare(`INSERT INTO team_members (team_id, user_id, role) VALUES (?, ?, 'maintainer')`).run(evil, uid('frank'));
  const secret = (sqlite.prepare(`SELECT id FROM packages WHERE name = 'corp/secret'`).get() as { id: number }).id;
  sqlite.prepare(`INSERT INTO package_access (package_id, team_id, permission, source, created_at) VALUES (?, ?, 'push', 'sync', ?)`).run(secret, evil, now);
  // The last sync's repositories: two are not packages yet.
  const forgeRepo = sqlite.prepare(
    `INSERT INTO forge_repos (org_id, integration, external_id, full_name, default_branch, visibility, archived, clone_url, pushed_at, composer, updated_at)
     VALUES (?, 'ghe', ?, ?, 'main', 'private', 0, ?, '2026-01-01T00:00:00Z', ?, ?)`,
  );
  forgeRepo.run(corpId, 'r1', 'corp/tool', 'https://git.example/corp/tool.git', 'yes', now);
  forgeRepo.run(corpId, 'r2', 'corp/misc', 'https://git.example/corp/misc.git', 'no', now);
  // A credential of acme whose name carries markup.
  sqlite.prepare(`INSERT INTO credentials (org_id, name, type, secret, info, created_at, updated_at) VALUES (?, ?, 'token', ?, '{}', ?, ?)`)
    .run(acmeId, `deploy${XSS}`, Buffer.from('x'), now, now);

  const as: Record<string, Browser> = {};
  for (const login of ['root', 'alice', 'eve', 'frank', 'carol', 'dave']) as[login] = await signIn(app, login, PASSWORD);
  const { root, alice, eve, frank, carol, dave } = as as Record<'root' | 'alice' | 'eve' | 'frank' | 'carol' | 'dave', Browser>;
  const anon = browser(app);
  const hx = (b: Browser) => ({ 'hx-request': 'true', 'x-csrf-token': b.csrf });

  await t.test('who may open which page: allowed, 404 when hidden, login for anonymous', async (t) => {
    const cases: [Browser, string, number][] = [
      [root, '/acme/-/packages/new', 200], [alice, '/acme/-/packages/new', 200], [eve, '/acme/-/packages/new', 404], [carol, '/acme/-/packages/new', 404],
      [frank, '/corp/-/packages/new', 200], [carol, '/corp/-/packages/new', 404], [dave, '/corp/-/packages/new', 404],
      [root, '/corp/-/teams', 200], [frank, '/corp/-/teams', 200], [carol, '/corp/-/teams', 200], [dave, '/corp/-/teams', 200], [alice, '/acme/-/teams', 200],
      [eve, '/corp/-/teams', 404], [alice, '/corp/-/teams', 404],
    ];
    for (const page of ['settings', 'activity', 'audit']) {
      cases.push([root, `/acme/-/${page}`, 200], [root, `/corp/-/${page}`, 200], [frank, `/corp/-/${page}`, 200],
        [alice, `/acme/-/${page}`, 404], [carol, `/corp/-/${page}`, 404], [dave, `/corp/-/${page}`, 404], [eve, `/corp/-/${page}`, 404], [frank, `/acme/-/${page}`, 404]);
    }
    for (const [b, url, status] of cases) {
      const r = await b.get(url);
      t.equal(r.statusCode, status, `${url} ${status}`);
      t.match(r.headers['content-type'], /text\/html/);
    }
    for (const url of ['/acme/-/packages/new', '/corp/-/teams', '/corp/-/settings', '/corp/-/activity', '/corp/-/audit']) {
      const r = await anon.get(url);
      t.equal(r.statusCode, 303, `${url}: anonymous`);
      t.equal(r.headers.location, `/login?next=${encodeURIComponent(url)}`);
    }
  });

  await t.test('the org page links to the pages each user may open', async (t) => {
    const links = async (b: Browser, org: string) => [...(await b.get(`/${org}/`)).body.matchAll(new RegExp(`<a class="org-link" href="/${org}/-/(packages/new|teams|settings|activity|audit)">`, 'g'))].map((m) => m[1]);
    t.same(await links(alice, 'acme'), ['packages/new', 'teams']);
    t.same(await links(frank, 'corp'), ['packages/new', 'teams', 'settings', 'activity', 'audit']);
    t.same(await links(root, 'acme'), ['packages/new', 'teams', 'settings', 'activity', 'audit']);
    t.same(await links(carol, 'corp'), ['teams']);
  });

  await t.test('add a package by URL: queues the import; validation errors in the form; CSRF', async (t) => {
    const page = await alice.get('/acme/-/packages/new');
    t.match(page.body, /<option value="" selected>from the URL \(svn:\/\/ is svn, else git\)<\/option>/, 'the type follows the URL by default');
    t.notMatch(page.body, 'name="credential"', 'a member picks no credential: attaching one is an owner\'s action');
    t.notMatch(page.body, XSS);
    const adminPage = await root.get('/acme/-/packages/new');
    t.match(adminPage.body, `<option value="deploy${ESCAPED}">deploy${ESCAPED} (token; not bound to a host yet: bound to this URL&#39;s host)</option>`, 'credential names escaped, with their hosts');
    t.notMatch(adminPage.body, XSS);
    t.notMatch(page.body, 'Repositories on', 'no forge list for an unsynced org');

    t.equal((await alice.post('/acme/-/packages/new', { url: 'https://git.example/x.git', type: 'git' })).statusCode, 403, 'no CSRF token');
    t.equal((await eve.post('/acme/-/packages/new', { _csrf: eve.csrf, url: 'https://git.example/x.git' })).statusCode, 404, 'outsider');
    t.equal((await carol.post('/corp/-/packages/new', { _csrf: carol.csrf, url: 'https://git.example/x.git' })).statusCode, 404, 'member of a synced org');

    const bad = await alice.post('/acme/-/packages/new', { _csrf: alice.csrf, url: `ftp://git.example/${XSS}`, type: 'git', credential: '' });
    t.equal(bad.statusCode, 400);
    t.match(bad.body, /<p class="error" role="alert">[^<]*ftp/, 'the reason from AppError');
    t.notMatch(bad.body, XSS);
    t.match(bad.body, `value="ftp://git.example/${ESCAPED}"`, 'the form keeps the input, escaped');
    const dup = await alice.post('/acme/-/packages/new', { _csrf: alice.csrf, url: (sqlite.prepare(`SELECT url FROM packages WHERE name = 'acme/foo'`).get() as { url: string }).url, type: 'git' });
    t.equal(dup.statusCode, 400);
    t.match(dup.body, 'already has a package for');
    const forged = await alice.post('/acme/-/packages/new', { _csrf: alice.csrf, url: 'http://attacker.example:8080/x.git', credential: `deploy${XSS}` });
    t.equal(forged.statusCode, 403, 'a member posting a credential anyway is refused');
    t.match(forged.body, 'Only owners of the organization can attach a credential');
    t.notOk(sqlite.prepare(`SELECT id FROM packages WHERE url = 'http://attacker.example:8080/x.git'`).get(), 'no package');
    const noCred = await root.post('/acme/-/packages/new', { _csrf: root.csrf, url: 'https://git.example/y.git', type: 'git', credential: 'nope' });
    t.equal(noCred.statusCode, 400, 'unknown credential');
    t.match(noCred.body, /class="error"/);
    const query = await alice.post('/acme/-/packages/new', { _csrf: alice.csrf, url: 'https://git.example/y.git?access_token=SECRET-in-query' });
    t.equal(query.statusCode, 400, 'a query string is refused');
    t.match(query.body, /package URLs may not carry a query string \(\?access_token=…\)/i);
    t.match(query.body, 'use a credential (packyard credential add) instead.');
    t.notMatch(query.body, 'SECRET-in-query', 'neither in the message nor in the form');
    const svn = await alice.post('/acme/-/packages/new', { _csrf: alice.csrf, url: 'svn://127.0.0.1:9/repo', type: '' });
    t.equal(svn.statusCode, 303, 'svn:// added without a type');
    t.match(sqlite.prepare(`SELECT vcs_type AS type FROM packages WHERE url = 'svn://127.0.0.1:9/repo'`).get(), { type: 'svn' }, 'the type follows the URL');
    const badType = await alice.post('/acme/-/packages/new', { _csrf: alice.csrf, url: 'https://git.example/y.git', type: 'cvs' });
    t.equal(badType.statusCode, 400);
    t.match(badType.body, 'Unknown repository type');

    const work = await makeTempDir('pky-admin-');
    t.teardown(() => removeDir(work));
    const bar = await createGitRepo(join(work, 'bar'), { defaultBranch: 'main' });
    await bar.commit({ 'composer.json': JSON.stringify({ name: 'acme/bar' }) }, 'one');
    const before = (sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE type = 'update-package'`).get() as { n: number }).n;
    const ok = await root.post('/acme/-/packages/new', { _csrf: root.csrf, url: bar.dir, type: 'git', credential: `deploy${XSS}` });
    t.equal(ok.statusCode, 303);
    t.match(ok.headers.location, /^\/acme\/-\/packages\/new\/jobs\/\d+$/, 'to the import page');
    const pkg = sqlite.prepare(`SELECT p.id, c.name AS credential FROM packages p LEFT JOIN credentials c ON c.id = p.credential_id WHERE p.url = ?`).get(bar.dir) as { id: number; credential: string };
    t.equal(pkg.credential, `deploy${XSS}`, 'with the chosen credential');
    t.ok(sqlite.prepare(`SELECT id FROM jobs WHERE type = 'update-package' AND lock_key = ?`).get(`package:${pkg.id}`), 'the import is queued');
    t.ok((sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE type = 'update-package'`).get() as { n: number }).n > before);
    t.ok(sqlite.prepare(`SELECT id FROM audit_log WHERE action = 'package.add' AND target = ? AND actor = 'ui:root'`).get(bar.dir), 'audited');
    t.match((await root.get(ok.headers.location as string)).body, bar.dir, 'the import page names the repository');
    t.match((await alice.get(`/acme/-/packages?q=${encodeURIComponent(bar.dir)}`)).body, bar.dir, 'the package list shows it');
  });

  await t.test('add from the synced repositories: one click, the row shows the import', async (t) => {
    const page = await frank.get('/corp/-/packages/new');
    t.match(page.body, 'Repositories on ghe that are not packages');
    t.match(page.body, /<tr id="repo-corp-tool"><td>corp\/tool<\/td>\s*<td><span class="badge ok">has composer.json<\/span>/);
    t.match(page.body, /<tr id="repo-corp-misc"><td>corp\/misc<\/td>\s*<td><span class="badge">no composer.json<\/span>/);
    t.match(page.body, /hx-post="\/corp\/-\/packages\/new\/forge" hx-target="#repo-corp-tool" hx-swap="outerHTML"/);
    t.equal((await frank.post('/corp/-/packages/new/forge', { repository: 'corp/tool' }, { 'hx-request': 'true' })).statusCode, 403, 'no CSRF token');
    t.equal((await carol.post('/corp/-/packages/new/forge', { repository: 'corp/tool' }, hx(carol))).statusCode, 404);
    const r = await frank.post('/corp/-/packages/new/forge', { repository: 'corp/tool' }, hx(frank));
    t.equal(r.statusCode, 201);
    t.notMatch(r.body, /<html/, 'a fragment');
    t.match(r.body, /<tr id="repo-corp-tool">.*class="job import (queued|running)"/s);
    t.match(r.body, /hx-get="\/corp\/-\/packages\/new\/jobs\/\d+" hx-trigger="every 500ms"/, 'the row polls the import');
    const row = sqlite.prepare(`SELECT package_id AS packageId FROM forge_repos WHERE external_id = 'r1'`).get() as { packageId: number | null };
    t.ok(row.packageId, 'linked to the new package');
    t.ok(sqlite.prepare(`SELECT id FROM jobs WHERE type = 'update-package' AND lock_key = ?`).get(`package:${row.packageId}`), 'import queued');
    t.ok(sqlite.prepare(`SELECT id FROM jobs WHERE type = 'sync-org' AND lock_key = 'sync:corp'`).get(), 'a sync queued');
    t.notMatch((await frank.get('/corp/-/packages/new')).body, 'repo-corp-tool', 'no longer listed');
    const again = await frank.post('/corp/-/packages/new/forge', { repository: 'corp/tool' }, hx(frank));
    t.equal(again.statusCode, 200);
    t.match(again.body, /<span class="error" role="alert">corp\/tool is already a package of &quot;corp&quot;<\/span>/, 'the reason in the row');
    const plain = await frank.post('/corp/-/packages/new/forge', { _csrf: frank.csrf, repository: 'corp/nope' });
    t.equal(plain.statusCode, 404, 'without htmx: the form page with the error');
    t.match(plain.body, 'no repository corp/nope');
  });

  await t.test('teams and members: nested, roles, readable packages with their source, escaped', async (t) => {
    const page = await carol.get('/corp/-/teams');
    t.match(page.body, 'managed by ghe');
    t.notMatch(page.body, XSS);
    t.match(page.body, `Evil ${ESCAPED}`, 'team name escaped');
    t.match(page.body, /<h3>Devs <span class="muted">devs<\/span><\/h3>[\s\S]*<ul class="teams" aria-label="Teams in Devs"><li class="team"><h3>Evil/, 'the child team is under its parent');
    t.match(page.body, /carol <span class="badge">member<\/span>/);
    t.match(page.body, /frank <span class="badge">maintainer<\/span>/);
    t.match(page.body, /<a href="\/corp\/-\/packages\/corp\/shared">corp\/shared<\/a> <span class="muted">sync: pull<\/span>/);
    t.notMatch(page.body, 'corp/secret', 'a package carol may not read is not named');
    t.match(page.body, /<tr><td>frank<\/td><td>owner<\/td><td>sync \(ghe\)<\/td><\/tr>/);
    t.match(page.body, /<tr><td>carol<\/td><td>member<\/td>/);
    const franks = await frank.get('/corp/-/teams');
    t.match(franks.body, /corp\/secret<\/a> <span class="muted">sync: push<\/span>/, 'the owner sees every package');
    const acme = await alice.get('/acme/-/teams');
    t.notMatch(acme.body, 'managed by');
    t.match(acme.body, /<tr><td>alice<\/td><td>member<\/td><td>local<\/td><\/tr>/);
  });

  await t.test('settings: sync facts and runs; Sync now queues a job whose fragment polls', async (t) => {
    sqlite.prepare(`INSERT INTO sync_runs (org_id, trigger, status, started_at, finished_at, summary, error) VALUES (?, 'schedule', 'failed', ?, ?, NULL, ?)`)
      .run(corpId, now - 5000, now - 4000, `forge said ${XSS}`);
    sqlite.prepare(`INSERT INTO sync_runs (org_id, trigger, status, started_at, finished_at, summary, notes) VALUES (?, 'schedule', 'unchanged', ?, ?, '{}', ?)`)
      .run(corpId, now - 3000, now - 2000, JSON.stringify([`Groups are not shown ${XSS}`]));
    const page = await frank.get('/corp/-/settings');
    t.match(page.body, /<dt>Integration<\/dt><dd>ghe<\/dd>/);
    t.match(page.body, /<dt>Source<\/dt><dd><code>corp<\/code><\/dd>/);
    t.match(page.body, /<span class="badge error">failed<\/span>/);
    t.match(page.body, `forge said ${ESCAPED}`);
    t.match(page.body, `<li>Note: Groups are not shown ${ESCAPED}</li>`, "the run's notes, escaped");
    t.notMatch(page.body, XSS);
    t.match((await root.get('/acme/-/settings')).body, 'Not synced with a forge');
    t.equal((await frank.post('/corp/-/settings/sync', {}, { 'hx-request': 'true' })).statusCode, 403, 'no CSRF token');
    t.equal((await carol.post('/corp/-/settings/sync', {}, hx(carol))).statusCode, 404);
    t.equal((await root.post('/acme/-/settings/sync', {}, hx(root))).statusCode, 400, 'an unsynced org');
    const r = await frank.post('/corp/-/settings/sync', {}, hx(frank));
    t.equal(r.statusCode, 202);
    const m = /hx-get="(\/corp\/-\/settings\/sync\/jobs\/(\d+))" hx-trigger="every 1s" hx-swap="outerHTML"/.exec(r.body);
    t.ok(m, 'the fragment polls');
    const job = sqlite.prepare(`SELECT type, lock_key AS lockKey, trigger FROM jobs WHERE id = ?`).get(Number(m?.[2])) as { type: string; lockKey: string; trigger: string };
    t.same(job, { type: 'sync-org', lockKey: 'sync:corp', trigger: 'ui:frank' });
    const done = await waitFor('the sync job', async () => {
      const f = await frank.get(m?.[1] ?? '', { 'hx-request': 'true' });
      return /<strong>(done|failed)<\/strong>/.test(f.body) ? f : null;
    });
    t.match(done.body, '<strong>failed</strong>', 'the closed test forge: the sync fails closed');
    t.match(done.body, 'the test forge is closed');
    t.notMatch(done.body, /hx-trigger/, 'polling stops');
    t.equal((await carol.get(m?.[1] ?? '')).statusCode, 404);
    const other = pky.deps.queue.enqueue({ type: 'housekeeping', lockKey: 'housekeeping:x', payload: {}, trigger: 'test' }).job.id;
    t.equal((await frank.get(`/corp/-/settings/sync/jobs/${other}`)).statusCode, 404, 'only this org\'s sync jobs');
    t.equal((await frank.post('/corp/-/settings/sync', { _csrf: frank.csrf })).statusCode, 303, 'without htmx: back to the settings');
    await waitFor('the second sync', async () => ((await frank.get('/corp/-/settings')).body.includes('id="sync-status" class="job') ? null : true));
    const runs = await frank.get('/corp/-/settings');
    t.match(runs.body, /<td>ui:frank<\/td>/, 'the UI-triggered run is listed');
  });

  await t.test('activity: jobs and deliveries, escaped; Replay queues the same again', async (t) => {
    const tool = (sqlite.prepare(`SELECT package_id AS id FROM forge_repos WHERE external_id = 'r1'`).get() as { id: number }).id;
    const delivery = sqlite.prepare(`INSERT INTO deliveries (integration, delivery_id, event, action, received_at, status, outcome) VALUES ('ghe', ?, ?, ?, ?, ?, ?) RETURNING id`);
    const push = (delivery.get('d-push', 'push', null, now - 3000, 'accepted', 'push on corp/tool: update queued (jobs 1)') as { id: number }).id;
    const member = (delivery.get('d-member', 'membership', 'added', now - 2000, 'accepted', 'membership added: sync of corp queued (jobs 2)') as { id: number }).id;
    const evilD = (delivery.get('d-evil', 'ping', null, now - 1000, 'ignored', `event ${XSS} is not used`) as { id: number }).id;
    // Another organization syncs from the same integration: its deliveries stay its own.
    sqlite.prepare(`INSERT INTO organizations (name, sync_integration, sync_source, acl_changed_at, packages_changed_at, created_at) VALUES ('other', 'ghe', 'other', ?, ?, ?)`).run(now, now, now);
    const foreign = (delivery.get('d-other', 'push', null, now - 500, 'accepted', 'push on other/app: update queued (jobs 9)') as { id: number }).id;
    const page = await frank.get('/corp/-/activity');
    t.notMatch(page.body, 'other/app', "an owner does not see another organization's deliveries");
    t.equal((await frank.post(`/corp/-/activity/deliveries/${foreign}/replay`, {}, hx(frank))).statusCode, 404);
    t.match((await root.get('/corp/-/activity')).body, 'other/app', 'an instance admin sees them all');
    t.notMatch(page.body, XSS);
    t.match(page.body, `event ${ESCAPED} is not used`, 'outcome escaped');
    t.match(page.body, '<td>update-package <span class="muted">https://git.example/corp/tool.git</span></td>', 'package jobs (by URL until imported)');
    t.match(page.body, /<td>sync-org<\/td>/, 'sync jobs');
    t.match(page.body, 'the test forge is closed', 'job errors');
    t.notMatch(page.body, 'acme/foo', 'no jobs of other organizations');
    t.match(page.body, `action="/corp/-/activity/deliveries/${push}/replay"`);
    t.match(page.body, `action="/corp/-/activity/deliveries/${member}/replay"`);
    t.notMatch(page.body, `/deliveries/${evilD}/replay`, 'an ignored delivery has nothing to replay');
    const acme = await root.get('/acme/-/activity');
    t.notMatch(acme.body, 'Webhook deliveries', 'no integration, no deliveries');
    t.match(acme.body, '<td>update-package <a href="/acme/-/packages/acme/foo">acme/foo</a></td>', 'an imported package by name');
    t.notMatch(acme.body, 'corp/tool', 'no jobs of other organizations');
    // The 50 newest of this organization's jobs, newest first, whatever other organizations ran since.
    const fooId = (sqlite.prepare(`SELECT id FROM packages WHERE name = 'acme/foo'`).get() as { id: number }).id;
    const doneJob = sqlite.prepare(
      `INSERT INTO jobs (type, lock_key, payload, status, run_after, created_at, started_at, finished_at, trigger) VALUES ('update-package', ?, '{}', 'done', ?, ?, ?, ?, 'test') RETURNING id`,
    );
    const corpJobs = Array.from({ length: 60 }, () => (doneJob.get(`package:${tool}`, now, now, now, now) as { id: number }).id);
    for (let i = 0; i < 5; i++) doneJob.get(`package:${fooId}`, now, now, now, now);
    const listed = [...(await frank.get('/corp/-/activity')).body.matchAll(/<tr><td>#(\d+)<\/td>/g)].map((m) => Number(m[1]));
    t.same(listed, corpJobs.slice(-50).reverse(), "the 50 newest of this organization's jobs, newest first");

    const deliveriesBefore = (sqlite.prepare(`SELECT COUNT(*) AS n FROM deliveries`).get() as { n: number }).n;
    t.equal((await frank.post(`/corp/-/activity/deliveries/${push}/replay`, {}, { 'hx-request': 'true' })).statusCode, 403, 'no CSRF token');
    t.equal((await carol.post(`/corp/-/activity/deliveries/${push}/replay`, {}, hx(carol))).statusCode, 404);
    t.equal((await root.post(`/acme/-/activity/deliveries/${push}/replay`, {}, hx(root))).statusCode, 404, 'not a delivery of this org');
    const jobsBefore = (sqlite.prepare(`SELECT MAX(id) AS id FROM jobs`).get() as { id: number }).id;
    const r = await frank.post(`/corp/-/activity/deliveries/${push}/replay`, {}, hx(frank));
    t.equal(r.statusCode, 202);
    t.match(r.body, /Update #\d+ queued\./);
    const jobId = Number(/Update #(\d+)/.exec(r.body)?.[1]);
    t.same(sqlite.prepare(`SELECT lock_key AS lockKey, trigger FROM jobs WHERE id = ?`).get(jobId), { lockKey: `package:${tool}`, trigger: 'ui:frank' });
    const s = await frank.post(`/corp/-/activity/deliveries/${member}/replay`, {}, hx(frank));
    t.equal(s.statusCode, 202);
    const syncJob = Number(/Sync #(\d+)/.exec(s.body)?.[1]);
    t.ok(syncJob > jobsBefore, 'a new sync job');
    t.equal((sqlite.prepare(`SELECT type FROM jobs WHERE id = ?`).get(syncJob) as { type: string }).type, 'sync-org');
    const nothing = await frank.post(`/corp/-/activity/deliveries/${evilD}/replay`, {}, hx(frank));
    t.match(nothing.body, 'nothing to replay');
    t.equal((sqlite.prepare(`SELECT COUNT(*) AS n FROM deliveries`).get() as { n: number }).n, deliveriesBefore, 'the delivery log is unchanged');
    t.equal((sqlite.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'delivery.replay' AND actor = 'ui:frank'`).get() as { n: number }).n, 2, 'audited');
    // Deliveries logged with their targets: Replay and the page use them, not the outcome text.
    const withTargets = sqlite.prepare(`INSERT INTO deliveries (integration, delivery_id, event, action, received_at, status, outcome, targets) VALUES ('ghe', ?, 'push', NULL, ?, 'accepted', 'worded differently', ?) RETURNING id`);
    const targeted = (withTargets.get('d-t1', now, JSON.stringify({ updates: [{ org: 'corp', packageId: tool }], repo: 'corp/tool' })) as { id: number }).id;
    const elsewhere = (withTargets.get('d-t2', now, JSON.stringify({ syncs: ['other'] })) as { id: number }).id;
    const targetedPage = await frank.get('/corp/-/activity');
    t.match(targetedPage.body, `action="/corp/-/activity/deliveries/${targeted}/replay"`, 'replayable from its stored targets');
    t.notMatch(targetedPage.body, `/deliveries/${elsewhere}/`, "another organization's sync is not shown");
    const again = await frank.post(`/corp/-/activity/deliveries/${targeted}/replay`, {}, hx(frank));
    t.equal(again.statusCode, 202);
    t.same(sqlite.prepare(`SELECT lock_key AS lockKey FROM jobs WHERE id = ?`).get(Number(/Update #(\d+)/.exec(again.body)?.[1])), { lockKey: `package:${tool}` });
    t.equal((await frank.post(`/corp/-/activity/deliveries/${elsewhere}/replay`, {}, hx(frank))).statusCode, 404);
    // Let the queued syncs end before the forge opens for the preview.
    await waitFor('the queued syncs', async () =>
      (sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE type = 'sync-org' AND status IN ('queued', 'running')`).get() as { n: number }).n === 0 ? true : null);
  });

  await t.test('preview sync: the plan as gains and loses, forge ids named, nothing applied', async (t) => {
    sqlite.prepare(`INSERT INTO identities (user_id, integration, external_id, login, created_at) VALUES (?, 'ghe', '101', 'frank', ?), (?, 'ghe', '102', 'carol', ?)`)
      .run(uid('frank'), now, uid('carol'), now);
    t.equal((await frank.post('/corp/-/settings/preview', {}, { 'hx-request': 'true' })).statusCode, 403, 'no CSRF token');
    t.equal((await carol.post('/corp/-/settings/preview', {}, hx(carol))).statusCode, 404);
    t.equal((await root.post('/acme/-/settings/preview', {}, hx(root))).statusCode, 400, 'an unsynced org');
    // The answer polls a dry-run job; follow the polls (as htmx does) until the plan or the error.
    const settle = async (answer: { statusCode: number; body: string }, b: Browser) => {
      t.equal(answer.statusCode, 202, 'queued');
      t.match(answer.body, /Asking the forge… \(preview #\d+: (queued|running)\)/);
      const poll = /hx-get="([^"]+)"/.exec(answer.body)?.[1] as string;
      t.match(poll, /^\/corp\/-\/settings\/preview\/jobs\/\d+$/);
      return waitFor('the preview job', async () => {
        const r = await b.get(poll, { 'hx-request': 'true' });
        t.equal(r.statusCode, 200);
        return /hx-get=/.test(r.body) ? null : r.body;
      });
    };
    const closed = await settle(await frank.post('/corp/-/settings/preview', {}, hx(frank)), frank);
    t.match(closed, /<pre class="error">sync of corp from ghe \(corp\) failed, nothing was changed/, 'a forge failure is shown');
    forge.open = true;
    try {
      const body = await settle(await frank.post('/corp/-/settings/preview', {}, hx(frank)), frank);
      t.notMatch(body, /<html/);
      t.match(body, '<li class="gains"><strong>gains</strong> newbie gains membership (member)</li>');
      t.match(body, '<li class="loses"><strong>loses</strong> carol loses membership</li>');
      t.match(body, '<li class="gains"><strong>gains</strong> newbie gains team core (member)</li>');
      t.match(body, 'new team core (Core)');
      t.match(body, 'new user newbie');
      const pollUrl = `/corp/-/settings/preview/jobs/${/preview\/jobs\/(\d+)/.exec((await frank.post('/corp/-/settings/preview', {}, hx(frank))).body)?.[1]}`;
      t.equal((await carol.get(pollUrl, { 'hx-request': 'true' })).statusCode, 404, 'a member cannot read the preview');
      t.equal((await root.get(pollUrl.replace('/corp/', '/acme/'), { 'hx-request': 'true' })).statusCode, 404, "not another organization's preview");
      const plain = await frank.post('/corp/-/settings/preview', { _csrf: frank.csrf });
      t.equal(plain.statusCode, 303, 'without htmx: to the preview page');
      const page = await waitFor('the preview page', async () => {
        const r = await frank.get(plain.headers.location as string);
        return /Asking the forge/.test(r.body) ? null : r.body;
      });
      t.match(page, /<html/, 'a page');
      t.match(page, 'carol loses membership');
    } finally {
      forge.open = false;
    }
    t.ok(sqlite.prepare(`SELECT 1 FROM org_members WHERE org_id = ? AND user_id = ?`).get(corpId, uid('carol')), 'nothing applied');
    t.notOk(sqlite.prepare(`SELECT 1 FROM users WHERE login = 'newbie'`).get());
    t.ok(sqlite.prepare(`SELECT 1 FROM sync_runs WHERE org_id = ? AND status = 'dry-run'`).get(corpId), 'recorded as a dry run');
  });

  await t.test('audit log: newest first, 50 a page, htmx "more"', async (t) => {
    const ins = sqlite.prepare(`INSERT INTO audit_log (at, org_id, actor, action, target, details) VALUES (?, ?, 'test', ?, ?, ?)`);
    for (let i = 0; i < 120; i++) ins.run(now + i, acmeId, `test.entry`, `entry ${i}`, i === 119 ? JSON.stringify({ note: XSS }) : null);
    const total = (sqlite.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE org_id = ?`).get(acmeId) as { n: number }).n;
    const rowsOf = (body: string) => [...body.matchAll(/<tr><td class="time">/g)].length;
    const first = await root.get('/acme/-/audit');
    t.equal(first.statusCode, 200);
    t.equal(rowsOf(first.body), 50);
    t.match(first.body, /<td>entry 119<\/td>[\s\S]*<td>entry 118<\/td>/, 'newest first');
    t.notMatch(first.body, XSS);
    t.match(first.body, `<span class="muted">note:</span> ${ESCAPED}`, 'details escaped');
    let seen = 50;
    let more = /hx-get="(\/acme\/-\/audit\?before=\d+)" hx-target="#audit-more" hx-swap="outerHTML"/.exec(first.body)?.[1];
    t.ok(more, 'a "more" link');
    while (more) {
      const page = await root.get(more, { 'hx-request': 'true' });
      t.notMatch(page.body, /<html/, 'a fragment');
      const n = rowsOf(page.body);
      t.ok(n > 0 && n <= 50);
      seen += n;
      more = /hx-get="(\/acme\/-\/audit\?before=\d+)"/.exec(page.body)?.[1];
    }
    t.equal(seen, total, 'every entry once');
    const plain = await root.get(/href="(\/acme\/-\/audit\?before=\d+)"/.exec(first.body)?.[1] ?? '');
    t.match(plain.body, /<html/, 'without htmx: the next page as a page');
    t.equal((await alice.get('/acme/-/audit?before=99')).statusCode, 404);
    t.notMatch((await frank.get('/corp/-/audit')).body, 'entry 1', 'only this org\'s entries');
  });
});
