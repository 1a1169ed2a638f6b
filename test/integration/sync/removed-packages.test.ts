// A synced organization with auto_add_packages: a removed package stays removed at the next sync
// (its repository is marked ignored) until an owner adds it again; a disabled user stays disabled
// through syncs that still list them.
import t from 'tap';
import { startGhesOrg } from '../../helpers/ghes-org.js';
import { ghesSyncYaml, startPackyard } from '../../helpers/packyard.js';

const TOKEN = 'ghp_removedpackagesadmintoken00000000000';

t.test('removal of a synced package sticks; a disabled user stays disabled', async (t) => {
  const { ghe, s } = await startGhesOrg(t, TOKEN);
  s.addUser('carol');
  s.addOrgMember('acme', 'carol', 'member');
  await s.addRepo('acme', 'lib', { files: { 'composer.json': '{"name":"acme/lib"}\n' } });
  await s.commit('acme', 'lib', {}, { tag: '2.0.0' });

  const pky = await startPackyard(t, { yaml: ghesSyncYaml(ghe, { token: TOKEN, autoAddPackages: true, installWebhooks: false }) });
  const names = () => (pky.deps.sqlite.prepare(`SELECT name, url FROM packages`).all() as { name: string | null; url: string }[]);
  const sync = async () => {
    const r = await pky.cli(['sync', '--org', 'acme']);
    t.equal(r.code, 0, r.stderr);
    return r;
  };
  await sync();
  t.equal(names().length, 1, 'auto-added');
  const url = names()[0]?.url as string;
  const update = await pky.cli(['package', 'update', '--org', 'acme', url]);
  t.equal(update.code, 0, update.stderr);

  const disabled = await pky.cli(['user', 'disable', 'carol']);
  t.equal(disabled.code, 0, disabled.stderr);
  const removed = await pky.cli(['package', 'remove', '--org', 'acme', 'acme/lib']);
  t.equal(removed.code, 0, removed.stderr);
  t.match(pky.deps.sqlite.prepare(`SELECT details FROM audit_log WHERE action = 'package.remove'`).get(), { details: /"autoAdd":"ignored"/ });

  await s.commit('acme', 'lib', { 'README.md': 'pushed after the removal\n' }, { tag: '2.0.1' });
  await sync();
  t.same(names(), [], 'not added again by the next sync, even after a push');
  t.match(pky.deps.sqlite.prepare(`SELECT composer FROM forge_repos WHERE full_name = 'acme/lib'`).get(), { composer: 'ignored' });
  t.notSame(pky.deps.sqlite.prepare(`SELECT disabled_at AS d FROM users WHERE login = 'carol'`).get(), { d: null }, 'carol stays disabled');

  const again = await pky.cli(['package', 'add', '--org', 'acme', '--repo', 'acme/lib']);
  t.equal(again.code, 0, again.stderr);
  await sync();
  t.equal(names().length, 1, 'an owner added it again and it stays');
});
