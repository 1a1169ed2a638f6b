// A synced organization without auto_add_packages: sync adds no packages; `package add --repo
// OWNER/NAME` adds one with the integration's credential, and the sync it queues grants access.
// A webhook for an unsupported forge type answers 501; an unknown integration 404.
import t from 'tap';
import { startGhesOrg } from '../../helpers/ghes-org.js';
import { ghesSyncYaml, startPackyard } from '../../helpers/packyard.js';

const TOKEN = 'ghp_manualpackagesadmintoken0000000000000';

t.test('package add --repo on an organization that does not add packages by itself', async (t) => {
  const { ghe, s } = await startGhesOrg(t, TOKEN);
  s.addUser('carol');
  s.addOrgMember('acme', 'carol', 'member');
  s.addTeam('acme', { slug: 'php' });
  s.addTeamMember('acme', 'php', 'carol');
  await s.addRepo('acme', 'lib', { files: { 'composer.json': '{"name":"acme/lib"}\n' } });
  await s.commit('acme', 'lib', {}, { tag: '2.0.0' });
  s.grantTeam('acme', 'php', 'lib', 'pull');

  const pky = await startPackyard(t, {
    yaml: ghesSyncYaml(ghe, {
      token: TOKEN,
      autoAddPackages: false,
      installWebhooks: false,
      moreIntegrations: ['  - id: gl', '    type: gitlab', '    url: "https://gitlab.example"', '    token: "glpat-unused"'],
    }),
  });
  const first = await pky.cli(['sync', '--org', 'acme']);
  t.equal(first.code, 0, first.stderr);
  t.notMatch(first.stdout, /packagesToAdd/, 'no package added by itself');
  t.notMatch(first.stdout, /webhook:/, 'no webhook without install_webhooks');

  const missing = await pky.cli(['package', 'add', '--org', 'acme', '--repo', 'acme/nope']);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /no repository acme\/nope in the last sync/);

  const add = await pky.cli(['package', 'add', '--org', 'acme', '--repo', 'acme/lib']);
  t.equal(add.code, 0, add.stderr);
  t.match(add.stdout, /acme\/lib: added 2 \(2\.0\.0, dev-main\)/, add.stdout);
  const second = await pky.cli(['sync', '--org', 'acme']);
  t.equal(second.code, 0, second.stderr);
  const carol = (await pky.cli(['token', 'create', '--org', 'acme', '--user', 'carol'])).stdout.trim();
  const res = await fetch(`${pky.url}/acme/p2/acme/lib.json`, { headers: { authorization: `Bearer ${carol}` } });
  t.equal(res.status, 200, 'carol reads it through her team');
  const row = pky.deps.sqlite.prepare(`SELECT integration, credential_id AS c, forge_status AS f FROM packages WHERE name = 'acme/lib'`).get();
  t.same(row, { integration: 'ghe', c: null, f: 'active' }, "cloned with the integration's credential");

  // GitLab is a supported type now (unsupported types stop start-up): a delivery without its token is refused.
  const unsigned = await fetch(`${pky.url}/hooks/gl`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.equal(unsigned.status, 401);
  const unknown = await fetch(`${pky.url}/hooks/nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.equal(unknown.status, 404);
});
