// Forge team ids are opaque: Bitbucket Data Center's hold ':' (`project:12`, `group:devs`). A
// team grant on such a team is planned, applied and read back under the full id, and the next
// sync plans nothing. Through syncOrg with the typed FakeForge and a real SQLite file.
import t from 'tap';
import { syncOrg } from '../../../src/sync/reconcile.js';
import { ghesSyncYaml, startPackyard } from '../../helpers/packyard.js';
import { FakeForge, type World } from '../../fakes/forge.js';

t.test("team grants on team ids that hold ':' apply and stay put", async (t) => {
  const world: World = {
    org: { id: 'o1', login: 'acme' },
    users: [{ id: '1', login: 'pam' }, { id: '2', login: 'gina' }],
    owners: ['1'],
    members: ['2'],
    teams: [{ id: 'project:12', slug: 'PAY', members: ['1', '2'] }, { id: 'group:pay:devs', slug: 'pay:devs', members: ['2'] }],
    repositories: [{ id: '30', fullName: 'PAY/api', composer: { name: 'acme/pay-api' }, pushedAt: null }],
    grants: [
      { repoId: '30', subject: { kind: 'team', teamId: 'project:12' }, label: 'PROJECT_READ+ on PAY' },
      { repoId: '30', subject: { kind: 'team', teamId: 'group:pay:devs' }, label: 'PROJECT_READ (group pay:devs)' },
    ],
  };
  const fake = new FakeForge(world, { integrationId: 'ghe' });
  const yaml = ghesSyncYaml({ url: 'https://github.example', apiUrl: 'https://github.example/api/v3' }, { token: 'unused', autoAddPackages: true, installWebhooks: false });
  const pky = await startPackyard(t, { yaml, listen: false, forgeFactory: () => fake });

  const first = await syncOrg(pky.deps, 'acme');
  t.equal(first.status, 'applied', first.error ?? '');
  t.same(first.plan?.grantsToAdd.map((g) => [g.subject, g.subjectExt]).sort(), [['team', 'group:pay:devs'], ['team', 'project:12']]);
  const rows = pky.deps.sqlite.prepare(`SELECT t.external_id AS ext FROM package_access a JOIN teams t ON t.id = a.team_id ORDER BY ext`).all() as { ext: string }[];
  t.same(rows.map((r) => r.ext), ['group:pay:devs', 'project:12'], 'both grants stored on their teams');
  const again = await syncOrg(pky.deps, 'acme');
  t.equal(again.status, 'unchanged', 'the next sync plans nothing');
});
