// The plan and its application, table-driven over each forge's shapes, through the real
// reconciliation (computePlan + applyPlan in syncOrg, a real SQLite file, migrations applied) and
// the one typed FakeForge: GitHub nested teams, a GitLab group tree with a group share and a
// project share, project-only readers (user grants and direct readers), a shared-in group's member
// (team member, not org member), blocked users, the all-members grant; every row ends with a
// second sync that plans nothing. Then fail closed: a failing snapshot, direct readers or
// composer.json check changes nothing.
import t, { type Test } from 'tap';
import { can, type Principal } from '../../../src/domain/policy.js';
import { ForgeError } from '../../../src/forges/types.js';
import { syncOrg } from '../../../src/sync/reconcile.js';
import { ghesSyncYaml, startPackyard, type TestPackyard } from '../../helpers/packyard.js';
import { FakeForge, type World } from '../../fakes/forge.js';

const composer = (name: string) => ({ name });

interface Expect {
  /** Synced org members by login. */
  members: Record<string, 'owner' | 'member'>;
  /** Team slug -> member logins (the synthetic all-members team included). */
  teams: Record<string, string[]>;
  /** Login -> repositories read (every user of the integration, readers of nothing included). */
  reads: Record<string, string[]>;
  /** "subject repository (label)" for every synced grant. */
  grants: string[];
}

interface Row {
  name: string;
  world: () => World;
  expect: Expect;
  /** A change on the forge, and what the next sync leaves. */
  then?: { change: (w: World) => void; expect: Expect };
}

async function start(t: Test, world: World): Promise<{ pky: TestPackyard; fake: FakeForge }> {
  const fake = new FakeForge(world, { integrationId: 'ghe' });
  const yaml = ghesSyncYaml({ url: 'https://github.example', apiUrl: 'https://github.example/api/v3' }, { token: 'unused', autoAddPackages: true, installWebhooks: false });
  const pky = await startPackyard(t, { yaml, listen: false, forgeFactory: () => fake });
  return { pky, fake };
}

/** What Packyard holds for acme, in names people read. */
function state(pky: TestPackyard): Expect {
  const q = <T>(sql: string, ...args: unknown[]) => pky.deps.sqlite.prepare(sql).all(...args) as T[];
  const org = pky.deps.reader.org('acme');
  if (!org) throw new Error('no org acme');
  const members = Object.fromEntries(q<{ login: string; role: 'owner' | 'member' }>(
    `SELECT u.login, m.role FROM org_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? AND m.source = 'sync' ORDER BY u.login`, org.id,
  ).map((r) => [r.login, r.role]));
  const teams: Record<string, string[]> = {};
  for (const r of q<{ slug: string; login: string | null }>(
    `SELECT t.slug, u.login FROM teams t LEFT JOIN team_members tm ON tm.team_id = t.id LEFT JOIN users u ON u.id = tm.user_id WHERE t.org_id = ? ORDER BY t.slug, u.login`, org.id,
  )) {
    teams[r.slug] ??= [];
    if (r.login !== null) teams[r.slug]?.push(r.login);
  }
  const pkgs = q<{ id: number; fullName: string }>(
    `SELECT p.id, f.full_name AS fullName FROM packages p JOIN forge_repos f ON f.package_id = p.id WHERE p.org_id = ? ORDER BY f.full_name`, org.id,
  );
  const reads: Record<string, string[]> = {};
  for (const u of q<{ id: number; login: string }>(`SELECT u.id, u.login FROM users u JOIN identities i ON i.user_id = u.id WHERE i.integration = 'ghe' ORDER BY u.login`)) {
    const principal: Principal = { kind: 'user', userId: u.id, isAdmin: false };
    const facts = pky.deps.access.facts(principal, org);
    reads[u.login] = pkgs.filter((p) => can(principal, 'package:read', { org: facts, packageId: p.id })).map((p) => p.fullName);
  }
  const grants = q<{ subject: string; fullName: string; permission: string }>(
    `SELECT coalesce('team:' || t.slug, 'user:' || u.login) AS subject, f.full_name AS fullName, a.permission FROM package_access a
     JOIN forge_repos f ON f.package_id = a.package_id LEFT JOIN teams t ON t.id = a.team_id LEFT JOIN users u ON u.id = a.user_id
     WHERE a.source = 'sync' AND f.org_id = ?`, org.id,
  ).map((g) => `${g.subject} ${g.fullName} (${g.permission})`).sort();
  return { members, teams, reads, grants };
}

