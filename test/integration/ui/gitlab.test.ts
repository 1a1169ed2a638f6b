// The web UI's HTML with GitLab integrations, against two fake GitLabs (Premium: group hooks;
// Free: project hooks): "New organization" names the integration by its forge and asks for the
// source in the forge's words (the source field swapped by htmx when the choice changes), "Check"
// shows the group's name and number of projects, the teams page nests subgroups under their
// parents, and the settings page shows the hook mode in GitLab's words ("one group hook", "a
// hook per project") with each hook's state. Nothing here names a forge type outside the config.
import t from 'tap';
import { startFakeGitLab, type FakeGitLab } from '../../fakes/gitlab/index.js';
import { startPackyard } from '../../helpers/packyard.js';
import { signIn } from '../../helpers/ui.js';
import { waitFor } from '../../helpers/wait.js';
import { createUser } from '../../../src/services/users.js';
import { syncOrg } from '../../../src/sync/reconcile.js';

const TOKEN = 'glpat-packyarduigitlab00000';
const PASSWORD = 'correct horse battery';
const json = (o: unknown) => `${JSON.stringify(o)}\n`;

/** A group tree: acme > platform > core > storage, acme > web; packages in core and storage. */
async function seed(gl: FakeGitLab): Promise<void> {
  const s = gl.state;
  s.addUser('owner');
  s.addToken(TOKEN, 'owner', { scopes: ['api'] });
  for (const u of ['alice', 'bob', 'carol']) s.addUser(u);
  s.addGroup('acme', { name: 'Acme' });
  s.addGroup('acme/platform', { name: 'Platform' });
  s.addGroup('acme/platform/core', { name: 'Core' });
  s.addGroup('acme/platform/core/storage', { name: 'Storage' });
  s.addGroup('acme/web', { name: 'Web' });
  s.addGroupMember('acme', 'owner', 50);
  s.addGroupMember('acme/platform', 'alice', 30);
  s.addGroupMember('acme/platform/core', 'bob', 30);
  s.addGroupMember('acme/platform/core/storage', 'carol', 30);
  s.addGroupMember('acme/web', 'carol', 20);
  await s.addProject('acme/platform/core/lib', { files: { 'composer.json': json({ name: 'acme/lib' }) } });
  await s.addProject('acme/platform/core/storage/db', { files: { 'composer.json': json({ name: 'acme/db' }) } });
  await s.addProject('acme/web/site', { files: { 'README.md': '# site\n' } });
}

