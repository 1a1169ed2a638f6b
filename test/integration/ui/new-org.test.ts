// "New organization" for instance admins, against the fake GHES: who may open it, CSRF, the
// errors shown next to their fields (escaped), an unsynced org owned by its creator, a synced one
// whose settings live in its row, enters the running schedule at once and runs its first sync;
// the forge "Check" (a job the page polls); config-file orgs keep the config's settings;
// `packyard org create --sync`.
import t from 'tap';
import { startFakeGhes } from '../../fakes/ghes/index.js';
import { waitFor } from '../../helpers/wait.js';
import { defaultForgeFactory } from '../../../src/sync/forges.js';
import { browser, signIn, type Browser } from '../../helpers/ui.js';
import { PASSWORD, uiFixture, XSS } from '../../helpers/ui-fixture.js';

const TOKEN = 'ghp_packyardneworgtoken0000000000000000000';
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';

async function poll<T>(what: string, check: () => T | null, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('new organization', async (t) => {
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  const s = gh.state;
  s.addUser('octo');
  s.addUser('wanda');
  s.addToken(TOKEN, 'octo');
  s.addOrg('widgets', { name: 'Widgets Inc' });
  s.addOrgMember('widgets', 'octo', 'admin');
  s.addOrgMember('widgets', 'wanda', 'member');
  await s.addRepo('widgets', 'lib', { visibility: 'private', files: { 'composer.json': '{"name": "widgets/lib"}' } });

  const yaml = [
    'integrations:',
    `  - { id: ghe, type: github, url: "${gh.url}", token: "${TOKEN}" }`,
    'organizations:',
    '  - name: cfg',
    '    sync: { integration: ghe, source: widgets, schedule: "0 3 * * *", auto_add_packages: false, install_webhooks: false }',
  ].join('\n');
  // The product's own retry backoff (not the helper's 10 ms): the slow check below needs a forge
  // that answers only after the web request has returned.
  const { pky, app } = await uiFixture(t, { yaml, forgeFactory: defaultForgeFactory });
  const sqlite = pky.deps.sqlite;
  const schedules = pky.server!.deps.schedules;
  const orgRow = (name: string) =>
    sqlite.prepare(`SELECT name, sync_integration AS integration, sync_source AS source, sync_schedule AS schedule,
      sync_auto_add_packages AS autoAdd, sync_install_webhooks AS webhooks, from_config AS fromConfig FROM organizations WHERE name = ?`).get(name) as
      | { name: string; integration: string | null; source: string | null; schedule: string | null; autoAdd: number | null; webhooks: number | null; fromConfig: number }
      | undefined;
  const orgCount = () => (sqlite.prepare('SELECT COUNT(*) AS n FROM organizations').get() as { n: number }).n;
  const scheduled = () => schedules.jobs.map((j) => `${j.name} ${j.cron}`);

  const as: Record<string, Browser> = {};
  for (const login of ['root', 'alice', 'eve', 'frank']) as[login] = await signIn(app, login, PASSWORD);
  const { root, alice, eve, frank } = as as Record<'root' | 'alice' | 'eve' | 'frank', Browser>;
  const anon = browser(app);
  /** The form as a browser sends it: an unchecked box is left out. */
  const without = (o: Record<string, string>, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
  const base = { _csrf: root.csrf, name: '', sync: '', source: '', schedule: '*/15 * * * *', auto_add_packages: '1', install_webhooks: '1' };

  await t.test('only instance admins see the page and the link; others get the 404 page', async (t) => {
    const page = await root.get('/-/orgs/new');
    t.equal(page.statusCode, 200);
    t.match(page.body, '<option value="ghe">GitHub Enterprise (ghe)</option>', "the forge's name and the integration's id");
    t.match(page.body, /<label>Source <input name="source" value="" placeholder="acme"/, 'a generic source field before a choice');
    const field = await root.get('/-/orgs/new/source-field?sync=ghe&source=widgets', { 'hx-request': 'true' });
    t.match(field.body, /<label>Organization <input name="source" value="widgets" placeholder="acme"/, "the chosen forge's words for the source");
    t.equal((await alice.get('/-/orgs/new/source-field?sync=ghe')).statusCode, 404, 'the fragment is for instance admins too');
    t.match(page.body, 'value="*/15 * * * *"', 'the default schedule');
    t.match(page.body, /name="auto_add_packages" value="1" checked/);
    t.match(page.body, `name="_csrf" value="${root.csrf}"`);
    t.match((await root.get('/')).body, '<a class="new-org" href="/-/orgs/new">New organization</a>');
    for (const b of [alice, eve, frank]) {
      const r = await b.get('/-/orgs/new');
      t.equal(r.statusCode, 404);
      t.match(r.body, '<h1>Not found</h1>');
      t.notMatch((await b.get('/')).body, '/-/orgs/new', 'no link for a non-admin');
    }
    const a = await anon.get('/-/orgs/new');
    t.equal(a.statusCode, 303);
    t.equal(a.headers.location, '/login?next=%2F-%2Forgs%2Fnew');
  });

  await t.test('CSRF and the policy guard the create action', async (t) => {
    const before = orgCount();
    const noToken = without(base, '_csrf');
    t.equal((await root.post('/-/orgs/new', { ...noToken, name: 'no-token' })).statusCode, 403, 'no CSRF token');
    t.equal((await root.post('/-/orgs/new', { ...base, _csrf: 'x'.repeat(43), name: 'bad-token' })).statusCode, 403, 'a wrong token');
    t.equal((await root.post('/-/orgs/new', { ...base, name: 'other-site' }, { origin: 'https://evil.example' })).statusCode, 403, 'another origin');
    t.equal((await alice.post('/-/orgs/new', { ...base, _csrf: alice.csrf, name: 'by-alice' })).statusCode, 404, 'a member');
    t.equal((await eve.post('/-/orgs/new/check', { _csrf: eve.csrf, sync: 'ghe', source: 'widgets' })).statusCode, 404, 'check: a non-admin');
    t.equal((await anon.post('/-/orgs/new', { name: 'anon' })).statusCode, 403, 'anonymous');
    t.equal(orgCount(), before, 'nothing was created');
  });

  await t.test('errors are shown next to their field, escaped, and the form keeps the input', async (t) => {
    const before = orgCount();
    const bad = await root.post('/-/orgs/new', { ...base, name: 'Bad Name' });
    t.equal(bad.statusCode, 400);
    t.match(bad.body, /<span class="error" id="name-error" role="alert">organization name &quot;Bad Name&quot; must be/);
    t.match(bad.body, 'value="Bad Name"');
    const xss = await root.post('/-/orgs/new', { ...base, name: XSS, source: XSS });
    t.equal(xss.statusCode, 400);
    t.notMatch(xss.body, XSS);
    t.match(xss.body, `value="${ESCAPED}"`);
    t.match(xss.body, `organization name &quot;${ESCAPED}&quot;`);
    const reserved = await root.post('/-/orgs/new', { ...base, name: 'api' });
    t.match(reserved.body, /id="name-error"[^>]*>organization name &quot;api&quot; is reserved/);
    const dup = await root.post('/-/orgs/new', { ...base, name: 'acme' });
    t.equal(dup.statusCode, 409);
    t.match(dup.body, /id="name-error"[^>]*>organization &quot;acme&quot; already exists/);
    const unknown = await root.post('/-/orgs/new', { ...base, name: 'x1', sync: 'nope', source: 'widgets' });
    t.equal(unknown.statusCode, 400);
    t.match(unknown.body, /id="integration-error"[^>]*>unknown integration &quot;nope&quot; \(configured: ghe\)/);
    const cron = await root.post('/-/orgs/new', { ...base, name: 'x2', sync: 'ghe', source: 'widgets', schedule: '61 * * * *' });
    t.equal(cron.statusCode, 400);
    t.match(cron.body, /id="schedule-error"[^>]*>schedule &quot;61 \* \* \* \*&quot; is not a valid cron expression/);
    t.match(cron.body, '<option value="ghe" selected>', 'the chosen integration stays selected');
    const source = await root.post('/-/orgs/new', { ...base, name: 'x3', sync: 'ghe', source: '' });
    t.match(source.body, /id="source-error"/);
    const both = await root.post('/-/orgs/new', { ...base, name: 'A!', sync: 'ghe', source: 'widgets', schedule: 'often' });
    t.match(both.body, /id="name-error"/);
    t.match(both.body, /id="schedule-error"/, 'every field at once');
    t.equal(orgCount(), before, 'nothing was created');
  });

  await t.test('an unsynced organization: its creator is its owner, audited, not scheduled', async (t) => {
    const r = await root.post('/-/orgs/new', without({ ...base, name: 'team-x' }, 'auto_add_packages', 'install_webhooks'));
    t.equal(r.statusCode, 303);
    t.equal(r.headers.location, '/team-x/');
    t.match(orgRow('team-x'), { integration: null, source: null, schedule: null, autoAdd: null, webhooks: null, fromConfig: 0 }, 'no sync settings for an unsynced org');
    const owner = sqlite.prepare(`SELECT u.login, m.role, m.source FROM org_members m JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.org_id WHERE o.name = 'team-x'`).all();
    t.same(owner, [{ login: 'root', role: 'owner', source: 'local' }]);
    const audit = sqlite.prepare(`SELECT a.actor, a.action, a.target FROM audit_log a JOIN organizations o ON o.id = a.org_id WHERE o.name = 'team-x' ORDER BY a.id`).all();
    t.same(audit, [{ actor: 'ui:root', action: 'org.create', target: 'team-x' }, { actor: 'ui:root', action: 'member.add', target: 'root' }]);
    t.equal((await root.get('/team-x/')).statusCode, 200);
    t.notOk(scheduled().some((j) => j.startsWith('sync-org:team-x')));
    t.match((await root.get('/')).body, '<a href="/team-x/"><strong>team-x</strong></a>');
  });

  const hx = () => ({ 'hx-request': 'true', 'x-csrf-token': root.csrf });
  /** "Check" as the page does it: the POST answers with a fragment polling a job; poll it to its end. */
  async function check(source: string, sync = 'ghe') {
    const started = await root.post('/-/orgs/new/check', { sync, source }, hx());
    const poll = /hx-get="([^"]+)"/.exec(started.body)?.[1];
    const done = poll === undefined ? started : await waitFor(`the check of ${source}`, async () => {
      const r = await root.get(poll, { 'hx-request': 'true' });
      return r.body.includes('hx-get=') ? null : r;
    });
    return { started, poll, done };
  }

  await t.test('"Check" asks the forge about the source', async (t) => {
    const found = await check('widgets');
    t.equal(found.started.statusCode, 202);
    t.match(found.started.body, /<div id="source-check" class="check-result" role="status" hx-get="\/-\/orgs\/new\/check\/jobs\/\d+" hx-trigger="every 1s" hx-swap="outerHTML">Asking the forge…/);
    t.equal(found.done.statusCode, 200);
    t.match(found.done.body, /<div id="source-check" class="check-result ok" role="status">Found <strong>widgets<\/strong> on GitHub Enterprise \(Widgets Inc\) · <span class="count">1<\/span> repository visible/);
    const missing = (await check('nobody-here')).done;
    t.match(missing.body, /class="check-result error" role="alert">Not found on GitHub Enterprise \(ghe\): &quot;nobody-here&quot; does not exist, or the integration&#39;s credential cannot see it\./);
    const none = await check('widgets', '');
    t.equal(none.poll, undefined, 'no job without an integration');
    t.match(none.done.body, 'Choose an integration');
    const hostile = await check(XSS);
    t.equal(hostile.poll, undefined, 'no job for a source that cannot be an organization');
    t.notMatch(hostile.done.body, XSS);
    t.match(hostile.done.body, 'class="check-result error"');
    t.equal((await root.post('/-/orgs/new/check', { sync: 'ghe', source: 'widgets' }, { 'hx-request': 'true' })).statusCode, 403, 'no CSRF token');
  });

  await t.test('"Check" never waits for the forge in the web request: a job, polled; admins only', async (t) => {
    s.addOrg('slowco', { name: 'Slow Co' });
    // Two 500s: the forge client retries with backoff (seconds) inside the job, not the request.
    gh.fault({ path: /^\/api\/v3\/orgs\/slowco$/, status: 500, times: 2 });
    const before = gh.requests.length;
    const started = await root.post('/-/orgs/new/check', { sync: 'ghe', source: 'slowco' }, hx());
    t.equal(started.statusCode, 202, 'answered at once');
    t.match(started.body, 'Asking the forge…');
    t.notOk(gh.requests.slice(before).some((r) => r.path === '/api/v3/orgs/slowco' && r.status === 200), 'before the forge answered');
    const poll = /hx-get="([^"]+)"/.exec(started.body)?.[1] ?? '';
    for (const b of [alice, eve, frank]) t.equal((await b.get(poll, { 'hx-request': 'true' })).statusCode, 404, 'the job is for instance admins only');
    t.equal((await anon.get(poll)).statusCode, 303);
    const done = await waitFor('the slow check', async () => {
      const r = await root.get(poll, { 'hx-request': 'true' });
      return r.body.includes('hx-get=') ? null : r;
    });
    t.match(done.body, /class="check-result ok" role="status">Found <strong>slowco<\/strong> on GitHub Enterprise \(Slow Co\)/);
    t.equal(gh.requests.filter((r) => r.path === '/api/v3/orgs/slowco').length, 3, 'two failures, then the answer');

    gh.fault({ path: /^\/api\/v3\/orgs\/widgets$/, status: 401, times: 1 });
    const refused = (await check('widgets')).done;
    t.match(refused.body, /class="check-result error" role="alert">ghe answered: .*\(/, "the forge's error");
    t.notMatch(refused.body, 'Found');
    t.equal((await root.get('/-/orgs/new/check/jobs/999999', { 'hx-request': 'true' })).statusCode, 404);
    const syncJob = (sqlite.prepare(`SELECT id FROM jobs WHERE type != 'check-source' LIMIT 1`).get() as { id: number } | undefined)?.id;
    if (syncJob !== undefined) t.equal((await root.get(`/-/orgs/new/check/jobs/${syncJob}`)).statusCode, 404, 'another job type is not shown');
  });

  await t.test('a synced organization: settings in its row, scheduled at once, first sync runs', async (t) => {
    t.notOk(scheduled().some((j) => j.startsWith('sync-org:widgets')));
    const r = await root.post('/-/orgs/new', without({ ...base, name: 'widgets', sync: 'ghe', source: 'widgets', schedule: '*/5 * * * *' }, 'install_webhooks'));
    t.equal(r.statusCode, 303);
    t.equal(r.headers.location, '/widgets/-/settings');
    t.match(orgRow('widgets'), { integration: 'ghe', source: 'widgets', schedule: '*/5 * * * *', autoAdd: 1, webhooks: 0, fromConfig: 0 });
    t.ok(scheduled().includes('sync-org:widgets */5 * * * *'), 'the running server schedules it without a restart');
    t.notOk(sqlite.prepare(`SELECT 1 FROM org_members m JOIN organizations o ON o.id = m.org_id WHERE o.name = 'widgets' AND m.source = 'local'`).get(), 'owners come from the forge');

    const job = await poll('the first sync', () => {
      const j = sqlite.prepare(`SELECT status, error FROM jobs WHERE type = 'sync-org' AND lock_key = 'sync:widgets' ORDER BY id DESC`).get() as { status: string; error: string | null } | undefined;
      return j && (j.status === 'done' || j.status === 'failed') ? j : null;
    });
    t.equal(job.status, 'done', job.error ?? '');
    const members = sqlite.prepare(`SELECT u.login, m.role FROM org_members m JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.org_id WHERE o.name = 'widgets' ORDER BY u.login`).all();
    t.same(members, [{ login: 'octo', role: 'owner' }, { login: 'wanda', role: 'member' }], 'members from the forge');
    t.ok(sqlite.prepare(`SELECT 1 FROM packages p JOIN organizations o ON o.id = p.org_id WHERE o.name = 'widgets' AND p.url LIKE '%/widgets/lib.git'`).get(), 'auto_add_packages from the row');
    t.same(s.orgHooks(s.org('widgets')), [], 'install_webhooks off (read from the row): no hook');

    const settings = await root.get('/widgets/-/settings');
    t.match(settings.body, '<code>*/5 * * * *</code>');
    t.match(settings.body, /Add packages by themselves<\/dt><dd>yes/);
    t.match(settings.body, /Install webhooks<\/dt><dd>no/);
    t.match(settings.body, 'Change the sync settings', 'editable: created in the UI');
  });

  await t.test('the settings page changes the sync settings of a UI-created org; the schedule follows', async (t) => {
    const page = await root.get('/widgets/-/settings');
    t.match(page.body, '<form method="post" action="/widgets/-/settings/sync-settings"');
    const form = { _csrf: root.csrf, schedule: '30 2 * * *', auto_add_packages: '1', install_webhooks: '1' };
    t.equal((await root.post('/widgets/-/settings/sync-settings', without(form, '_csrf'))).statusCode, 403, 'no CSRF token');
    t.equal((await alice.post('/widgets/-/settings/sync-settings', { ...form, _csrf: alice.csrf })).statusCode, 404, 'an outsider');
    const bad = await root.post('/widgets/-/settings/sync-settings', { ...form, schedule: `${XSS} * *` });
    t.equal(bad.statusCode, 400);
    t.match(bad.body, /id="schedule-error"[^>]*>schedule &quot;&lt;script&gt;/);
    t.notMatch(bad.body, XSS);
    t.match(orgRow('widgets'), { schedule: '*/5 * * * *' }, 'unchanged after a refusal');
    const ok = await root.post('/widgets/-/settings/sync-settings', without(form, 'auto_add_packages'));
    t.equal(ok.statusCode, 303);
    t.equal(ok.headers.location, '/widgets/-/settings');
    t.match(orgRow('widgets'), { schedule: '30 2 * * *', autoAdd: 0, webhooks: 1 });
    t.ok(scheduled().includes('sync-org:widgets 30 2 * * *'), 'rescheduled at once');
    t.notOk(scheduled().includes('sync-org:widgets */5 * * * *'), 'the old schedule is gone');
    const audit = sqlite.prepare(`SELECT a.action, a.details FROM audit_log a JOIN organizations o ON o.id = a.org_id WHERE o.name = 'widgets' AND a.action = 'org.sync-settings'`).all() as { details: string }[];
    t.equal(audit.length, 1, 'audited');
  });

  await t.test('config-file organizations: the config writes their row and stays the source', async (t) => {
    t.match(orgRow('cfg'), { integration: 'ghe', source: 'widgets', schedule: '0 3 * * *', autoAdd: 0, webhooks: 0, fromConfig: 1 });
    t.ok(scheduled().includes('sync-org:cfg 0 3 * * *'));
    const settings = await root.get('/cfg/-/settings');
    t.match(settings.body, '<code>0 3 * * *</code>');
    t.match(settings.body, 'Set in the config file');
    t.notMatch(settings.body, 'sync-settings', 'read-only');
    const r = await root.post('/cfg/-/settings/sync-settings', { _csrf: root.csrf, schedule: '* * * * *', auto_add_packages: '1' });
    t.equal(r.statusCode, 400);
    t.match(r.body, 'come from the config file');
    t.match(orgRow('cfg'), { schedule: '0 3 * * *', autoAdd: 0 }, 'unchanged');
  });

  await t.test('packyard org create --sync, with clear errors', async (t) => {
    const ok = await pky.cli(['org', 'create', 'cli-sync', '--sync', 'ghe:widgets', '--schedule', '0 * * * *', '--no-install-webhooks']);
    t.equal(ok.code, 0, ok.stderr);
    t.equal(ok.stdout, `${pky.url}/cli-sync/\n`);
    t.match(ok.stderr, /first sync of cli-sync queued \(job \d+\)/);
    t.match(orgRow('cli-sync'), { integration: 'ghe', source: 'widgets', schedule: '0 * * * *', autoAdd: 1, webhooks: 0, fromConfig: 0 });
    t.ok(sqlite.prepare(`SELECT 1 FROM jobs WHERE type = 'sync-org' AND lock_key = 'sync:cli-sync'`).get(), 'the first sync is queued');
    // Another process changed the organizations: the server's periodic reload picks it up.
    schedules.reload();
    t.ok(scheduled().includes('sync-org:cli-sync 0 * * * *'));

    const plain = await pky.cli(['org', 'create', 'cli-plain']);
    t.equal(plain.code, 0, plain.stderr);
    t.match(orgRow('cli-plain'), { integration: null, schedule: null });

    const fails: [string[], RegExp][] = [
      [['--sync', 'nope:widgets'], /unknown integration "nope" \(configured: ghe\)/],
      [['--sync', 'ghe:widgets', '--schedule', 'every minute'], /schedule "every minute" is not a valid cron expression/],
      [['--sync', 'ghe'], /--sync must be INTEGRATION:SOURCE/],
      [['--schedule', '* * * * *'], /--schedule only apply with --sync/],
      [['--no-auto-add-packages'], /--no-auto-add-packages only apply with --sync/],
    ];
    for (const [args, message] of fails) {
      const r = await pky.cli(['org', 'create', 'cli-bad', ...args]);
      t.equal(r.code, 1, args.join(' '));
      t.match(r.stderr, message);
      t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    }
    t.notOk(orgRow('cli-bad'), 'nothing was created');
  });
});