async function syncChecked(t: Test, pky: TestPackyard, what: string): Promise<void> {
  const out = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
  t.notOk(out.error, out.error ?? `${what}: synced`);
  const again = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
  t.equal(again.status, 'unchanged', `${what}: a second sync plans nothing`);
}

const ALL = '~all-members';

const rows: Row[] = [
  {
    name: 'GitHub: nested teams, base permission and visibility as members grants, an outside collaborator',
    world: () => ({
      org: { id: 'o1', login: 'acme' },
      users: [{ id: '1', login: 'owner' }, { id: '2', login: 'alice' }, { id: '3', login: 'bob' }, { id: '4', login: 'carol' }, { id: '5', login: 'olga' }],
      owners: ['1'],
      members: ['2', '3', '4'],
      teams: [
        { id: 't1', slug: 'platform', members: [{ userId: '2', role: 'maintainer' }] },
        { id: 't2', slug: 'platform-php', parentId: 't1', members: ['3'] },
      ],
      repositories: [
        { id: 'r1', fullName: 'acme/lib', composer: composer('acme/lib') },
        { id: 'r2', fullName: 'acme/php', composer: composer('acme/php') },
        { id: 'r3', fullName: 'acme/internal', visibility: 'internal', composer: composer('acme/internal') },
        { id: 'r4', fullName: 'acme/site' },
      ],
      grants: [
        { repoId: 'r1', subject: { kind: 'team', teamId: 't1' }, label: 'push' },
        { repoId: 'r2', subject: { kind: 'team', teamId: 't2' }, label: 'php-reader' },
        { repoId: 'r3', subject: { kind: 'members' }, label: 'internal' },
        { repoId: 'r4', subject: { kind: 'team', teamId: 't1' }, label: 'pull' },
      ],
      directReaders: { r1: [{ userId: '5', label: 'pull' }], r2: [{ userId: '4', read: false, label: 'none' }] },
    }),
    expect: {
      members: { alice: 'member', bob: 'member', carol: 'member', owner: 'owner' },
      teams: { [ALL]: ['alice', 'bob', 'carol', 'owner'], platform: ['alice', 'bob'], 'platform-php': ['bob'] },
      reads: {
        alice: ['acme/internal', 'acme/lib'], bob: ['acme/internal', 'acme/lib', 'acme/php'], carol: ['acme/internal'],
        olga: ['acme/lib'], owner: ['acme/internal', 'acme/lib', 'acme/php'],
      },
      grants: ['team:platform acme/lib (push)', 'team:platform-php acme/php (php-reader)', `team:${ALL} acme/internal (internal)`, 'user:olga acme/lib (pull)'].sort(),
    },
    then: {
      change: (w) => {
        // bob leaves the child team; the collaborator's access is removed on the forge.
        const php = w.teams?.find((x) => x.id === 't2');
        if (php) php.members = [];
        if (w.directReaders) w.directReaders.r1 = [];
      },
      expect: {
        members: { alice: 'member', bob: 'member', carol: 'member', owner: 'owner' },
        teams: { [ALL]: ['alice', 'bob', 'carol', 'owner'], platform: ['alice'], 'platform-php': [] },
        reads: { alice: ['acme/internal', 'acme/lib'], bob: ['acme/internal'], carol: ['acme/internal'], olga: [], owner: ['acme/internal', 'acme/lib', 'acme/php'] },
        grants: ['team:platform acme/lib (push)', 'team:platform-php acme/php (php-reader)', `team:${ALL} acme/internal (internal)`].sort(),
      },
    },
  },
  {
    name: 'GitLab: a group tree with inherited members, a group share and a project share',
    world: () => ({
      org: { id: 'g1', login: 'acme' },
      teamMembership: 'inherited',
      users: [{ id: '11', login: 'gina' }, { id: '12', login: 'dev' }, { id: '13', login: 'sam' }, { id: '14', login: 'quinn' }, { id: '15', login: 'pat' }],
      owners: ['11'],
      members: ['12', '13'],
      teams: [
        { id: 'g1', slug: 'acme', members: [{ userId: '11', role: 'maintainer' }, '12'] },
        { id: 'g2', slug: 'acme/sub', parentId: 'g1', members: ['13'] },
        { id: 'x1', slug: 'other/qa', members: ['14'] },
        { id: 'x2', slug: 'partners', members: ['15'] },
      ],
      repositories: [
        { id: 'p1', fullName: 'acme/top', composer: composer('acme/top') },
        { id: 'p2', fullName: 'acme/sub/app', composer: composer('acme/app') },
        { id: 'p3', fullName: 'acme/sub/tool', composer: composer('acme/tool') },
      ],
      grants: [
        ...['p1', 'p2', 'p3'].map((repoId) => ({ repoId, subject: { kind: 'team' as const, teamId: 'g1' }, label: 'member of acme' })),
        ...['p2', 'p3'].map((repoId) => ({ repoId, subject: { kind: 'team' as const, teamId: 'g2' }, label: 'member of acme/sub' })),
        // acme/sub is shared with partners (Reporter): every project below it.
        ...['p2', 'p3'].map((repoId) => ({ repoId, subject: { kind: 'team' as const, teamId: 'x2' }, label: 'shared with partners (Reporter)' })),
        // acme/sub/app is shared with other/qa (Developer); tool with it as Guest (no code).
        { repoId: 'p2', subject: { kind: 'team', teamId: 'x1' }, label: 'shared with other/qa (Developer)' },
        { repoId: 'p3', subject: { kind: 'team', teamId: 'x1' }, read: false, label: 'shared with other/qa (Guest)' },
      ],
    }),
    expect: {
      members: { dev: 'member', gina: 'owner', sam: 'member' },
      teams: { [ALL]: ['dev', 'gina', 'sam'], acme: ['dev', 'gina'], 'acme/sub': ['dev', 'gina', 'sam'], 'other/qa': ['quinn'], partners: ['pat'] },
      reads: {
        dev: ['acme/sub/app', 'acme/sub/tool', 'acme/top'], gina: ['acme/sub/app', 'acme/sub/tool', 'acme/top'], pat: ['acme/sub/app', 'acme/sub/tool'],
        quinn: ['acme/sub/app'], sam: ['acme/sub/app', 'acme/sub/tool'],
      },
      grants: [
        'team:acme acme/top (member of acme)', 'team:acme acme/sub/app (member of acme)', 'team:acme acme/sub/tool (member of acme)',
        'team:acme/sub acme/sub/app (member of acme/sub)', 'team:acme/sub acme/sub/tool (member of acme/sub)',
        'team:partners acme/sub/app (shared with partners (Reporter))', 'team:partners acme/sub/tool (shared with partners (Reporter))',
        'team:other/qa acme/sub/app (shared with other/qa (Developer))',
      ].sort(),
    },
    then: {
      // The project share ends: quinn stays a user and a member of other/qa's team, and reads nothing.
      change: (w) => {
        w.grants = (w.grants ?? []).filter((g) => !(g.subject.kind === 'team' && g.subject.teamId === 'x1'));
      },
      expect: {
        members: { dev: 'member', gina: 'owner', sam: 'member' },
        teams: { [ALL]: ['dev', 'gina', 'sam'], acme: ['dev', 'gina'], 'acme/sub': ['dev', 'gina', 'sam'], 'other/qa': ['quinn'], partners: ['pat'] },
        reads: {
          dev: ['acme/sub/app', 'acme/sub/tool', 'acme/top'], gina: ['acme/sub/app', 'acme/sub/tool', 'acme/top'], pat: ['acme/sub/app', 'acme/sub/tool'],
          quinn: [], sam: ['acme/sub/app', 'acme/sub/tool'],
        },
        grants: [
          'team:acme acme/top (member of acme)', 'team:acme acme/sub/app (member of acme)', 'team:acme acme/sub/tool (member of acme)',
          'team:acme/sub acme/sub/app (member of acme/sub)', 'team:acme/sub acme/sub/tool (member of acme/sub)',
          'team:partners acme/sub/app (shared with partners (Reporter))', 'team:partners acme/sub/tool (shared with partners (Reporter))',
        ].sort(),
      },
    },
  },
  {
    name: 'project-only readers: a project member (user grant) and a repository user (direct reader) are no members',
    world: () => ({
      org: { id: 'o3', login: 'acme' },
      users: [{ id: '21', login: 'owner' }, { id: '22', login: 'perry' }, { id: '23', login: 'rita' }],
      owners: ['21'],
      repositories: [{ id: 'one', fullName: 'acme/one', composer: composer('acme/one') }, { id: 'two', fullName: 'acme/two', composer: composer('acme/two') }],
      grants: [
        { repoId: 'one', subject: { kind: 'user', userId: '22' }, label: 'Reporter' },
        { repoId: 'two', subject: { kind: 'user', userId: '22' }, read: false, label: 'Guest' },
      ],
      directReaders: { two: [{ userId: '23', label: 'REPO_READ' }] },
    }),
    expect: {
      members: { owner: 'owner' },
      teams: { [ALL]: ['owner'] },
      reads: { owner: ['acme/one', 'acme/two'], perry: ['acme/one'], rita: ['acme/two'] },
      grants: ['user:perry acme/one (Reporter)', 'user:rita acme/two (REPO_READ)'],
    },
  },
  {
    name: 'a blocked user loses membership, teams and grants',
    world: () => ({
      org: { id: 'o4', login: 'acme' },
      users: [{ id: '31', login: 'owner' }, { id: '32', login: 'bea' }, { id: '33', login: 'ben' }],
      owners: ['31'],
      members: ['32', '33'],
      teams: [{ id: 't1', slug: 'core', members: ['32', '33'] }],
      repositories: [{ id: 'lib', fullName: 'acme/lib', composer: composer('acme/lib') }, { id: 'pub', fullName: 'acme/pub', composer: composer('acme/pub') }],
      grants: [
        { repoId: 'lib', subject: { kind: 'team', teamId: 't1' }, label: 'Developer' },
        { repoId: 'pub', subject: { kind: 'members' }, label: 'internal' },
        { repoId: 'pub', subject: { kind: 'user', userId: '32' }, label: 'Maintainer' },
      ],
      directReaders: { lib: [{ userId: '32', label: 'REPO_WRITE' }] },
    }),
    expect: {
      members: { bea: 'member', ben: 'member', owner: 'owner' },
      teams: { [ALL]: ['bea', 'ben', 'owner'], core: ['bea', 'ben'] },
      reads: { bea: ['acme/lib', 'acme/pub'], ben: ['acme/lib', 'acme/pub'], owner: ['acme/lib', 'acme/pub'] },
      grants: ['team:core acme/lib (Developer)', `team:${ALL} acme/pub (internal)`, 'user:bea acme/lib (REPO_WRITE)', 'user:bea acme/pub (Maintainer)'].sort(),
    },
    then: {
      change: (w) => {
        const bea = w.users.find((u) => u.login === 'bea');
        if (bea) bea.blocked = true;
      },
      expect: {
        members: { ben: 'member', owner: 'owner' },
        teams: { [ALL]: ['ben', 'owner'], core: ['ben'] },
        reads: { bea: [], ben: ['acme/lib', 'acme/pub'], owner: ['acme/lib', 'acme/pub'] },
        grants: ['team:core acme/lib (Developer)', `team:${ALL} acme/pub (internal)`],
      },
    },
  },
  {
    name: "the all-members grant reaches members, not a shared-in group's member",
    world: () => ({
      org: { id: 'o5', login: 'acme' },
      users: [{ id: '41', login: 'owner' }, { id: '42', login: 'mia' }, { id: '43', login: 'nora' }],
      owners: ['41'],
      members: ['42'],
      teams: [{ id: 'x', slug: 'friends/ops', members: ['43'] }],
      repositories: [{ id: 'pub', fullName: 'acme/pub', visibility: 'public', composer: composer('acme/pub') }, { id: 'ops', fullName: 'acme/ops', composer: composer('acme/ops') }],
      grants: [
        { repoId: 'pub', subject: { kind: 'members' }, label: 'public' },
        { repoId: 'ops', subject: { kind: 'team', teamId: 'x' }, label: 'shared with friends/ops (Reporter)' },
      ],
    }),
    expect: {
      members: { mia: 'member', owner: 'owner' },
      teams: { [ALL]: ['mia', 'owner'], 'friends/ops': ['nora'] },
      reads: { mia: ['acme/pub'], nora: ['acme/ops'], owner: ['acme/ops', 'acme/pub'] },
      grants: [`team:${ALL} acme/pub (public)`, 'team:friends/ops acme/ops (shared with friends/ops (Reporter))'].sort(),
    },
  },
  {
    name: 'Bitbucket Data Center: team ids with a colon (project:10, group:devs) in grants',
    world: () => ({
      org: { id: 'PAY', login: 'acme' },
      users: [{ id: '51', login: 'ada' }, { id: '52', login: 'bo' }],
      owners: ['51'],
      members: ['52'],
      teams: [{ id: 'project:10', slug: 'PAY', members: [{ userId: '51', role: 'maintainer' }, '52'] }, { id: 'group:devs', slug: 'devs', members: ['52'] }],
      repositories: [{ id: '100', fullName: 'PAY/api', composer: composer('pay/api') }],
      grants: [
        { repoId: '100', subject: { kind: 'team', teamId: 'project:10' }, label: 'PROJECT_READ+ on PAY' },
        { repoId: '100', subject: { kind: 'team', teamId: 'group:devs' }, label: 'PROJECT_WRITE (group devs)' },
      ],
    }),
    expect: {
      members: { ada: 'owner', bo: 'member' },
      teams: { [ALL]: ['ada', 'bo'], PAY: ['ada', 'bo'], devs: ['bo'] },
      reads: { ada: ['PAY/api'], bo: ['PAY/api'] },
      grants: ['team:PAY PAY/api (PROJECT_READ+ on PAY)', 'team:devs PAY/api (PROJECT_WRITE (group devs))'].sort(),
    },
  },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    const { pky, fake } = await start(t, row.world());
    await syncChecked(t, pky, 'first sync');
    t.same(state(pky), row.expect, 'members, teams, reads and grants as the forge says');
    if (row.then) {
      row.then.change(fake.world);
      await syncChecked(t, pky, 'after the change');
      t.same(state(pky), row.then.expect, 'after the change on the forge');
    }
  });
}

