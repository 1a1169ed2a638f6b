// End to end with the stateful fake Bitbucket Cloud (test/fakes/bitbucket-cloud, 2 values per page
// so every listing pages) and Debian's composer: the organization acme synced from the workspace
// acme through the real CLI, with svc's Atlassian API token (Basic with svc's email; git clones
// as x-bitbucket-api-token-auth). A member of the group devs (read on lib) installs lib; a
// workspace member without a permission gets 404; the workspace admins own the organization;
// removing a user from the group, a member from the workspace, a project permission or the group's
// permission revokes at the next sync; with the 1.0 groups API gone (410) the readers still sync.
// Webhooks, app-password clones and failing pages (fail closed): bitbucket-cloud-hooks.test.ts.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeBitbucketCloud } from '../fakes/bitbucket-cloud/index.js';
import { startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { bitbucketCloudSyncYaml } from '../helpers/bitbucket-cloud.js';
import { composerProject, writeAuth } from '../helpers/composer.js';
import { waitFor } from '../helpers/wait.js';

const API_TOKEN = 'ATATT3xFfGF0-svc-api-token';
const PACKAGES = ['acme/lib', 'acme/tools', 'acme/web'] as const;

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

t.test('Bitbucket Cloud workspace sync end to end with Debian composer', async (t) => {
  const bb = await startFakeBitbucketCloud({ pagelen: 2, maxPagelen: 2 });
  t.teardown(() => bb.close());
  const s = bb.state;
  s.addWorkspace('acme', { name: 'ACME' });
  // svc and olga: owners (workspace admins). ada, dev1, dev2: the group devs (read on lib).
  // wes: write on web through the project WEB. bob: a member without any permission. otto: no member.
  for (const u of ['svc', 'olga', 'ada', 'dev1', 'dev2', 'wes', 'bob', 'otto']) s.addUser(u, { displayName: u.toUpperCase() });
  s.addApiToken('svc', API_TOKEN);
  for (const u of ['svc', 'olga']) s.setMember('acme', u, 'owner');
  for (const u of ['ada', 'dev1', 'dev2', 'wes', 'bob']) s.setMember('acme', u, 'member');
  s.addProject('acme', 'CORE', { name: 'Core' });
  s.addProject('acme', 'WEB', { name: 'Web' });
  s.addGroup('acme', 'devs', { name: 'Developers', members: ['ada', 'dev1', 'dev2'] });
  const files = (name: string) => ({ 'composer.json': `${JSON.stringify({ name, type: 'library' })}\n`, VERSION: '1.0\n' });
  for (const [slug, project] of [['lib', 'CORE'], ['tools', 'CORE'], ['web', 'WEB']] as const) {
    await s.addRepo('acme', slug, { project, isPrivate: true, mainbranch: 'main', files: files(`acme/${slug}`) });
    await s.commit('acme', slug, {}, { tag: '1.0.0', message: 'release' });
  }
  await s.addRepo('acme', 'docs', { project: 'CORE', isPrivate: true, mainbranch: 'main', files: { 'README.md': '# docs\n' } });
  s.grantRepo('acme', 'lib', { group: 'devs' }, 'read');
  s.grantProject('acme', 'WEB', { user: 'wes' }, 'write');

  const pky = await startPackyard(t, { yaml: bitbucketCloudSyncYaml(bb, { username: 'svc@example.test', token: API_TOKEN, webhookSecret: 'bbc-hook-secret', installWebhooks: false }) });
  const cli = async (args: string[], expectCode = 0) => {
    const r = await pky.cli(args);
    t.equal(r.code, expectCode, `packyard ${args.join(' ')}: ${(r.stderr + r.stdout).trim().slice(-800)}`);
    return r;
  };
  const sql = <T>(q: string, ...args: unknown[]) => pky.deps.sqlite.prepare(q).get(...args) as T;

  const first = await cli(['sync', '--org', 'acme']);
  t.match(first.stdout, /applied/);
  t.match(first.stdout, /packagesToAdd=3/, 'three repositories with a composer.json became packages');
  for (const path of [/\/workspaces\/acme\/members$/, /\/workspaces\/acme\/permissions\/repositories$/, /\/repositories\/acme$/]) {
    t.ok(bb.requests.some((r) => path.test(r.path) && /page=2/.test(r.query) && r.status === 200), `${path.source} was read past page 1`);
  }
  await waitFor('the first imports', () => (sql<{ n: number }>(`SELECT COUNT(*) AS n FROM packages WHERE status = 'new'`).n === 0 ? true : null), 60_000, 20);
  t.same(pky.deps.sqlite.prepare(`SELECT name, status, last_error AS e FROM packages WHERE status <> 'ok'`).all(), [], 'every package imported over git with the API token');
  t.ok(bb.gitRequests.some((g) => g.status === 200 && g.token === API_TOKEN), 'cloned with the API token');

  const people = ['olga', 'ada', 'dev1', 'dev2', 'wes', 'bob'];
  const created = await Promise.all(people.map((u) => cli(['token', 'create', '--org', 'acme', '--user', u])));
  const tokens: Record<string, string> = Object.fromEntries(people.map((u, i) => [u, created[i]!.stdout.trim()]));

  await t.test('a group member reads the repository the group may read, with composer', async (t) => {
    const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
    t.teardown(() => project.cleanup());
    writeAuth(project, new URL(pky.url).host, tokens.ada!);
    const r = await project.run(['require', 'acme/lib:^1.0']);
    t.equal(r.code, 0, r.stderr);
    t.ok(existsSync(join(project.dir, 'vendor', 'acme', 'lib', 'VERSION')), 'installed');
    t.same(await reads(pky, tokens.ada!), ['acme/lib'], 'reads lib only');
    t.same(await reads(pky, tokens.wes!), ['acme/web'], 'the project writer reads web');
  });

  await t.test('a workspace member without permission on a repository gets 404', async (t) => {
    t.equal(await p2Status(pky, tokens.bob!, 'acme/lib'), 404);
    t.equal(await p2Status(pky, tokens.ada!, 'acme/tools'), 404, 'nor a group member for a repository the group may not read');
    const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
    t.teardown(() => project.cleanup());
    writeAuth(project, new URL(pky.url).host, tokens.bob!);
    t.not((await project.run(['require', 'acme/lib:^1.0'])).code, 0, 'composer cannot install it');
    const otto = await pky.cli(['token', 'create', '--org', 'acme', '--user', 'otto']);
    t.not(otto.code, 0, 'no Packyard user for someone outside the workspace');
  });

  await t.test('the workspace admins own the organization', async (t) => {
    const roles = pky.deps.sqlite.prepare(`SELECT u.login, m.role FROM org_members m JOIN users u ON u.id = m.user_id ORDER BY u.login`).all();
    t.same(roles, [
      { login: 'ada', role: 'member' },
      { login: 'bob', role: 'member' },
      { login: 'dev1', role: 'member' },
      { login: 'dev2', role: 'member' },
      { login: 'olga', role: 'owner' },
      { login: 'svc', role: 'owner' },
      { login: 'wes', role: 'member' },
    ]);
    t.same(await reads(pky, tokens.olga!), [...PACKAGES], 'an owner reads everything');
    const teams = pky.deps.sqlite.prepare(
      `SELECT t.slug, group_concat(u.login, ',') AS members FROM teams t LEFT JOIN team_members tm ON tm.team_id = t.id LEFT JOIN users u ON u.id = tm.user_id WHERE t.external_id LIKE 'group:%' GROUP BY t.id`,
    ).all() as { slug: string; members: string }[];
    t.same(teams.map((x) => [x.slug, x.members.split(',').sort().join(',')]), [['devs', 'ada,dev1,dev2']], 'the group (1.0 API) became a team with its members');
    t.match((await cli(['sync', '--org', 'acme'])).stdout, /unchanged/, 'a second sync plans nothing');
  });

  await t.test('removal revokes at the next sync', async (t) => {
    s.removeGroupMember('acme', 'devs', 'dev1');
    s.setMember('acme', 'dev2', null);
    t.same(await reads(pky, tokens.dev1!), ['acme/lib'], 'still reads before the sync');
    const r = await cli(['sync', '--org', 'acme']);
    t.match(r.stdout, /applied/);
    t.same(await reads(pky, tokens.dev1!), [], 'out of the group: lib revoked');
    t.same(await reads(pky, tokens.dev2!), [], 'out of the workspace: everything revoked');
    t.equal(sql<{ n: number }>(`SELECT COUNT(*) AS n FROM org_members m JOIN users u ON u.id = m.user_id WHERE u.login = 'dev2'`).n, 0, 'and no member');
    s.grantProject('acme', 'WEB', { user: 'wes' }, null);
    await cli(['sync', '--org', 'acme']);
    t.same(await reads(pky, tokens.wes!), [], 'the project permission removed: web revoked');
    t.same(await reads(pky, tokens.ada!), ['acme/lib'], 'others keep theirs');
  });

  await t.test('with the 1.0 groups API gone (410) the readers still sync', async (t) => {
    bb.options.groupsApi = 'gone';
    s.addGroupMember('acme', 'devs', 'bob');
    const r = await cli(['sync', '--org', 'acme']);
    t.match(r.stdout, /applied/);
    t.ok(bb.requests.some((x) => /\/1\.0\/groups\/acme$/.test(x.path) && x.status === 410), 'the 1.0 groups API answered 410');
    t.match(r.stdout, /^note: Groups are not shown: Bitbucket Cloud's groups API \(1\.0\) answered 410;/m, 'the sync says so rather than guessing');
    t.same(await reads(pky, tokens.bob!), ['acme/lib'], 'bob, now in the group, reads lib through the effective permissions');
    t.equal(sql<{ n: number }>(`SELECT COUNT(*) AS n FROM teams WHERE external_id LIKE 'group:%'`).n, 0, 'no group teams: the API that lists them is gone (as docs/admin.md says)');
    t.same(await reads(pky, tokens.olga!), [...PACKAGES], 'owners unchanged');
    const json = JSON.parse((await cli(['sync', '--org', 'acme', '--json'])).stdout) as { status: string; notes: string[] };
    t.match(json, { status: 'unchanged', notes: [/^Groups are not shown: /] }, 'and in --json');
  });

  await t.test("the group's permission removed revokes its members at the next sync", async (t) => {
    s.grantRepo('acme', 'lib', { group: 'devs' }, null);
    t.same(await reads(pky, tokens.bob!), ['acme/lib'], 'still reads before the sync');
    await cli(['sync', '--org', 'acme']);
    t.same(await reads(pky, tokens.bob!), [], 'bob reads nothing');
    t.same(await reads(pky, tokens.olga!), [...PACKAGES], 'owners unchanged');
  });
});
