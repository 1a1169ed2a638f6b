// One forge-neutral world (the same people with the same rights) expressed in the fake GitHub
// Enterprise Server and in the fake GitLab, each synced by its own Packyard; per person, the
// packages their token reads (packages.json's available-packages) must be the same on both and
// equal to what the world says. The world's hierarchy reads downwards: the members of a team read
// the repositories of that team and of every team below it (GitLab: a group's members read its
// subgroups' projects). GitHub's nested teams read the other way (a child team reads its parent's
// grants), so the GHES expression nests the same chain upside down. Then a blocked (GitLab) or
// removed (GitHub) person's token reads nothing after the next sync, on both. The same world as
// the forge contract's plain data (FakeForge, cloning from the fake GitLab) gives the same too.
import t, { type Test } from 'tap';
import { startFakeGhes } from '../fakes/ghes/index.js';
import { startFakeGitLab, type FakeGitLab } from '../fakes/gitlab/index.js';
import { FakeForge, type World } from '../fakes/forge.js';
import { ghesSyncYaml, startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { gitlabSyncYaml } from '../helpers/gitlab.js';
import { waitFor } from '../helpers/wait.js';
import { syncOrg } from '../../src/sync/reconcile.js';
import { createToken } from '../../src/services/tokens.js';

// ---- the world -------------------------------------------------------------------------------

interface NeutralWorld {
  owner: string;
  /** A chain, top first; each team's members read the repositories of it and the teams below. */
  teams: Array<{ slug: string; members: string[] }>;
  repos: Array<{ name: string; team: string }>;
  /** People who read one repository directly (collaborator, project member). */
  directReaders: Array<{ person: string; repo: string }>;
  /** In the source with a role that reads nothing (GitHub: member of no team; GitLab: Guest). */
  noRead: Array<{ person: string; team: string }>;
  /** Active at first, then blocked (GitLab) or removed from the organization (GitHub). */
  leaver: string;
}

const WORLD: NeutralWorld = {
  owner: 'olivia',
  teams: [
    { slug: 'acme', members: ['rex'] },
    { slug: 'platform', members: ['tom'] },
    { slug: 'libs', members: ['lea', 'bert'] },
  ],
  repos: [
    { name: 'core', team: 'acme' },
    { name: 'tools', team: 'acme' },
    { name: 'api', team: 'platform' },
    { name: 'lib', team: 'libs' },
  ],
  directReaders: [{ person: 'dan', repo: 'api' }],
  noRead: [{ person: 'gwen', team: 'platform' }],
  leaver: 'bert',
};

const PEOPLE = [...new Set([WORLD.owner, ...WORLD.teams.flatMap((x) => x.members), ...WORLD.directReaders.map((d) => d.person), ...WORLD.noRead.map((n) => n.person)])];

/** What the world says each person reads (package names), `gone` people reading nothing. */
function expected(gone: string[] = []): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const chain = WORLD.teams.map((x) => x.slug);
  for (const p of PEOPLE) {
    const names = new Set<string>();
    if (!gone.includes(p)) {
      if (p === WORLD.owner) for (const r of WORLD.repos) names.add(r.name);
      for (const team of WORLD.teams.filter((x) => x.members.includes(p))) {
        const below = chain.slice(chain.indexOf(team.slug));
        for (const r of WORLD.repos) if (below.includes(r.team)) names.add(r.name);
      }
      for (const d of WORLD.directReaders) if (d.person === p) names.add(d.repo);
    }
    out[p] = [...names].map((n) => `acme/${n}`).sort();
  }
  return out;
}

const composer = (name: string) => ({ 'composer.json': `${JSON.stringify({ name: `acme/${name}` })}\n` });

// ---- the world on each forge -----------------------------------------------------------------