t.test('fail closed: a failing snapshot, direct readers or composer.json check changes nothing', async (t) => {
  const world: World = {
    org: { id: 'o6', login: 'acme' },
    users: [{ id: '51', login: 'owner' }, { id: '52', login: 'kim' }, { id: '53', login: 'lou' }],
    owners: ['51'],
    members: ['52'],
    teams: [{ id: 't', slug: 'core', members: ['52'] }],
    repositories: [{ id: 'lib', fullName: 'acme/lib', composer: composer('acme/lib') }],
    grants: [{ repoId: 'lib', subject: { kind: 'team', teamId: 't' }, label: 'pull' }],
    directReaders: { lib: [{ userId: '53', label: 'pull' }] },
  };
  const { pky, fake } = await start(t, world);
  await syncChecked(t, pky, 'first sync');
  const before = state(pky);
  t.same(before.reads, { kim: ['acme/lib'], lou: ['acme/lib'], owner: ['acme/lib'] });

  // On the forge everyone but the owner loses everything, and a new repository appears.
  fake.world.members = [];
  fake.world.teams = [];
  fake.world.grants = [];
  fake.world.directReaders = {};
  fake.world.repositories?.push({ id: 'new', fullName: 'acme/new', composer: composer('acme/new') });
  for (const call of ['snapshot', 'directReaders', 'composerJson'] as const) {
    fake.fail = { [call]: new ForgeError('unavailable', `the ${call} listing failed`) };
    const out = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
    t.equal(out.status, 'failed', `${call} fails: the run fails`);
    t.match(out.error, /nothing was changed/);
    t.same(state(pky), before, `${call} fails: nothing changed`);
  }
  fake.fail = {};
  await syncChecked(t, pky, 'once the forge answers');
  t.same(state(pky).reads, { kim: [], lou: [], owner: ['acme/lib', 'acme/new'] }, 'then the forge is followed');
});
