// The web UI's HTML with Bitbucket Data Center integrations, against two fake Bitbucket servers
// under a context path (8.19 with a system admin's token: project hooks and group teams; 7.21
// with a token refused on the admin endpoints: repository hooks, no group teams): "New
// organization" asks for project keys, "Check" names several projects and counts their
// repositories, the teams page marks each team as a project or a group, and the settings page
// shows the hook mode in Bitbucket's words and says the sync schedule covers the membership and
// repository events Bitbucket never sends. Nothing here names a forge type outside the config.
import t from 'tap';
import { startFakeBitbucketServer, type FakeBitbucketServer } from '../../fakes/bitbucket-server/index.js';
import { startPackyard } from '../../helpers/packyard.js';
import { signIn } from '../../helpers/ui.js';
import { waitFor } from '../../helpers/wait.js';
import { createUser } from '../../../src/services/users.js';
import { syncOrg } from '../../../src/sync/reconcile.js';

const TOKEN = 'bbs-token-packyard-ui-0000';
const PASSWORD = 'correct horse battery';
const json = (o: unknown) => `${JSON.stringify(o)}\n`;

/** PAY (Payments: devs read it, ada administers it) and WEB (Web: carol reads it), three repositories, two with a composer.json. */
async function seed(bb: FakeBitbucketServer, opts: { adminEndpoints: boolean }): Promise<void> {
  const s = bb.state;
  s.addUser('svc', { sysAdmin: true });
  s.addToken(TOKEN, 'svc', { adminEndpoints: opts.adminEndpoints });
  for (const u of ['ada', 'bob', 'carol']) s.addUser(u, { displayName: u[0]?.toUpperCase() + u.slice(1) });
  s.addGroup('devs', ['bob']);
  s.addProject('PAY', { name: 'Payments' });
  s.addProject('WEB', { name: 'Web' });
  s.grantProject('PAY', { group: 'devs' }, 'PROJECT_READ');
  s.grantProject('PAY', { user: 'ada' }, 'PROJECT_ADMIN');
  s.grantProject('WEB', { user: 'carol' }, 'PROJECT_WRITE');
  await s.addRepo('PAY', 'api', { files: { 'composer.json': json({ name: 'pay/api' }) } });
  await s.addRepo('PAY', 'billing', { files: { 'composer.json': json({ name: 'pay/billing' }) } });
  await s.addRepo('WEB', 'site', { files: { 'README.md': '# site\n' } });
}

