// What the forge could not tell (OrgSnapshot.notes) is carried through a sync: returned in the
// outcome, stored with the run (sync_runs.notes, null when there is nothing), dry runs included,
// and never a reason to change access (the plan is the same with or without notes).
import t from 'tap';
import { ForgeError } from '../../../src/forges/types.js';
import type { ForgeFactory } from '../../../src/sync/forges.js';
import { lastSyncRuns, syncOrg } from '../../../src/sync/reconcile.js';
import { FakeForge } from '../../fakes/forge.js';
import { ghesSyncYaml, startPackyard } from '../../helpers/packyard.js';

const NOTE = 'Groups are not shown: the forge would not list them; readers come from the repositories.';
const fake = new FakeForge({
  org: { id: 'o1', login: 'acme' },
  users: [{ id: '101', login: 'owner' }, { id: '102', login: 'dev' }],
  owners: ['101'],
  members: ['102'],
  notes: [NOTE],
}, { integrationId: 'ghe', webUrl: 'https://github.example' });
fake.fail.ensureWebhook = new ForgeError('unavailable', 'not used');
const stubForge: ForgeFactory = () => fake;

t.test('the snapshot notes are stored with the run and returned, nothing is guessed from them', async (t) => {
  const yaml = ghesSyncYaml({ url: 'https://github.example', apiUrl: 'https://github.example/api/v3' }, { token: 'test-token', autoAddPackages: false, installWebhooks: false });
  const pky = await startPackyard(t, { yaml, listen: false, forgeFactory: stubForge });
  const orgId = (pky.deps.sqlite.prepare(`SELECT id FROM organizations WHERE name = 'acme'`).get() as { id: number }).id;

  const dry = await syncOrg(pky.deps, 'acme', { dryRun: true, trigger: 'test' });
  t.equal(dry.status, 'dry-run');
  t.same(dry.notes, [NOTE], 'a dry run says so too');

  const first = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
  t.equal(first.status, 'applied', first.error ?? 'applied');
  t.same(first.notes, [NOTE]);
  t.same(lastSyncRuns(pky.deps, orgId, 1)[0]?.notes, [NOTE], 'stored with the run');

  fake.world.notes = undefined;
  const second = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
  t.equal(second.status, 'unchanged', 'the notes changed nothing of the plan');
  t.same(second.notes, []);
  const raw = pky.deps.sqlite.prepare(`SELECT notes FROM sync_runs WHERE id = ?`).get(second.runId) as { notes: string | null };
  t.equal(raw.notes, null, 'nothing to say: null');
});