async function onGhes(t: Test) {
  const ghe = await startFakeGhes();
  t.teardown(() => ghe.close());
  const s = ghe.state;
  const token = 'ghp_neutralworldadmin000000000000000000000';
  for (const p of PEOPLE) s.addUser(p);
  s.addToken(token, WORLD.owner);
  s.addOrg('acme', { defaultRepositoryPermission: 'none' });
  s.addOrgMember('acme', WORLD.owner, 'admin');
  for (const p of PEOPLE) if (p !== WORLD.owner && !WORLD.directReaders.some((d) => d.person === p)) s.addOrgMember('acme', p, 'member');
  // The chain upside down: the bottom team is the root, each team above is a child of the one below.
  const reversed = [...WORLD.teams].reverse();
  reversed.forEach((team, i) => s.addTeam('acme', { slug: team.slug, ...(i > 0 ? { parent: reversed[i - 1]!.slug } : {}) }));
  for (const team of WORLD.teams) for (const m of team.members) s.addTeamMember('acme', team.slug, m);
  for (const r of WORLD.repos) {
    await s.addRepo('acme', r.name, { files: composer(r.name) });
    await s.commit('acme', r.name, {}, { tag: '1.0.0' });
    s.grantTeam('acme', r.team, r.name, 'pull');
  }
  for (const d of WORLD.directReaders) s.addCollaborator('acme', d.repo, d.person, 'pull');
  const pky = await startPackyard(t, { yaml: ghesSyncYaml(ghe, { token, installWebhooks: false }) });
  return { pky, leave: () => s.removeOrgMember('acme', WORLD.leaver) };
}

async function onGitLab(t: Test) {
  const gl = await startFakeGitLab({ tier: 'free', relativeRoot: '/gitlab' });
  t.teardown(() => gl.close());
  const s = gl.state;
  const token = 'glpat-neutral-world-owner';
  for (const p of PEOPLE) s.addUser(p);
  s.addToken(token, WORLD.owner, { scopes: ['api'] });
  const path = (slug: string) => WORLD.teams.slice(0, WORLD.teams.findIndex((x) => x.slug === slug) + 1).map((x) => x.slug).join('/');
  for (const team of WORLD.teams) s.addGroup(path(team.slug));
  s.addGroupMember(path(WORLD.teams[0]!.slug), WORLD.owner, 50);
  for (const team of WORLD.teams) for (const m of team.members) s.addGroupMember(path(team.slug), m, 30);
  for (const n of WORLD.noRead) s.addGroupMember(path(n.team), n.person, 10);
  for (const r of WORLD.repos) {
    const p = `${path(r.team)}/${r.name}`;
    await s.addProject(p, { files: composer(r.name) });
    await s.commit(p, {}, { tag: '1.0.0' });
  }
  for (const d of WORLD.directReaders) s.addProjectMember(`${path(WORLD.repos.find((r) => r.name === d.repo)!.team)}/${d.repo}`, d.person, 20);
  const pky = await startPackyard(t, { yaml: gitlabSyncYaml(gl, { token, installWebhooks: false }) });
  return { pky, gl, token, path, leave: () => s.setUserState(WORLD.leaver, 'blocked') };
}

/**
 * The world as the forge contract's plain data (FakeForge, teams listed with inherited members),
 * cloning from the fake GitLab's repositories (the same paths) with its owner's token.
 */
async function onFakeForge(t: Test, lab: { gl: FakeGitLab; token: string; path: (slug: string) => string }) {
  const repoPath = (r: { name: string; team: string }) => `${lab.path(r.team)}/${r.name}`;
  const world: World = {
    org: { id: 'acme-1', login: 'acme' },
    teamMembership: 'inherited',
    users: PEOPLE.map((p, i) => ({ id: `u${i + 1}`, login: p })),
    teams: [],
    repositories: WORLD.repos.map((r, i) => ({ id: `r${i + 1}`, fullName: repoPath(r), composer: { name: `acme/${r.name}` } })),
  };
  const id = (login: string) => world.users.find((u) => u.login === login)!.id;
  const teamId = (slug: string) => `t-${slug}`;
  world.owners = [id(WORLD.owner)];
  world.members = [...new Set([...WORLD.teams.flatMap((x) => x.members), ...WORLD.noRead.map((n) => n.person)])].map(id);
  world.teams = WORLD.teams.map((x, i) => ({ id: teamId(x.slug), slug: lab.path(x.slug), parentId: i > 0 ? teamId(WORLD.teams[i - 1]!.slug) : null, members: x.members.map(id) }));
  world.grants = WORLD.repos.map((r, i) => ({ repoId: `r${i + 1}`, subject: { kind: 'team' as const, teamId: teamId(r.team) }, label: 'team' }));
  world.directReaders = {};
  for (const d of WORLD.directReaders) (world.directReaders[`r${WORLD.repos.findIndex((r) => r.name === d.repo) + 1}`] ??= []).push({ userId: id(d.person) });
  const forge = new FakeForge(world, { integrationId: 'gl', webUrl: lab.gl.url });
  forge.credential = { username: 'oauth2', password: lab.token };
  const pky = await startPackyard(t, { yaml: gitlabSyncYaml(lab.gl, { token: lab.token, installWebhooks: false }), forgeFactory: () => forge });
  return { pky, leave: () => { world.users.find((u) => u.login === WORLD.leaver)!.blocked = true; } };
}