t.test('Bitbucket Data Center in the web UI', async (t) => {
  const dc8 = await startFakeBitbucketServer({ contextPath: '/bitbucket', version: '8.19' });
  t.teardown(() => dc8.close());
  const dc7 = await startFakeBitbucketServer({ contextPath: '/bitbucket', version: '7.21' });
  t.teardown(() => dc7.close());
  await seed(dc8, { adminEndpoints: true });
  await seed(dc7, { adminEndpoints: false });

  const integration = (id: string, bb: FakeBitbucketServer) => [`  - id: ${id}`, '    type: bitbucket-server', `    url: "${bb.url}"`, `    token: "${TOKEN}"`];
  const org = (name: string, id: string) => [`  - name: ${name}`, '    sync:', `      integration: ${id}`, '      source: PAY,WEB', '      schedule: "0 0 1 1 *"'];
  const pky = await startPackyard(t, {
    yaml: ['integrations:', ...integration('bbs8', dc8), ...integration('bbs7', dc7), 'organizations:', ...org('projects', 'bbs8'), ...org('repos', 'bbs7')].join('\n'),
  });
  createUser(pky.deps.db, 'root', { admin: true, password: PASSWORD }, 'test');
  const app = pky.server!.app;
  const root = await signIn(app, 'root', PASSWORD);

  const check = async (sync: string, source: string) => {
    const started = await root.post('/-/orgs/new/check', { sync, source }, { 'hx-request': 'true', 'x-csrf-token': root.csrf });
    t.equal(started.statusCode, 202, started.body.slice(0, 300));
    const poll = /hx-get="([^"]+)"/.exec(started.body)?.[1] ?? '';
    return waitFor('the check', async () => {
      const r = await root.get(poll, { 'hx-request': 'true' });
      return r.body.includes('hx-get=') ? null : r;
    });
  };

  await t.test('New organization: project keys, Check names the projects and counts their repositories', async (t) => {
    const page = await root.get('/-/orgs/new');
    t.equal(page.statusCode, 200);
    t.match(page.body, '<option value="bbs8">Bitbucket Data Center (bbs8)</option>');
    const field = await root.get('/-/orgs/new/source-field?sync=bbs8&source=PAY%2CWEB', { 'hx-request': 'true' });
    t.match(field.body, /^<div id="source-field" data-integration="bbs8"><label>Project keys <input name="source" value="PAY,WEB" placeholder="PAY,WEB"/);
    t.match(field.body, 'One project key, or several separated by commas');

    const both = await check('bbs8', 'PAY,WEB');
    t.match(both.body, /class="check-result ok" role="status">Found <strong>PAY,WEB<\/strong> on Bitbucket Data Center \(Payments, Web\) · <span class="count">3<\/span> repositories visible/);
    const one = await check('bbs7', 'pay');
    t.match(one.body, /Found <strong>PAY<\/strong> on Bitbucket Data Center \(Payments\) · <span class="count">2<\/span> repositories visible/, 'a key in lower case is the project');
    const missing = await check('bbs8', 'PAY,NOPE');
    t.match(missing.body, /class="check-result error" role="alert">Not found on Bitbucket Data Center \(bbs8\): &quot;PAY,NOPE&quot; does not exist/);
  });

  for (const name of ['projects', 'repos']) {
    const r = await syncOrg(pky.deps, name, { trigger: 'test' });
    t.equal(r.status, 'applied', `${name}: ${r.error ?? ''}`);
  }

  await t.test('the teams page marks projects and groups, with their readers', async (t) => {
    const page = await root.get('/projects/-/teams');
    t.equal(page.statusCode, 200);
    const body = page.body;
    t.match(body, /<li class="team" data-kind="project"><h3>Payments <span class="muted">PAY<\/span> <span class="badge team-kind">project<\/span><\/h3>/);
    t.match(body, /<li class="team" data-kind="project"><h3>Web <span class="muted">WEB<\/span> <span class="badge team-kind">project<\/span><\/h3>/);
    t.match(body, /<li class="team" data-kind="group"><h3>devs <span class="muted">devs<\/span> <span class="badge team-kind">group<\/span><\/h3>/);
    t.match(body, /<h3>Payments[\s\S]*?<li>ada <span class="badge">maintainer<\/span><\/li><li>bob <span class="badge">member<\/span><\/li>/, "the project's readers; its admin as maintainer");
    t.match(body, /<h3>devs[\s\S]*?<li>bob <span class="badge">member<\/span><\/li>[\s\S]*?pay\/api/, "the group's members and the packages it reads");
    t.match(body, /<h3>Web[\s\S]*?<li>carol <span class="badge">member<\/span><\/li>/);

    const noAdmin = await root.get('/repos/-/teams');
    t.equal(noAdmin.statusCode, 200);
    t.match(noAdmin.body, /data-kind="project"><h3>Payments/);
    t.notMatch(noAdmin.body, 'data-kind="group"', 'no group teams when the token may not list group members');
    // The same people on a second integration get their own Packyard users (bob-bbs7).
    t.match(noAdmin.body, /<h3>Payments[\s\S]*?<li>bob-bbs7 <span class="badge">member<\/span><\/li>/, 'the group member still reads through the project');
  });

  await t.test('settings: the hook mode in Bitbucket\'s words, and the schedule covers what hooks never announce', async (t) => {
    const projects = await root.get('/projects/-/settings');
    t.equal(projects.statusCode, 200);
    t.match(projects.body, '<p class="hook-mode">A hook per project on Bitbucket Data Center.</p>');
    t.match(projects.body, '<p class="hint schedule-covers">Bitbucket Data Center sends no events for membership changes or new repositories; the sync schedule (<code>0 0 1 1 *</code>) picks them up.</p>');
    for (const key of ['PAY', 'WEB']) {
      const hook = dc8.state.hooksOf({ type: 'project', id: dc8.state.project(key).id })[0];
      t.ok(hook, `${key}: its project hook is on the forge`);
      t.match(projects.body, new RegExp(`<td>source <code>${key}</code></td><td>${hook?.id}</td>\\s*<td><span class="badge ok">created</span>`), `${key}: its hook's state`);
    }

    const repos = await root.get('/repos/-/settings');
    t.equal(repos.statusCode, 200);
    t.match(repos.body, '<p class="hook-mode">A hook per repository on Bitbucket Data Center (one for each package).</p>');
    t.match(repos.body, 'Bitbucket Data Center sends no events for membership changes or new repositories; the sync schedule (<code>0 0 1 1 *</code>) picks them up.');
    for (const slug of ['api', 'billing']) {
      const repo = dc7.state.repo('PAY', slug);
      const h = dc7.state.hooksOf({ type: 'repository', id: repo.id })[0];
      t.ok(h, `PAY/${slug}: its repository hook is on the forge`);
      t.match(repos.body, new RegExp(`<td>PAY/${slug}</td><td>${h?.id}</td>\\s*<td><span class="badge ok">created</span>`), `PAY/${slug}: its state`);
    }
    t.notMatch(repos.body, '<td>WEB/site</td>', 'no hook for a repository that is no package');
  });
});
