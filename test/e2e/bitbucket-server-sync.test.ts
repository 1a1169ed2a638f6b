// End to end with the stateful fake Bitbucket Data Center (test/fakes/bitbucket-server, 8.19,
// under the context path /bitbucket, 2 rows per page so every listing pages) and Debian's
// composer: the organization acme synced from the projects PAY and WEB through the real CLI, with
// an HTTP access token that may not use the admin endpoints (so no group teams: the readers come
// from the effective-permission filters of /users). A group member reads through the group's
// project permission; a repository-only user reads only that repository; a user whose only
// permission is on a third project gets nothing; the project admin owns the organization; a
// second sync plans nothing and --dry-run changes nothing; removing a permission and syncing
// revokes; a 500 on page 2 of /users?permission=… revokes nobody and fails the run with the
// reason; a deactivated user loses access; a project opened to all users reads for everyone.
// With a system admin's token (admin endpoints allowed) groups holding a permission become teams.
// Renames, archiving, clone credentials and missed pushes: bitbucket-server-repos.test.ts.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeBitbucketServer } from '../fakes/bitbucket-server/index.js';
import { startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { bitbucketServerSyncYaml } from '../helpers/bitbucket-server.js';
import { composerProject, writeAuth } from '../helpers/composer.js';

const TOKEN = 'bbs-http-token-svc';
const PACKAGES = ['acme/pay-api', 'acme/pay-core', 'acme/web-site', 'acme/web-theme'] as const;

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

t.test('Bitbucket Data Center sync end to end with Debian composer', async (t) => {
  const bb = await startFakeBitbucketServer({ contextPath: '/bitbucket', version: '8.19', pageLimit: 2, maxLimit: 2 });
  t.teardown(() => bb.close());
  const s = bb.state;
  // svc: the integration's user (PROJECT_ADMIN of both source projects, no system admin; its
  // token is refused on /admin/*). pam: PROJECT_ADMIN of PAY. gina, ivan, dev1..3: the payments
  // group (PROJECT_READ on PAY). wes: the web group (PROJECT_WRITE on WEB). rita: REPO_READ on
  // PAY/api only. otto: PROJECT_READ on OPS only (not in the source). ghost: inactive.
  for (const u of ['svc', 'pam', 'gina', 'ivan', 'wes', 'rita', 'otto', 'dev1', 'dev2', 'dev3']) s.addUser(u);
  s.addUser('ghost', { active: false });
  s.addToken(TOKEN, 'svc', { adminEndpoints: false });
  s.addGroup('payments', ['gina', 'ivan', 'dev1', 'dev2', 'dev3', 'ghost']);
  s.addGroup('web', ['wes']);
  s.addProject('PAY', { name: 'Payments' });
  s.addProject('WEB', { name: 'Web' });
  s.addProject('OPS', { name: 'Operations' });
  for (const k of ['PAY', 'WEB']) s.grantProject(k, { user: 'svc' }, 'PROJECT_ADMIN');
  s.grantProject('PAY', { user: 'pam' }, 'PROJECT_ADMIN');
  s.grantProject('PAY', { group: 'payments' }, 'PROJECT_READ');
  s.grantProject('WEB', { group: 'web' }, 'PROJECT_WRITE');
  s.grantProject('OPS', { user: 'otto' }, 'PROJECT_READ');
  const files = (name: string) => ({ 'composer.json': `${JSON.stringify({ name, type: 'library' })}\n`, VERSION: '1.0\n' });
  for (const [key, slug, name] of [['PAY', 'api', 'acme/pay-api'], ['PAY', 'core', 'acme/pay-core'], ['WEB', 'site', 'acme/web-site'], ['WEB', 'theme', 'acme/web-theme'], ['OPS', 'tool', 'acme/ops-tool']] as const) {
    await s.addRepo(key, slug, { files: files(name) });
    await s.commit(key, slug, {}, { tag: '1.0.0', message: 'release' });
  }
  await s.addRepo('PAY', 'docs', { files: { 'README.md': '# docs\n' } }); // no composer.json: no package
  s.grantRepo('PAY', 'api', { user: 'rita' }, 'REPO_READ');

  const pky = await startPackyard(t, { yaml: bitbucketServerSyncYaml(bb, { token: TOKEN, webhookSecret: 'bbs-hook-secret', installWebhooks: false }) });
  const cli = async (args: string[], expectCode = 0) => {
    const r = await pky.cli(args);
    t.equal(r.code, expectCode, `packyard ${args.join(' ')}: ${(r.stderr + r.stdout).trim().slice(-800)}`);
    return r;
  };
  const sql = <T>(q: string, ...args: unknown[]) => pky.deps.sqlite.prepare(q).get(...args) as T;

  const first = await cli(['sync', '--org', 'acme']);
  t.match(first.stdout, /applied/);
  t.match(first.stdout, /packagesToAdd=4/, 'four repositories with a composer.json became packages');
  t.ok(bb.requests.some((r) => /\/users$/.test(r.path) && /permission=PROJECT_READ/.test(r.query) && /start=4/.test(r.query)), '/users?permission=PROJECT_READ was read over three pages');
  t.ok(bb.requests.some((r) => /\/admin\/groups\/more-members$/.test(r.path) && r.status === 403) || !bb.requests.some((r) => /\/admin\//.test(r.path)), 'the admin endpoints refused the token (or were not asked)');

  const pending = () => sql<{ n: number }>(`SELECT COUNT(*) AS n FROM packages WHERE status = 'new'`).n;
  const deadline = Date.now() + 60_000;
  while (pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.equal(pending(), 0, 'every new package was imported');
  const failed = pky.deps.sqlite.prepare(`SELECT name, status, last_error AS e FROM packages WHERE status <> 'ok'`).all();
  t.same(failed, [], 'every package imported over git with the token');

  const people = ['svc', 'pam', 'gina', 'ivan', 'wes', 'rita'];
  const created = await Promise.all(people.map((u) => cli(['token', 'create', '--org', 'acme', '--user', u])));
  const tokens: Record<string, string> = Object.fromEntries(people.map((u, i) => [u, created[i]!.stdout.trim()]));

  await t.test('a group member reads through the project permission and installs with composer', async (t) => {
    const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
    t.teardown(() => project.cleanup());
    writeAuth(project, new URL(pky.url).host, tokens.gina!);
    const r = await project.run(['require', 'acme/pay-core:^1.0']);
    t.equal(r.code, 0, r.stderr);
    t.ok(existsSync(join(project.dir, 'vendor', 'acme', 'pay-core', 'VERSION')), 'installed');
    t.same(await reads(pky, tokens.gina!), ['acme/pay-api', 'acme/pay-core'], 'reads PAY, not WEB');
    t.same(await reads(pky, tokens.wes!), ['acme/web-site', 'acme/web-theme'], 'the web group reads WEB, not PAY');
  });

  await t.test('a repository-only user reads only that repository', async (t) => {
    t.same(await reads(pky, tokens.rita!), ['acme/pay-api']);
    const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
    t.teardown(() => project.cleanup());
    writeAuth(project, new URL(pky.url).host, tokens.rita!);
    t.equal((await project.run(['require', 'acme/pay-api:^1.0'])).code, 0, 'installs the one repository');
    const other = await project.run(['require', 'acme/pay-core:^1.0']);
    t.not(other.code, 0, 'cannot install another repository of the project');
    const member = sql<{ n: number }>(`SELECT COUNT(*) AS n FROM org_members m JOIN users u ON u.id = m.user_id WHERE u.login = 'rita'`);
    t.equal(member.n, 0, 'and is no member of the organization');
  });

  await t.test('a user whose only permission is on another project gets nothing', async (t) => {
    const otto = await pky.cli(['token', 'create', '--org', 'acme', '--user', 'otto']);
    t.not(otto.code, 0, 'no Packyard user for otto');
    t.equal(sql<{ n: number }>(`SELECT COUNT(*) AS n FROM users WHERE login = 'otto'`).n, 0);
    t.equal(sql<{ n: number }>(`SELECT COUNT(*) AS n FROM users WHERE login = 'ghost'`).n, 0, 'nor for the inactive user');
  });

  await t.test('project admins are owners; readers are members', async (t) => {
    const role = (login: string) => sql<{ role: string } | undefined>(`SELECT m.role FROM org_members m JOIN users u ON u.id = m.user_id WHERE u.login = ?`, login)?.role;
    t.equal(role('pam'), 'owner');
    t.equal(role('svc'), 'owner');
    t.equal(role('gina'), 'member');
    t.equal(role('wes'), 'member');
    // DESIGN §3: a PROJECT_ADMIN of any source project owns the organization, and owners read
    // every package of it (WEB's too, which pam cannot read on Bitbucket).
    t.same(await reads(pky, tokens.pam!), [...PACKAGES], 'an owner reads every package of the organization');
  });

  await t.test('a second sync plans nothing; --dry-run changes nothing', async (t) => {
    const again = await cli(['sync', '--org', 'acme']);
    t.match(again.stdout, /unchanged .*nothing to change/);
    s.grantProject('PAY', { group: 'payments' }, null);
    const before = sql<{ n: number }>(`SELECT COUNT(*) AS n FROM team_members`).n;
    const dry = await cli(['sync', '--org', 'acme', '--dry-run']);
    t.match(dry.stdout, /dry-run/);
    t.match(dry.stdout, /- member gina/, 'the plan shows the removal');
    t.equal(sql<{ n: number }>(`SELECT COUNT(*) AS n FROM team_members`).n, before, 'nothing was applied');
    t.same(await reads(pky, tokens.gina!), ['acme/pay-api', 'acme/pay-core'], 'gina still reads');
    s.grantProject('PAY', { group: 'payments' }, 'PROJECT_READ');
  });

  await t.test('removing a permission and syncing revokes', async (t) => {
    s.removeGroupMember('payments', 'gina');
    const r = await cli(['sync', '--org', 'acme']);
    t.match(r.stdout, /applied/);
    t.same(await reads(pky, tokens.gina!), [], 'gina reads nothing now');
    t.same(await reads(pky, tokens.ivan!), ['acme/pay-api', 'acme/pay-core'], 'others keep theirs');
    s.grantRepo('PAY', 'api', { user: 'rita' }, null);
    await cli(['sync', '--org', 'acme']);
    t.same(await reads(pky, tokens.rita!), [], 'the repository-only user lost the repository');
  });

  await t.test('a 500 on page 2 of /users?permission=… revokes nobody and the run fails with the reason', async (t) => {
    s.removeGroupMember('payments', 'ivan');
    bb.fault({ path: /\/users$/, page: 2, status: 500, times: 1000 });
    const r = await cli(['sync', '--org', 'acme'], 1);
    t.match(r.stderr, /failed, nothing was changed/);
    t.ok(bb.requests.some((x) => /\/users$/.test(x.path) && /start=2/.test(x.query) && x.status === 500), 'the fault was hit on page 2');
    t.same(await reads(pky, tokens.ivan!), ['acme/pay-api', 'acme/pay-core'], 'ivan keeps his access while the listing is incomplete');
    const run = sql<{ status: string; error: string }>(`SELECT status, error FROM sync_runs ORDER BY id DESC LIMIT 1`);
    t.equal(run.status, 'failed');
    t.match(run.error, /nothing was changed/);
    t.match(run.error, /500|server error|unavailable/i, 'the reason names the failure');
    bb.clearFaults();
    await cli(['sync', '--org', 'acme']);
    t.same(await reads(pky, tokens.ivan!), [], 'the next complete sync applies the removal');
  });

  await t.test('a deactivated user loses access', async (t) => {
    t.same(await reads(pky, tokens.wes!), ['acme/web-site', 'acme/web-theme']);
    s.user('wes').active = false;
    await cli(['sync', '--org', 'acme']);
    t.same(await reads(pky, tokens.wes!), [], 'wes reads nothing');
    const member = sql<{ n: number }>(`SELECT COUNT(*) AS n FROM org_members m JOIN users u ON u.id = m.user_id WHERE u.login = 'wes'`);
    t.equal(member.n, 0, 'and is no member');
  });

  await t.test('a project open to all users reads for every user', async (t) => {
    s.project('WEB').defaultPermission = 1;
    await cli(['sync', '--org', 'acme']);
    const otto = await cli(['token', 'create', '--org', 'acme', '--user', 'otto']);
    t.same(await reads(pky, otto.stdout.trim()), ['acme/web-site', 'acme/web-theme'], 'otto reads WEB now, still not PAY');
    const dev1 = await cli(['token', 'create', '--org', 'acme', '--user', 'dev1']);
    t.same(await reads(pky, dev1.stdout.trim()), [...PACKAGES], 'a PAY reader reads both');
  });
});

t.test('with a system admin token (admin endpoints allowed): groups holding a permission become teams', async (t) => {
  const bb = await startFakeBitbucketServer({ contextPath: '/bitbucket', version: '8.19', pageLimit: 2, maxLimit: 2 });
  t.teardown(() => bb.close());
  const s = bb.state;
  for (const u of ['root', 'gina', 'ivan', 'wes']) s.addUser(u, { sysAdmin: u === 'root' });
  s.addUser('ghost', { active: false });
  s.addToken('bbs-admin-token', 'root');
  s.addGroup('payments', ['gina', 'ivan', 'ghost']);
  s.addGroup('web', ['wes']);
  s.addGroup('unused', ['wes']);
  s.addGroup('PAY', ['wes']); // named like a project key: its team's slug is marked
  s.addProject('PAY');
  s.addProject('WEB');
  s.grantProject('PAY', { group: 'payments' }, 'PROJECT_READ');
  s.grantProject('WEB', { group: 'web' }, 'PROJECT_WRITE');
  s.grantProject('WEB', { group: 'PAY' }, 'PROJECT_READ');
  await s.addRepo('PAY', 'api', { files: { 'composer.json': '{"name":"acme/pay-api"}\n' } });
  const pky = await startPackyard(t, { yaml: bitbucketServerSyncYaml(bb, { token: 'bbs-admin-token', source: 'web,pay', installWebhooks: false }) });
  const r = await pky.cli(['sync', '--org', 'acme']);
  t.equal(r.code, 0, r.stderr);
  t.ok(bb.requests.some((x) => /\/admin\/groups\/more-members$/.test(x.path) && x.status === 200), 'group members listed through the admin endpoint');
  const teams = pky.deps.sqlite.prepare(
    `SELECT t.slug, group_concat(u.login, ',') AS members FROM teams t LEFT JOIN team_members tm ON tm.team_id = t.id LEFT JOIN users u ON u.id = tm.user_id
     WHERE t.slug NOT LIKE '~%' GROUP BY t.id ORDER BY t.slug`,
  ).all() as { slug: string; members: string | null }[];
  const sorted = teams.map((x) => [x.slug, (x.members ?? '').split(',').filter(Boolean).sort().join(',')]);
  // root, a system admin, administers every project: a project team member (and an owner).
  t.same(sorted, [['PAY', 'gina,ivan,root'], ['PAY (group)', 'wes'], ['WEB', 'root,wes'], ['payments', 'gina,ivan'], ['web', 'wes']], 'a team per project and per group holding a permission (not the unused group; not the inactive member)');
  const grants = pky.deps.sqlite.prepare(`SELECT t.slug, a.permission FROM package_access a JOIN teams t ON t.id = a.team_id ORDER BY t.slug`).all() as { slug: string; permission: string }[];
  t.same(grants.map((g) => g.slug), ['PAY', 'payments'], 'the package is read through its project team and the group');
  t.match((await pky.cli(['sync', '--org', 'acme'])).stdout, /unchanged/, 'idempotent');
});
