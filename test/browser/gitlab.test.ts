// The web UI with a GitLab integration, in a real browser (Debian's chromium) against the fake
// GitLab (Premium, under a relative root): root creates an organization synced with a group
// through "New organization" (choosing the integration relabels the source field in GitLab's
// words, "Check" shows the group's name and number of projects), the first sync runs, the teams
// page shows the group tree (also at 375 px, without sideways scrolling) and the settings page
// the hook mode ("one group hook") with the hook's state. Screenshots: test-output/screenshots/gitlab-*.png.
import t from 'tap';
import { startFakeGitLab } from '../fakes/gitlab/index.js';
import { startPackyard } from '../helpers/packyard.js';
import { browserSkip, openBrowser, shot, WAIT_MS, type Page } from '../helpers/browser.js';
import { createUser } from '../../src/services/users.js';

const TOKEN = 'glpat-packyardbrowsergitlab0';
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

t.test('an organization synced with a GitLab group, in chromium', { skip: browserSkip() }, async (t) => {
  const gl = await startFakeGitLab({ tier: 'premium', relativeRoot: '/gitlab' });
  t.teardown(() => gl.close());
  const s = gl.state;
  s.addUser('gl-admin');
  s.addToken(TOKEN, 'gl-admin', { scopes: ['api'] });
  for (const u of ['alice', 'bob', 'carol']) s.addUser(u);
  s.addGroup('acme');
  s.addGroup('acme/platform', { name: 'Platform' });
  s.addGroup('acme/platform/core', { name: 'Core' });
  s.addGroup('acme/platform/core/storage-and-persistence-layer', { name: 'Storage and persistence layer' });
  s.addGroup('acme/platform/web', { name: 'Web' });
  s.addGroupMember('acme/platform', 'gl-admin', 50);
  s.addGroupMember('acme/platform', 'alice', 40);
  s.addGroupMember('acme/platform/core', 'bob', 30);
  s.addGroupMember('acme/platform/core/storage-and-persistence-layer', 'carol', 30);
  s.addGroupMember('acme/platform/web', 'carol', 20);
  await s.addProject('acme/platform/core/lib', { files: { 'composer.json': json({ name: 'acme/lib' }) } });
  await s.commit('acme/platform/core/lib', { 'src/A.php': '<?php\n' }, { tag: 'v1.0.0' });
  await s.addProject('acme/platform/web/site', { files: { 'README.md': '# site\n' } });
  await s.addProject('acme/platform/core/storage-and-persistence-layer/db', { files: { 'composer.json': json({ name: 'acme/db' }) } });

  const pky = await startPackyard(t, {
    yaml: ['integrations:', '  - id: gitlab-main', '    type: gitlab', `    url: "${gl.url}"`, `    token: "${TOKEN}"`].join('\n'),
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

  await t.test('New organization: GitLab by name, the source in its words, Check, create', async (t) => {
    await page.goto(url('/-/orgs/new'));
    const select = page.getByLabel('Integration');
    t.same(await select.locator('option').allTextContents(), ['none (members are added by hand)', 'GitLab (gitlab-main)'], "the forge's name and the id");
    await select.selectOption('gitlab-main');
    // htmx swaps the source field for the chosen integration's.
    const source = page.getByRole('textbox', { name: 'Group path' });
    await source.waitFor();
    t.equal(await source.getAttribute('placeholder'), 'acme/platform');
    await page.getByText('its subgroups and their projects come along').waitFor();
    await page.locator('input[name=name]').fill('platform');
    await source.fill('acme/platform');
    await page.getByRole('button', { name: 'Check' }).click();
    const found = page.locator('#source-check.ok');
    await found.waitFor({ timeout: WAIT_MS });
    t.match(await found.textContent(), /Found acme\/platform on GitLab \(Platform\) · 3 projects visible/);
    await shot(page, 'gitlab-new-org-check');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(url('/platform/-/settings'));
    await until('the first sync', () => (sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE type = 'sync-org' AND status = 'done'`).get() as { n: number }).n > 0);
    const teams = sqlite.prepare(`SELECT t.slug FROM teams t JOIN organizations o ON o.id = t.org_id WHERE o.name = 'platform' AND t.external_id IS NOT NULL ORDER BY t.slug`).all() as Array<{ slug: string }>;
    t.ok(teams.length >= 4, `the subgroups became teams (${teams.map((x) => x.slug).join(', ')})`);
  });

  await t.test('the teams page shows the group tree', async (t) => {
    await page.goto(url('/platform/-/teams'));
    const tree = page.locator('ul.teams').first();
    await tree.waitFor();
    // Core's subgroup is a list item inside Core's item, which is inside Platform's.
    const platform = page.locator('li.team', { has: page.getByRole('heading', { name: /^Platform/ }) }).first();
    const core = platform.locator('li.team', { has: page.getByRole('heading', { name: /^Core/ }) });
    t.equal(await core.count(), 1, 'Core is nested under Platform');
    t.equal(await core.locator('li.team', { has: page.getByRole('heading', { name: /^Storage and persistence layer/ }) }).count(), 1, 'its subgroup under Core');
    t.equal(await platform.locator('li.team', { has: page.getByRole('heading', { name: /^Web/ }) }).count(), 1, 'Web under Platform');
    await shot(page, 'gitlab-teams', { fullPage: true });

    const phone = await b.page({ phone: true });
    await signIn(phone);
    await phone.goto(url('/platform/-/teams'));
    await phone.locator('ul.teams').first().waitFor();
    const w = await phone.evaluate<{ scrollWidth: number; clientWidth: number }>(WIDTH);
    t.ok(w.scrollWidth <= w.clientWidth, `no sideways scrolling at 375 px (document ${w.scrollWidth} px in ${w.clientWidth} px)`);
    await shot(phone, 'gitlab-teams-phone', { fullPage: true });
  });

  await t.test('the settings show the hook mode in GitLab\'s words, with the hook\'s state', async (t) => {
    await page.goto(url('/platform/-/settings'));
    const card = page.locator('#webhooks');
    await card.waitFor();
    t.equal((await card.locator('.hook-mode').textContent())?.trim(), 'One group hook on GitLab.');
    const hook = s.hooksOf('group', s.group('acme/platform').id)[0];
    t.ok(hook, 'the group hook is on the forge');
    t.match(await card.locator('tbody tr').first().textContent(), new RegExp(`source acme/platform\\s*${hook?.id}\\s*created`));
    await shot(page, 'gitlab-settings-hooks');
  });
});
