// The web UI with a Bitbucket Data Center integration, in a real browser (Debian's chromium)
// against the fake Bitbucket (8.19, under the /bitbucket context path, a system admin's token):
// root creates an organization synced with the projects PAY,WEB through "New organization"
// (choosing the integration relabels the source field "Project keys", "Check" names both projects
// and counts their repositories), the first sync runs, the teams page shows the two projects and
// the group with their readers, each marked as what it is (also at 375 px, without sideways
// scrolling), and the settings page shows the hook mode ("a hook per project") and that the sync
// schedule covers the membership and repository events Bitbucket never sends.
// Screenshots: test-output/screenshots/bitbucket-server-*.png.
import t from 'tap';
import { startFakeBitbucketServer } from '../fakes/bitbucket-server/index.js';
import { startPackyard } from '../helpers/packyard.js';
import { browserSkip, openBrowser, shot, WAIT_MS, type Page } from '../helpers/browser.js';
import { createUser } from '../../src/services/users.js';

const TOKEN = 'bbs-token-packyard-browser-0';
const PASSWORD = 'correct horse battery';
const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

/** How wide the document is against the viewport (a string: the tests compile without DOM types). */
const WIDTH = '(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }))()';

async function until(what: string, check: () => boolean, ms = WAIT_MS * 3): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('an organization synced with Bitbucket Data Center projects, in chromium', { skip: browserSkip() }, async (t) => {
  const bb = await startFakeBitbucketServer({ contextPath: '/bitbucket', version: '8.19' });
  t.teardown(() => bb.close());
  const s = bb.state;
  s.addUser('svc', { sysAdmin: true, displayName: 'Packyard service' });
  s.addToken(TOKEN, 'svc');
  for (const [name, displayName] of [['ada', 'Ada Lovelace'], ['bob', 'Bob'], ['carol', 'Carol'], ['dave', 'Dave']] as const) s.addUser(name, { displayName });
  s.addUser('gone', { active: false });
  s.addGroup('payments-devs', ['bob', 'gone']);
  s.addGroup('web-team', ['carol', 'dave']);
  s.addProject('PAY', { name: 'Payments' });
  s.addProject('WEB', { name: 'Web' });
  s.addProject('OPS', { name: 'Operations' });
  s.grantProject('PAY', { user: 'ada' }, 'PROJECT_ADMIN');
  s.grantProject('PAY', { group: 'payments-devs' }, 'PROJECT_WRITE');
  s.grantProject('WEB', { group: 'web-team' }, 'PROJECT_READ');
  s.grantProject('OPS', { user: 'dave' }, 'PROJECT_READ');
  await s.addRepo('PAY', 'api', { files: { 'composer.json': json({ name: 'pay/api' }) } });
  await s.commit('PAY', 'api', { 'src/A.php': '<?php\n' }, { tag: 'v1.0.0' });
  await s.addRepo('PAY', 'billing', { files: { 'composer.json': json({ name: 'pay/billing' }) } });
  await s.addRepo('WEB', 'site', { files: { 'README.md': '# site\n' } });
  await s.addRepo('WEB', 'theme', { files: { 'composer.json': json({ name: 'web/theme' }) } });
  await s.addRepo('OPS', 'tools', { files: { 'composer.json': json({ name: 'ops/tools' }) } });

  const pky = await startPackyard(t, {
    yaml: ['integrations:', '  - id: bbs', '    type: bitbucket-server', `    url: "${bb.url}"`, `    token: "${TOKEN}"`].join('\n'),
  });
  createUser(pky.deps.db, 'root', { admin: true, password: PASSWORD }, 'test');
  const sqlite = pky.deps.sqlite;
  const b = await openBrowser(t);
  const url = (path: string) => `${pky.url}${path}`;
  const signIn = async (page: Page) => {
    await page.goto(url('/login'));
    await page.getByLabel('Login').fill('root');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url('/'));
  };
  const page = await b.page();
  await signIn(page);

  await t.test('New organization: project keys, Check names the projects and counts their repositories, create', async (t) => {
    await page.goto(url('/-/orgs/new'));
    const select = page.getByLabel('Integration');
    t.same(await select.locator('option').allTextContents(), ['none (members are added by hand)', 'Bitbucket Data Center (bbs)'], "the forge's name and the id");
    await select.selectOption('bbs');
    const source = page.getByRole('textbox', { name: 'Project keys' });
    await source.waitFor();
    t.equal(await source.getAttribute('placeholder'), 'PAY,WEB');
    await page.getByText('One project key, or several separated by commas').waitFor();
    await page.locator('input[name=name]').fill('payments');
    await source.fill('PAY,WEB');
    await page.getByRole('button', { name: 'Check' }).click();
    const found = page.locator('#source-check.ok');
    await found.waitFor({ timeout: WAIT_MS });
    t.match(await found.textContent(), /Found PAY,WEB on Bitbucket Data Center \(Payments, Web\) · 4 repositories visible/);
    await shot(page, 'bitbucket-server-new-org-check');

    await source.fill('PAY,NOPE');
    await page.getByRole('button', { name: 'Check' }).click();
    const missing = page.locator('#source-check.error');
    await missing.waitFor({ timeout: WAIT_MS });
    t.match(await missing.textContent(), /Not found on Bitbucket Data Center \(bbs\): "PAY,NOPE" does not exist/);

    await source.fill('PAY,WEB');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(url('/payments/-/settings'));
    await until('the first sync', () => (sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE type = 'sync-org' AND status IN ('done', 'failed')`).get() as { n: number }).n > 0);
    const run = sqlite.prepare(`SELECT status, error FROM sync_runs ORDER BY id DESC LIMIT 1`).get() as { status: string; error: string | null };
    t.equal(run.status, 'applied', run.error ?? '');
    const teams = sqlite.prepare(`SELECT t.slug FROM teams t JOIN organizations o ON o.id = t.org_id WHERE o.name = 'payments' AND t.external_id LIKE '%:%' ORDER BY t.slug`).all() as Array<{ slug: string }>;
    t.same(teams.map((x) => x.slug), ['PAY', 'WEB', 'payments-devs', 'web-team'], 'two projects and two groups became teams; OPS stayed out');
  });

  await t.test('the teams page shows the projects and the groups with their readers', async (t) => {
    await page.goto(url('/payments/-/teams'));
    await page.locator('ul.teams').first().waitFor();
    const team = (name: string) => page.locator('li.team', { has: page.getByRole('heading', { name: new RegExp(`^${name}\\b`) }) });
    for (const [name, kind] of [['Payments', 'project'], ['Web', 'project'], ['payments-devs', 'group'], ['web-team', 'group']] as const) {
      t.equal(await team(name).getAttribute('data-kind'), kind, `${name} is a ${kind}`);
      t.equal((await team(name).locator('.team-kind').textContent())?.trim(), kind, `${name}: the badge says ${kind}`);
    }
    const readers = async (name: string) => (await team(name).locator('.team-body ul.plain').first().locator('li').allTextContents()).map((x) => x.replace(/\s+/g, ' ').trim());
    t.same(await readers('Payments'), ['ada maintainer', 'bob member', 'svc maintainer'], "PAY's readers (its admins as maintainers), the inactive member left out");
    t.same(await readers('payments-devs'), ['bob member'], "the group's active members");
    t.same(await readers('web-team'), ['carol member', 'dave member']);
    t.notMatch(await page.locator('main').textContent(), /Operations|ops\/tools/, 'nothing of a project outside the source');
    await shot(page, 'bitbucket-server-teams', { fullPage: true });

    const phone = await b.page({ phone: true });
    await signIn(phone);
    await phone.goto(url('/payments/-/teams'));
    await phone.locator('ul.teams').first().waitFor();
    const w = await phone.evaluate<{ scrollWidth: number; clientWidth: number }>(WIDTH);
    t.ok(w.scrollWidth <= w.clientWidth, `no sideways scrolling at 375 px (document ${w.scrollWidth} px in ${w.clientWidth} px)`);
    await shot(phone, 'bitbucket-server-teams-phone', { fullPage: true });
  });

  await t.test('the settings show the hook mode and that the schedule covers what Bitbucket never sends', async (t) => {
    await page.goto(url('/payments/-/settings'));
    const card = page.locator('#webhooks');
    await card.waitFor();
    t.equal((await card.locator('.hook-mode').textContent())?.trim(), 'A hook per project on Bitbucket Data Center.');
    t.equal(
      (await card.locator('.schedule-covers').textContent())?.trim(),
      'Bitbucket Data Center sends no events for membership changes or new repositories; the sync schedule (*/15 * * * *) picks them up.',
    );
    for (const key of ['PAY', 'WEB']) {
      const hook = s.hooksOf({ type: 'project', id: s.project(key).id })[0];
      t.ok(hook, `${key}: the project hook is on the forge`);
      t.match(await card.locator('tbody tr', { hasText: `source ${key}` }).textContent(), new RegExp(`source ${key}\\s*${hook?.id}\\s*created`));
    }
    await shot(page, 'bitbucket-server-settings-hooks', { fullPage: true });
  });
});
