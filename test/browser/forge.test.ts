// The web UI in a real browser (Debian's chromium, test/helpers/browser.ts) for an organization
// synced from the fake GitHub Enterprise Server: alice signs in through the forge's OAuth web
// flow, searches the packages as she types, opens a package, adds one of the synced
// repositories and watches an update of it finish on the package page, previews what the next
// sync would change, and looks at teams, activity and the audit log. Each step saves a
// screenshot (test-output/screenshots; the doc ones go to docs/ui with PACKYARD_DOC_SCREENSHOTS=1).
import t from 'tap';
import { startFakeGhes } from '../fakes/ghes/index.js';
import { ghesSyncYaml, startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { browserSkip, openBrowser, shot, WAIT_MS, type Page } from '../helpers/browser.js';
import { addForgePackage } from '../../src/services/packages.js';
import { syncOrg } from '../../src/sync/reconcile.js';

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;
const ADMIN_TOKEN = 'ghp_packyardbrowsertestadmintoken0000000';

/** Polls the database until `check` holds (bounded). */
async function until(what: string, check: () => boolean, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pendingImports = (pky: TestPackyard) =>
  (pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM packages WHERE status = 'new'`).get() as { n: number }).n;
const idle = (pky: TestPackyard) =>
  (pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')`).get() as { n: number }).n === 0;

t.test('the UI of a synced organization in chromium', { skip: browserSkip() }, async (t) => {
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  const s = gh.state;
  s.addOAuthApp('packyard-client', 'packyard-secret');
  s.addUser('octo-admin');
  s.addToken(ADMIN_TOKEN, 'octo-admin');
  s.addOrg('acme', { defaultRepositoryPermission: 'none' });
  s.addOrgMember('acme', 'octo-admin', 'admin');
  s.addUser('alice');
  s.addOrgMember('acme', 'alice', 'admin');
  for (const login of ['bob', 'carol']) {
    s.addUser(login);
    s.addOrgMember('acme', login, 'member');
  }
  s.addTeam('acme', { slug: 'backend', name: 'Backend' });
  s.addTeam('acme', { slug: 'payments', name: 'Payments', parent: 'backend' });
  s.addTeam('acme', { slug: 'frontend', name: 'Frontend' });
  s.addTeamMember('acme', 'backend', 'bob');
  s.addTeamMember('acme', 'payments', 'carol', 'maintainer');
  s.addTeamMember('acme', 'frontend', 'carol');
  const libs = {
    'http-client': 'A small PSR-18 HTTP client with retries',
    logger: 'PSR-3 logger writing JSON lines',
    cache: 'PSR-16 cache on top of APCu and Redis',
    billing: 'Invoices, payment runs and dunning',
  } as const;
  for (const [name, description] of Object.entries(libs)) {
    await s.addRepo('acme', name, {
      visibility: 'private',
      files: { 'composer.json': json({ name: `acme/${name}`, description, type: 'library', require: { php: '>=8.2', 'psr/log': '^3.0' } }) },
    });
    await s.commit('acme', name, { 'src/A.php': '<?php\n' }, { tag: 'v1.0.0', message: 'first release' });
    await s.commit('acme', name, { 'src/B.php': '<?php\n' }, { tag: 'v1.1.0', message: 'second release' });
  }
  await s.addRepo('acme', 'website', { visibility: 'internal', files: { 'README.md': '# website\n' } });
  s.grantTeam('acme', 'backend', 'http-client', 'pull');
  s.grantTeam('acme', 'backend', 'logger', 'pull');
  s.grantTeam('acme', 'payments', 'billing', 'push');
  s.grantTeam('acme', 'frontend', 'cache', 'pull');

  const pky = await startPackyard(t, {
    yaml: ghesSyncYaml(gh, { token: ADMIN_TOKEN, oauth: true, autoAddPackages: false, installWebhooks: false }),
  });
  // The organization as a sync leaves it, with three of the repositories added as packages.
  const first = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
  t.equal(first.status, 'applied', first.error ?? '');
  for (const name of ['http-client', 'logger', 'cache']) addForgePackage(pky.deps.db, pky.deps.queue, 'acme', `acme/${name}`, 'test');
  await until('the first imports', () => pendingImports(pky) === 0, 60_000);
  const second = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
  t.equal(second.status, 'applied', 'the packages got their grants');

  const b = await openBrowser(t);
  const page: Page = await b.page();
  const url = (path: string) => `${pky.url}${path}`;

  await t.test('a: sign in with the forge (OAuth) and land on the organizations', async (t) => {
    s.oauthAs('alice');
    await page.goto(url('/'));
    await page.waitForURL(/\/login\?next=/);
    const button = page.getByRole('link', { name: 'Sign in with GitHub Enterprise' });
    await button.waitFor();
    await shot(page, 'sign-in', { doc: true });
    await button.click();
    // Packyard -> the fake forge's authorize page -> Packyard's callback -> the home page.
    await page.waitForURL(url('/'));
    await page.getByRole('heading', { name: 'Organizations' }).waitFor();
    t.equal(await page.locator('a.who').textContent(), 'alice', 'signed in as alice');
    t.match(await page.locator('ul.list').textContent(), /acme\s+owner · 3 packages · synced/);
    await shot(page, 'organizations', { doc: true });
  });

  await t.test('b: search packages as you type', async (t) => {
    await page.getByRole('link', { name: 'acme', exact: true }).click();
    await page.waitForURL(url('/acme/'));
    const rows = page.locator('#package-rows tr');
    await rows.nth(2).waitFor();
    t.equal(await rows.count(), 3, 'every package before searching');
    await shot(page, 'packages', { doc: true });
    await page.getByRole('searchbox', { name: 'Search packages' }).pressSequentially('cach');
    // htmx swaps the rows in after the typing pauses; wait for the list to narrow.
    await rows.nth(1).waitFor({ state: 'detached' });
    t.equal(await rows.count(), 1, 'one package left');
    t.match(await rows.first().textContent(), /acme\/cache\s+PSR-16 cache/);
    await shot(page, 'packages-search', { doc: true });
    await page.getByRole('searchbox', { name: 'Search packages' }).fill('no-such-thing');
    await page.getByText('No package matches "no-such-thing".').waitFor();
    t.pass('an empty result says so');
    await page.getByRole('searchbox', { name: 'Search packages' }).fill('');
    await rows.nth(2).waitFor();
    t.equal(await rows.count(), 3, 'clearing the box shows every package again');
  });

  await t.test('e: preview sync shows who gains and who loses access', async (t) => {
    s.addUser('dave');
    s.addOrgMember('acme', 'dave', 'member');
    s.addTeamMember('acme', 'backend', 'dave');
    s.removeTeamMember('acme', 'backend', 'bob');
    s.grantTeam('acme', 'frontend', 'logger', 'pull');
    await page.goto(url('/acme/-/settings'));
    await page.getByRole('heading', { name: 'Settings of acme' }).waitFor();
    const preview = page.getByRole('button', { name: 'Preview sync' });
    // It is a link-styled button on a white card: white text (the header's style) hid it once.
    // (A string: the tests are compiled without the DOM types.)
    t.not(await preview.evaluate<string, undefined>('(el) => getComputedStyle(el).color'), 'rgb(255, 255, 255)', 'the Preview sync button is visible');
    t.ok(await page.locator('#preview-busy').isHidden(), '"Asking the forge…" is hidden until the button is pressed');
    // Hold the request in the browser until the busy state is checked (no timing involved).
    let arrived!: () => void;
    const held = new Promise<void>((r) => (arrived = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await page.route('**/acme/-/settings/preview', async (route) => {
      arrived();
      await gate;
      await route.continue();
    });
    await preview.click();
    await held;
    await page.locator('#preview-busy').waitFor({ state: 'visible' });
    t.equal(await page.locator('#preview-busy').textContent(), 'Asking the forge…', 'the busy marker shows while the forge is asked');
    t.ok(await preview.isDisabled(), 'and the button cannot be pressed again');
    release();
    const plan = page.locator('#sync-preview ul.plan');
    await plan.waitFor();
    await page.unroute('**/acme/-/settings/preview');
    // htmx enables the button again and hides the marker once the request is over.
    await page.waitForFunction(`!document.querySelector('form[hx-indicator="#preview-busy"] button').disabled`);
    await page.locator('#preview-busy').waitFor({ state: 'hidden' });
    const text = (await plan.textContent()) ?? '';
    t.match(text, /new user dave/);
    t.match(text, /gains dave gains membership \(member\)/);
    t.match(text, /gains dave gains team backend/);
    t.match(text, /loses bob loses team backend/);
    t.match(text, /gains team frontend gains read of acme\/logger/);
    t.equal(await page.locator('#sync-status').count(), 1, 'nothing was synced by the preview');
    await shot(page, 'settings-preview', { doc: true });
  });

  await t.test('c: add a synced repository and watch an update finish on its page', async (t) => {
    await page.goto(url('/acme/-/packages/new'));
    const row = page.locator('#repo-acme-billing');
    await row.waitFor();
    t.match(await page.locator('#repo-acme-website').textContent(), /acme\/website/, 'repositories without a package are listed');
    await shot(page, 'add-package', { doc: true });
    await row.getByRole('button', { name: 'Add' }).click();
    // The row polls the import; once it named the package, the row links its page.
    await row.locator('.job.import').waitFor();
    await shot(page, 'add-package-added');
    const link = row.locator('.job.import.done a.package-link', { hasText: 'acme/billing' });
    await link.waitFor({ timeout: 60_000 });
    t.equal(await row.locator('[hx-trigger]').count(), 0, 'the polling stopped');
    await shot(page, 'add-package-imported');

    await s.commit('acme', 'billing', { 'src/C.php': '<?php\n' }, { tag: 'v1.2.0', message: 'third release' });
    await link.click();
    await page.waitForURL(url('/acme/-/packages/acme/billing'));
    const versions = page.locator('table.versions tbody tr');
    t.equal(await versions.count(), 3, 'v1.0.0, v1.1.0 and dev-main after the first import');
    await page.getByRole('button', { name: 'Update now' }).click();
    // The status fragment polls every 500 ms until the job ends.
    const status = page.locator('#job-status');
    await page.locator('#job-status.done').waitFor();
    t.match(await status.textContent(), /Update #\d+: done \(1 version added, 0 removed\)/);
    await shot(page, 'package-updated');
    await status.getByRole('link', { name: 'reload the page' }).click();
    await versions.nth(3).waitFor();
    t.match(await page.locator('table.versions').textContent(), /v1\.2\.0\s*stable/, 'the new version is listed');
    await shot(page, 'package', { doc: true });
  });

  await t.test('teams, activity and the audit log', async (t) => {
    await until('the jobs to end', () => idle(pky), 60_000);
    await page.goto(url('/acme/-/teams'));
    await page.getByRole('heading', { name: 'Teams and members of acme' }).waitFor();
    t.match(await page.locator('ul.teams').first().textContent(), /Payments/);
    await shot(page, 'teams', { doc: true });
    await page.goto(url('/acme/-/activity'));
    await page.locator('table.jobs').waitFor();
    t.match(await page.locator('table.jobs').textContent(), /update-package/);
    await shot(page, 'activity', { doc: true });
    await page.goto(url('/acme/-/audit'));
    await page.locator('table.audit').waitFor();
    t.match(await page.locator('table.audit').textContent(), /package\.add/);
    await shot(page, 'audit', { doc: true });
  });
});