t.test('GitLab in the web UI', async (t) => {
  const premium = await startFakeGitLab({ tier: 'premium', relativeRoot: '/gitlab' });
  t.teardown(() => premium.close());
  const free = await startFakeGitLab({ tier: 'free' });
  t.teardown(() => free.close());
  await seed(premium);
  await seed(free);

  const integration = (id: string, gl: FakeGitLab) => [`  - id: ${id}`, '    type: gitlab', `    url: "${gl.url}"`, `    token: "${TOKEN}"`];
  const org = (name: string, id: string) => [`  - name: ${name}`, '    sync:', `      integration: ${id}`, '      source: acme', '      schedule: "0 0 1 1 *"'];
  const pky = await startPackyard(t, {
    yaml: ['integrations:', ...integration('gl-premium', premium), ...integration('gl-free', free), 'organizations:', ...org('groups', 'gl-premium'), ...org('projects', 'gl-free')].join('\n'),
  });
  createUser(pky.deps.db, 'root', { admin: true, password: PASSWORD }, 'test');
  const app = pky.server!.app;
  const root = await signIn(app, 'root', PASSWORD);

  await t.test('New organization: the forge by name, the source in its words, Check with the project count', async (t) => {
    const page = await root.get('/-/orgs/new');
    t.equal(page.statusCode, 200);
    t.match(page.body, '<option value="gl-premium">GitLab (gl-premium)</option>');
    t.match(page.body, '<option value="gl-free">GitLab (gl-free)</option>');
    t.match(page.body, /<label>Source <input name="source" value="" placeholder="acme"/, 'a generic source field before a choice');
    t.match(page.body, /<select name="sync" hx-get="\/-\/orgs\/new\/source-field" hx-trigger="change"/);

    const field = await root.get('/-/orgs/new/source-field?sync=gl-premium&source=acme%2Fplatform', { 'hx-request': 'true' });
    t.equal(field.statusCode, 200);
    t.match(field.body, /^<div id="source-field" data-integration="gl-premium"><label>Group path <input name="source" value="acme\/platform" placeholder="acme\/platform"/);
    t.match(field.body, 'its subgroups and their projects come along');
    const unknown = await root.get('/-/orgs/new/source-field?sync=nope&source=%3Cb%3E', { 'hx-request': 'true' });
    t.match(unknown.body, /<label>Source <input name="source" value="&lt;b&gt;"/, 'an unknown integration: the generic field, escaped');

    const again = await root.post('/-/orgs/new', { _csrf: root.csrf, name: 'x1', sync: 'gl-free', source: '', schedule: '*/15 * * * *' });
    t.equal(again.statusCode, 400);
    t.match(again.body, /<label>Group path <input name="source" value="" placeholder="acme\/platform" aria-describedby="source-help source-error" aria-invalid="true">/, 'the form again keeps the chosen forge\'s words');

    const started = await root.post('/-/orgs/new/check', { sync: 'gl-premium', source: 'acme/platform' }, { 'hx-request': 'true', 'x-csrf-token': root.csrf });
    t.equal(started.statusCode, 202);
    const poll = /hx-get="([^"]+)"/.exec(started.body)?.[1] ?? '';
    const done = await waitFor('the check', async () => {
      const r = await root.get(poll, { 'hx-request': 'true' });
      return r.body.includes('hx-get=') ? null : r;
    });
    t.match(done.body, /class="check-result ok" role="status">Found <strong>acme\/platform<\/strong> on GitLab \(Platform\) · <span class="count">2<\/span> projects visible/);
  });

  const synced = await syncOrg(pky.deps, 'groups', { trigger: 'test' });
  t.equal(synced.status, 'applied', synced.error ?? '');
  const syncedFree = await syncOrg(pky.deps, 'projects', { trigger: 'test' });
  t.equal(syncedFree.status, 'applied', syncedFree.error ?? '');

  await t.test('the teams page nests subgroups under their parents', async (t) => {
    const page = await root.get('/groups/-/teams');
    t.equal(page.statusCode, 200);
    const body = page.body;
    const open = (name: string) => body.indexOf(`<h3>${name} <span class="muted">`);
    for (const n of ['Acme', 'Platform', 'Core', 'Storage', 'Web']) t.ok(open(n) >= 0, `${n} is listed`);
    t.match(body, /<h3>Acme <span class="muted">acme<\/span><\/h3>[\s\S]*<ul class="teams" aria-label="Teams in Acme"><li class="team"><h3>Platform <span class="muted">acme\/platform<\/span>/);
    t.match(body, /<ul class="teams" aria-label="Teams in Platform"><li class="team"><h3>Core <span class="muted">acme\/platform\/core<\/span>/);
    t.match(body, /<ul class="teams" aria-label="Teams in Core"><li class="team"><h3>Storage <span class="muted">acme\/platform\/core\/storage<\/span>/);
    // Web is Acme's child, not Platform's: it comes after Platform's list closes.
    const platformList = body.indexOf('aria-label="Teams in Platform"');
    t.ok(open('Web') > platformList, 'Web follows Platform');
    t.match(body, /<\/li><\/ul><\/li><\/ul><\/li><li class="team"><h3>Web <span class="muted">acme\/web<\/span>/, 'Web is a sibling of Platform');
    t.match(body, /<h3>Storage[\s\S]*?<li>carol <span class="badge">member<\/span><\/li>/, "a subgroup's members");
  });

  await t.test('settings: one group hook on Premium, a hook per project on Free, each hook\'s state', async (t) => {
    const groups = await root.get('/groups/-/settings');
    t.equal(groups.statusCode, 200);
    t.match(groups.body, '<p class="hook-mode">One group hook on GitLab.</p>');
    t.notMatch(groups.body, 'schedule-covers', 'a group hook announces membership and project events');
    const hook = premium.state.hooksOf('group', premium.state.group('acme').id)[0];
    t.ok(hook, 'the group hook is on the forge');
    t.match(groups.body, new RegExp(`<td>source <code>acme</code></td><td>${hook?.id}</td>\\s*<td><span class="badge ok">created</span>`));

    const projects = await root.get('/projects/-/settings');
    t.equal(projects.statusCode, 200);
    t.match(projects.body, '<p class="hook-mode">A hook per project on GitLab (one for each package).</p>');
    t.match(projects.body, '<p class="hint schedule-covers">GitLab sends no events for membership changes or new projects; the sync schedule (<code>0 0 1 1 *</code>) picks them up.</p>');
    for (const path of ['acme/platform/core/lib', 'acme/platform/core/storage/db']) {
      const h = free.state.hooksOf('project', free.state.project(path).id)[0];
      t.ok(h, `${path}: its project hook is on the forge`);
      t.match(projects.body, new RegExp(`<td>${path}</td><td>${h?.id}</td>\\s*<td><span class="badge ok">created</span>`), `${path}: its state`);
    }
    t.notMatch(projects.body, 'acme/web/site', 'no hook for a project that is no package');
  });
});