// ---- reading it back -------------------------------------------------------------------------

/** Packyard's sync of `acme` (in process: the CLI's start-up would dominate), then the first imports. */
async function sync(t: Test, pky: TestPackyard): Promise<void> {
  const r = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
  t.ok(r.status === 'applied' || r.status === 'unchanged', `sync: ${r.status} ${r.error ?? ''}`);
  await waitFor('first imports', () => {
    const n = (pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM packages WHERE status = 'new'`).get() as { n: number }).n;
    return n === 0 ? true : null;
  }, 60_000, 20);
}

/** A read token per person who has a Packyard user (people who read nothing may have none). */
function tokens(pky: TestPackyard): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const p of PEOPLE) {
    try {
      out[p] = createToken(pky.deps.db, { user: p, org: 'acme', scope: 'read' }, 'test').token;
    } catch {
      out[p] = null;
    }
  }
  return out;
}

async function readsOf(pky: TestPackyard, toks: Record<string, string | null>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const p of PEOPLE) {
    const tok = toks[p];
    if (!tok) {
      out[p] = [];
      continue;
    }
    const res = await fetch(`${pky.url}/acme/packages.json`, { headers: { authorization: `Bearer ${tok}` } });
    out[p] = res.status === 200 ? ((await res.json()) as { 'available-packages': string[] })['available-packages'].slice().sort() : (await res.arrayBuffer(), []);
  }
  return out;
}

t.test('one world, the same access on GitHub Enterprise, GitLab and FakeForge', async (t) => {
  const [hub, lab] = await Promise.all([onGhes(t), onGitLab(t)]);
  const fake = await onFakeForge(t, lab);
  await Promise.all([sync(t, hub.pky), sync(t, lab.pky), sync(t, fake.pky)]);
  const [hubTokens, labTokens, fakeTokens] = [tokens(hub.pky), tokens(lab.pky), tokens(fake.pky)];
  const want = expected();

  await t.test('each person reads the same packages on both forges, as the world says', async (t) => {
    const [h, l, f] = await Promise.all([readsOf(hub.pky, hubTokens), readsOf(lab.pky, labTokens), readsOf(fake.pky, fakeTokens)]);
    t.same(h, l, 'GitHub Enterprise and GitLab agree');
    t.same(h, want, 'GitHub Enterprise: as the world says');
    t.same(l, want, 'GitLab: as the world says');
    t.same(f, want, 'FakeForge (the contract as plain data): as the world says');
    t.comment(JSON.stringify(want));
  });

  await t.test('the blocked (GitLab) or removed (GitHub) person reads nothing after the next sync, on both', async (t) => {
    t.ok((want[WORLD.leaver] ?? []).length > 0, 'the leaver read something before');
    hub.leave();
    lab.leave();
    fake.leave();
    await Promise.all([sync(t, hub.pky), sync(t, lab.pky), sync(t, fake.pky)]);
    const [h, l, f] = await Promise.all([readsOf(hub.pky, hubTokens), readsOf(lab.pky, labTokens), readsOf(fake.pky, fakeTokens)]);
    const after = expected([WORLD.leaver]);
    t.same(h, l, 'GitHub Enterprise and GitLab agree');
    t.same(h, after, 'GitHub Enterprise: as the world says');
    t.same(l, after, 'GitLab: as the world says');
    t.same(f, after, 'FakeForge: as the world says');
  });
});
