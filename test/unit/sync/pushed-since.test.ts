// The scheduled sync repairs missed push webhooks: a package whose repository the forge says was
// pushed since the last sync gets an update queued (plan.packagesToUpdate) and the new push time
// is recorded, so the next sync plans nothing; a dry run queues nothing. A repository the forge
// gives no push time for (Bitbucket Data Center) gets an update check on every scheduled sync
// (plan.packagesToRecheck, no change of the plan), never on a sync a person or a webhook asked
// for. Through syncOrg with the typed FakeForge and a real SQLite file.
import t from 'tap';
import { syncOrg } from '../../../src/sync/reconcile.js';
import { ghesSyncYaml, startPackyard } from '../../helpers/packyard.js';
import { FakeForge, type World } from '../../fakes/forge.js';

t.test('a repository pushed since the last sync: its package is updated once', async (t) => {
  const world: World = {
    org: { id: 'o1', login: 'acme' },
    users: [{ id: 'u1', login: 'olga' }],
    owners: ['u1'],
    repositories: [
      { id: 'r1', fullName: 'acme/lib', composer: { name: 'acme/lib' }, pushedAt: '2026-01-01T00:00:00Z' },
      { id: 'r2', fullName: 'acme/old', composer: { name: 'acme/old' }, pushedAt: null },
    ],
  };
  const fake = new FakeForge(world, { integrationId: 'ghe' });
  const yaml = ghesSyncYaml({ url: 'https://github.example', apiUrl: 'https://github.example/api/v3' }, { token: 'unused', autoAddPackages: true, installWebhooks: false });
  const pky = await startPackyard(t, { yaml, listen: false, forgeFactory: () => fake });
  const updates = () => pky.deps.sqlite.prepare(`SELECT json_extract(payload, '$.packageId') AS id, trigger FROM jobs WHERE type = 'update-package' ORDER BY jobs.id`).all() as { id: number; trigger: string }[];
  const idOf = (name: string) => (pky.deps.sqlite.prepare(`SELECT package_id AS id FROM forge_repos WHERE full_name = ?`).get(name) as { id: number }).id;

  const first = await syncOrg(pky.deps, 'acme');
  t.equal(first.status, 'applied');
  t.equal(first.plan?.packagesToUpdate.length, 0, 'new packages are imported, not updated');
  t.equal(updates().length, 2, 'two first imports queued');
  pky.deps.sqlite.prepare(`UPDATE jobs SET status = 'done'`).run();

  t.equal((await syncOrg(pky.deps, 'acme')).status, 'unchanged', 'nothing pushed: nothing to do');

  world.repositories![0]!.pushedAt = '2026-01-02T00:00:00Z';
  const dry = await syncOrg(pky.deps, 'acme', { dryRun: true });
  t.same(dry.plan?.packagesToUpdate, [{ packageId: idOf('acme/lib'), fullName: 'acme/lib' }], 'the dry run plans the update');
  t.equal(updates().length, 2, 'and queues nothing');

  const pushed = await syncOrg(pky.deps, 'acme', { trigger: 'schedule' });
  t.equal(pushed.status, 'applied');
  t.same(pushed.plan?.packagesToUpdate, [{ packageId: idOf('acme/lib'), fullName: 'acme/lib' }]);
  t.same(pushed.plan?.packagesToRecheck, [{ packageId: idOf('acme/old'), fullName: 'acme/old' }], 'the scheduled sync checks the package without a push time');
  t.same(updates().slice(2), [{ id: idOf('acme/lib'), trigger: 'sync:ghe' }, { id: idOf('acme/old'), trigger: 'sync:ghe' }], 'an update queued for the pushed package and one for the unknown');
  const stored = pky.deps.sqlite.prepare(`SELECT pushed_at AS p FROM forge_repos WHERE full_name = 'acme/lib'`).get() as { p: string };
  t.equal(stored.p, '2026-01-02T00:00:00Z', 'the push time is recorded');
  pky.deps.sqlite.prepare(`UPDATE jobs SET status = 'done'`).run();

  const again = await syncOrg(pky.deps, 'acme');
  t.equal(again.status, 'unchanged', 'the next sync plans nothing');
  t.same(again.plan?.packagesToRecheck, [], 'a sync asked from the CLI checks nothing');
  t.equal(updates().length, 4);
  for (const trigger of ['webhook:ghe', 'ui:olga']) {
    t.same((await syncOrg(pky.deps, 'acme', { trigger })).plan?.packagesToRecheck, [], `nor one a ${trigger.split(':')[0]} asked for`);
  }
  t.equal(updates().length, 4);

  const scheduled = await syncOrg(pky.deps, 'acme', { trigger: 'schedule' });
  t.equal(scheduled.status, 'unchanged', 'a scheduled sync whose only work is the checks changed nothing');
  t.same(scheduled.plan?.packagesToRecheck, [{ packageId: idOf('acme/old'), fullName: 'acme/old' }]);
  t.same(updates().slice(4), [{ id: idOf('acme/old'), trigger: 'sync:ghe' }], 'and queued the check');
  pky.deps.sqlite.prepare(`UPDATE jobs SET status = 'done'`).run();

  world.repositories![1]!.archived = true;
  const archived = await syncOrg(pky.deps, 'acme', { trigger: 'schedule' });
  t.same(archived.plan?.packagesToRecheck, [], 'an archived repository is not checked');
  const dryScheduled = await syncOrg(pky.deps, 'acme', { trigger: 'schedule', dryRun: true });
  t.equal(dryScheduled.status, 'dry-run');
  t.equal(updates().length, 5, 'a dry run queues nothing');
});
