// Team slugs under unique (org_id, slug), planned and applied on a real SQLite file: a forge team
// `all-members` lives beside the synthetic all-members team (also in a database that still holds
// the synthetic team under its old slug), two teams swap slugs in one run, a team recreated under
// a deleted team's slug, and duplicate slugs in one listing.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDb, type Db } from '../../../src/db/client.js';
import type { ForgeTeam, OrgSnapshot } from '../../../src/forges/types.js';
import { applyPlan, loadCurrentState } from '../../../src/sync/apply.js';
import { ALL_MEMBERS_TEAM, computePlan, planIsEmpty } from '../../../src/sync/plan.js';

function openOrg(t: { teardown(fn: () => unknown): void }): { db: Db; org: { id: number; name: string } } {
  const dir = mkdtempSync(join(tmpdir(), 'pky-team-slugs-'));
  const db = openDb(join(dir, 'packyard.db'));
  migrate(db.$client);
  t.teardown(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const row = db.$client.prepare(`INSERT INTO organizations (name, acl_changed_at, packages_changed_at, created_at) VALUES ('acme', 0, 0, 0) RETURNING id`).get() as { id: number };
  return { db, org: { id: row.id, name: 'acme' } };
}

const snapshot = (teams: ForgeTeam[]): OrgSnapshot => ({
  org: { id: 'o1', login: 'acme' },
  users: [{ id: 'u1', login: 'alice' }],
  members: [{ userId: 'u1', role: 'member' }],
  teams,
  teamMembers: new Map(teams.map((tm) => [tm.id, [{ userId: 'u1', role: 'member' as const }]])),
  repositories: [],
  grants: [],
});
const team = (id: string, slug: string): ForgeTeam => ({ id, slug, name: slug, parentId: null });

/** One reconciliation as reconcile.ts runs it: state, plan and apply in one transaction. */
function sync(db: Db, org: { id: number; name: string }, snap: OrgSnapshot) {
  return db.transaction((tx) => {
    const current = loadCurrentState(tx, org.id, 'ghe');
    const plan = computePlan('ghe', snap, current, { composer: new Map(), directReaders: new Map(), autoAddPackages: false });
    if (!planIsEmpty(plan)) applyPlan(tx, org, 'ghe', plan, current, 'sync:ghe');
    return plan;
  });
}

const slugs = (db: Db) =>
  Object.fromEntries((db.$client.prepare(`SELECT external_id AS ext, slug FROM teams ORDER BY id`).all() as { ext: string; slug: string }[]).map((r) => [r.ext, r.slug]));
const teamIds = (db: Db) =>
  Object.fromEntries((db.$client.prepare(`SELECT external_id AS ext, id FROM teams ORDER BY id`).all() as { ext: string; id: number }[]).map((r) => [r.ext, r.id]));

t.test('a forge team all-members and the synthetic all-members team', async (t) => {
  const { db, org } = openOrg(t);
  sync(db, org, snapshot([team('t1', 'all-members'), team('t2', 'backend')]));
  t.same(slugs(db), { t1: 'all-members', t2: 'backend', [ALL_MEMBERS_TEAM.externalId]: ALL_MEMBERS_TEAM.slug });
  t.ok(planIsEmpty(sync(db, org, snapshot([team('t1', 'all-members'), team('t2', 'backend')]))), 'later syncs plan nothing and do not fail');
  const members = db.$client.prepare(`SELECT COUNT(*) AS n FROM team_members`).get() as { n: number };
  t.equal(members.n, 3, 'alice in both forge teams and in the synthetic team');
});

t.test('a database holding the synthetic team under its old slug: renamed when a forge team takes that slug', async (t) => {
  const { db, org } = openOrg(t);
  db.$client.prepare(`INSERT INTO teams (org_id, slug, name, external_id, created_at) VALUES (?, 'all-members', ?, ?, 0)`)
    .run(org.id, ALL_MEMBERS_TEAM.name, ALL_MEMBERS_TEAM.externalId);
  const before = teamIds(db)[ALL_MEMBERS_TEAM.externalId];
  sync(db, org, snapshot([team('t1', 'all-members')]));
  t.same(slugs(db), { [ALL_MEMBERS_TEAM.externalId]: ALL_MEMBERS_TEAM.slug, t1: 'all-members' });
  t.equal(teamIds(db)[ALL_MEMBERS_TEAM.externalId], before, 'the same team row (its grants stay)');
  t.ok(planIsEmpty(sync(db, org, snapshot([team('t1', 'all-members')]))));
});

t.test('two teams swap slugs in one run', async (t) => {
  const { db, org } = openOrg(t);
  sync(db, org, snapshot([team('t1', 'alpha'), team('t2', 'beta')]));
  const ids = teamIds(db);
  const plan = sync(db, org, snapshot([team('t1', 'beta'), team('t2', 'alpha')]));
  t.equal(plan.teamsToUpdate.length, 2);
  t.same(slugs(db), { t1: 'beta', t2: 'alpha', [ALL_MEMBERS_TEAM.externalId]: ALL_MEMBERS_TEAM.slug });
  t.same(teamIds(db), ids, 'teams are keyed by their forge ids: the same rows');
  t.ok(planIsEmpty(sync(db, org, snapshot([team('t1', 'beta'), team('t2', 'alpha')]))));
});

t.test("a team deleted and another created under its slug in one run", async (t) => {
  const { db, org } = openOrg(t);
  sync(db, org, snapshot([team('t1', 'alpha')]));
  sync(db, org, snapshot([team('t9', 'alpha')]));
  t.same(slugs(db), { [ALL_MEMBERS_TEAM.externalId]: ALL_MEMBERS_TEAM.slug, t9: 'alpha' });
});

t.test('duplicate slugs in one listing (or the reserved one) get the forge id appended', async (t) => {
  const { db, org } = openOrg(t);
  sync(db, org, snapshot([team('t1', 'core'), team('t2', 'core'), team('t3', ALL_MEMBERS_TEAM.slug)]));
  t.same(slugs(db), { t1: 'core', t2: 'core~t2', t3: `${ALL_MEMBERS_TEAM.slug}~t3`, [ALL_MEMBERS_TEAM.externalId]: ALL_MEMBERS_TEAM.slug });
});
