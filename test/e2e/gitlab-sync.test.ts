// End to end with the stateful fake GitLab (test/fakes/gitlab, Free tier, under the relative root
// /gitlab) and Debian's composer: a group tree three deep (acme, acme/platform,
// acme/platform/libs) synced through the real CLI. A Reporter of acme installs a package of the
// libs subgroup; a Guest of acme gets 404 on acme's package; a member of a group shared into
// acme/platform reads what the share allows; a group outside the tree that a project is shared
// with reads that project (a Guest share: nothing); a direct project member reads only that
// project; a blocked user gets no Packyard user; removing a member and syncing revokes; a 500 on
// page 2 of members/all (3 pages: the fake caps per_page at 4) revokes nobody and fails the run
// with the reason. Webhooks and the schedule: gitlab-hooks.test.ts.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeGitLab } from '../fakes/gitlab/index.js';
import { startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { gitlabSyncYaml } from '../helpers/gitlab.js';
import { composerProject, writeAuth } from '../helpers/composer.js';

const ADMIN_TOKEN = 'glpat-olga-owner-of-acme';
const PACKAGES = ['acme/core', 'acme/api', 'acme/lib-a', 'acme/lib-b'] as const;

async function p2Status(pky: TestPackyard, token: string, name: string): Promise<number> {
  const res = await fetch(`${pky.url}/acme/p2/${name}.json`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

/** The packages a token reads: those whose p2 answers 200. */
async function reads(pky: TestPackyard, token: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of PACKAGES) if ((await p2Status(pky, token, name)) === 200) out.push(name);
  return out;
}

t.test('GitLab sync end to end with Debian composer', async (t) => {
  const gl = await startFakeGitLab({ tier: 'free', relativeRoot: '/gitlab', maxPerPage: 4 });
  t.teardown(() => gl.close());
  const s = gl.state;
  for (const u of ['olga', 'rita', 'gus', 'dana', 'cora', 'pete', 'vic', 'carl']) s.addUser(u);
  s.addUser('bob', { state: 'blocked' });
  s.addToken(ADMIN_TOKEN, 'olga', { scopes: ['api'] });
  s.addGroup('acme');
  s.addGroup('acme/platform');
  s.addGroup('acme/platform/libs');
  s.addGroupMember('acme', 'olga', 50); // Owner
  s.addGroupMember('acme', 'rita', 20); // Reporter of the top group
  s.addGroupMember('acme', 'gus', 10); // Guest of the top group...
  s.addGroupMember('acme/platform/libs', 'gus', 20); // ...and Reporter of libs
  s.addGroupMember('acme', 'bob', 30); // blocked
  s.addGroupMember('acme/platform', 'dana', 30); // Developer of a subgroup
  for (let i = 1; i <= 5; i++) {
    s.addUser(`dev${i}`);
    s.addGroupMember('acme', `dev${i}`, 30);
  }
  s.addGroup('contractors');
  s.addGroupMember('contractors', 'cora', 50);
  s.shareGroup('acme/platform', 'contractors', 20); // cora: Reporter on acme/platform and below
  s.addGroup('partners');
  s.addGroupMember('partners', 'pete', 30);
  s.addGroup('visitors');
  s.addGroupMember('visitors', 'vic', 30);
  const files = (name: string) => ({ 'composer.json': `${JSON.stringify({ name, type: 'library' })}\n`, VERSION: '1.0\n' });
  for (const [path, name] of [['acme/core', 'acme/core'], ['acme/platform/api', 'acme/api'], ['acme/platform/libs/lib-a', 'acme/lib-a'], ['acme/platform/libs/lib-b', 'acme/lib-b']] as const) {
    await s.addProject(path, { files: files(name) });
    await s.commit(path, {}, { tag: '1.0.0', message: 'release' });
  }
  await s.addProject('acme/platform/docs', { files: { 'README.md': '# docs\n' } }); // no composer.json: no package
  s.shareProject('acme/platform/libs/lib-b', 'partners', 30); // a project share at Developer
  s.shareProject('acme/platform/libs/lib-b', 'visitors', 10); // a project share at Guest
  s.addProjectMember('acme/platform/libs/lib-a', 'carl', 20); // a direct project member

  const pky = await startPackyard(t, { yaml: gitlabSyncYaml(gl, { token: ADMIN_TOKEN, webhookSecret: 'gl-hook-secret', installWebhooks: false }) });
  const cli = async (args: string[], expectCode = 0) => {
    const r = await pky.cli(args);
    t.equal(r.code, expectCode, `packyard ${args.join(' ')}: ${(r.stderr + r.stdout).trim().slice(-800)}`);
    return r;
  };

  const first = await cli(['sync', '--org', 'acme']);
  t.match(first.stdout, /applied/);
  t.match(first.stdout, /packagesToAdd=4/, 'four projects with a composer.json became packages');
  const second = await cli(['sync', '--org', 'acme']);
  t.match(second.stdout, /unchanged .*nothing to change/, 'a second run plans nothing');
  t.ok(gl.requests.some((r) => /\/members\/all$/.test(r.path) && /page=3/.test(r.query)), 'members/all was read over three pages');

  const pending = () => (pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM packages WHERE status = 'new'`).get() as { n: number }).n;
  const deadline = Date.now() + 60_000;
  while (pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.equal(pending(), 0, 'every new package was imported');

  const people = ['olga', 'rita', 'gus', 'dana', 'cora', 'pete', 'carl'];
  const created = await Promise.all(people.map((u) => cli(['token', 'create', '--org', 'acme', '--user', u])));
  const tokens: Record<string, string> = Object.fromEntries(people.map((u, i) => [u, created[i]!.stdout.trim()]));

  await t.test('a Reporter of the top group installs a package of a subgroup project with composer', async (t) => {
    const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
    t.teardown(() => project.cleanup());
    writeAuth(project, new URL(pky.url).host, tokens.rita!);
    const r = await project.run(['require', 'acme/lib-a:^1.0']);
    t.equal(r.code, 0, r.stderr);
    t.ok(existsSync(join(project.dir, 'vendor', 'acme', 'lib-a', 'VERSION')), 'installed from the subgroup of a subgroup');
    t.same(await reads(pky, tokens.rita!), [...PACKAGES], 'reads every package of the tree');
  });

  await t.test('a Guest of the top group gets 404 on its package (composer cannot find it)', async (t) => {
    t.equal(await p2Status(pky, tokens.gus!, 'acme/core'), 404);
    t.equal(await p2Status(pky, tokens.gus!, 'acme/api'), 404, 'Guest inherited into acme/platform: still nothing');
    t.same(await reads(pky, tokens.gus!), ['acme/lib-a', 'acme/lib-b'], 'reads only where a Reporter (libs)');
    const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
    t.teardown(() => project.cleanup());
    writeAuth(project, new URL(pky.url).host, tokens.gus!);
    const r = await project.run(['require', 'acme/core:^1.0']);
    t.not(r.code, 0, 'composer require fails');
    t.match(r.stderr + r.stdout, /could not find|not find a matching|could not be found/i);
  });

  await t.test("a shared group's member reads what the share allows", async (t) => {
    t.same(await reads(pky, tokens.cora!), ['acme/api', 'acme/lib-a', 'acme/lib-b'], 'contractors shared into acme/platform: platform and libs, not acme/core');
    t.same(await reads(pky, tokens.pete!), ['acme/lib-b'], 'partners (project share at Developer): that project only');
    const vic = await pky.cli(['token', 'create', '--org', 'acme', '--user', 'vic']);
    t.not(vic.code, 0, 'visitors (project share at Guest) read nothing: no Packyard user for vic');
  });

  await t.test('a direct project member reads only that project', async (t) => {
    t.same(await reads(pky, tokens.carl!), ['acme/lib-a']);
    const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
    t.teardown(() => project.cleanup());
    writeAuth(project, new URL(pky.url).host, tokens.carl!);
    const r = await project.run(['require', 'acme/lib-a:^1.0']);
    t.equal(r.code, 0, r.stderr);
  });

  await t.test('a Developer of a subgroup reads the subgroup and below; the Owner reads all; the blocked user is not created', async (t) => {
    t.same(await reads(pky, tokens.dana!), ['acme/api', 'acme/lib-a', 'acme/lib-b']);
    t.same(await reads(pky, tokens.olga!), [...PACKAGES]);
    const owner = pky.deps.sqlite.prepare(`SELECT m.role FROM org_members m JOIN users u ON u.id = m.user_id WHERE u.login = 'olga'`).get() as { role: string } | undefined;
    t.equal(owner?.role, 'owner', 'the Owner of the source group owns the organization');
    const bob = pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM users WHERE login = 'bob'`).get() as { n: number };
    t.equal(bob.n, 0, 'blocked: no Packyard user');
  });

  await t.test('removing a member on GitLab and syncing revokes', async (t) => {
    s.removeGroupMember('acme/platform', 'dana');
    const r = await cli(['sync', '--org', 'acme']);
    t.match(r.stdout, /applied/);
    t.same(await reads(pky, tokens.dana!), [], 'dana reads nothing now');
    t.same(await reads(pky, tokens.rita!), [...PACKAGES], 'others keep theirs');
  });

  await t.test('a 500 on page 2 of members/all revokes nobody and the run fails with the reason', async (t) => {
    s.removeGroupMember('acme', 'rita');
    gl.fault({ path: /\/members\/all$/, page: 2, status: 500, times: 1000 });
    const r = await cli(['sync', '--org', 'acme'], 1);
    t.match(r.stderr, /failed, nothing was changed/);
    t.ok(gl.requests.some((x) => /\/members\/all$/.test(x.path) && /page=2/.test(x.query) && x.status === 500), 'the fault was hit on page 2');
    t.same(await reads(pky, tokens.rita!), [...PACKAGES], 'rita keeps her access while the listing is incomplete');
    const run = pky.deps.sqlite.prepare(`SELECT status, error FROM sync_runs ORDER BY id DESC LIMIT 1`).get() as { status: string; error: string };
    t.equal(run.status, 'failed');
    t.match(run.error, /nothing was changed/);
    t.match(run.error, /500|server error/i, 'the reason names the failure');
    gl.clearFaults();
    await cli(['sync', '--org', 'acme']);
    t.same(await reads(pky, tokens.rita!), [], 'the next complete sync applies the removal');
  });
});
