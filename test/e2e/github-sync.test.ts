// End to end with a stateful fake GitHub Enterprise Server (test/fakes/ghes): sync an org with
// nested teams, 250 members (three pages) and 40 repositories through the real CLI; Debian's
// composer installs with alice's token what her team can read, bob gets a 404; removing alice
// from her team and syncing revokes it; a 500 on page 2 of the members listing revokes nobody and
// reports the failure; a signed push webhook for a new tag makes it visible in p2; a bad signature
// gets 401 and queues nothing; a replayed delivery is ignored.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeGhes, ZERO_SHA } from '../fakes/ghes/index.js';
import { ghesSyncYaml, startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { composerProject, writeAuth } from '../helpers/composer.js';

const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;
const ADMIN_TOKEN = 'ghp_packyardsyncadmintoken000000000000000';

async function p2Status(pky: TestPackyard, token: string, name: string): Promise<number> {
  const res = await fetch(`${pky.url}/acme/p2/${name}.json`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

async function p2Versions(pky: TestPackyard, token: string, name: string): Promise<string[]> {
  const res = await fetch(`${pky.url}/acme/p2/${name}.json`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) return [];
  const body = (await res.json()) as { packages: Record<string, Array<{ version: string }>> };
  return (body.packages[name] ?? []).map((v) => v.version);
}

function jobCount(pky: TestPackyard): number {
  return (pky.deps.sqlite.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n;
}

t.test('GitHub Enterprise sync end to end', async (t) => {
  const ghe = await startFakeGhes();
  t.teardown(() => ghe.close());
  const s = ghe.state;
  s.addUser('octo-owner');
  s.addToken(ADMIN_TOKEN, 'octo-owner');
  s.addOrg('acme', { defaultRepositoryPermission: 'none' });
  s.addOrgMember('acme', 'octo-owner', 'admin');
  for (const login of ['alice', 'bob']) {
    s.addUser(login);
    s.addOrgMember('acme', login, 'member');
  }
  for (let i = 0; i < 247; i++) {
    const login = `dev${String(i).padStart(3, '0')}`;
    s.addUser(login);
    s.addOrgMember('acme', login, 'member');
  }
  s.addTeam('acme', { slug: 'backend', name: 'Backend' });
  s.addTeam('acme', { slug: 'backend-php', name: 'Backend PHP', parent: 'backend' });
  s.addTeam('acme', { slug: 'frontend', name: 'Frontend' });
  s.addTeamMember('acme', 'backend-php', 'alice', 'member');
  s.addTeamMember('acme', 'frontend', 'bob', 'maintainer');
  for (let i = 0; i < 12; i++) s.addTeamMember('acme', 'backend', `dev${String(i).padStart(3, '0')}`);
  for (let i = 0; i < 40; i++) {
    const name = `repo-${String(i).padStart(2, '0')}`;
    const isPackage = i < 10;
    await s.addRepo('acme', name, {
      visibility: i === 9 ? 'internal' : 'private',
      files: isPackage ? { 'composer.json': json({ name: `acme/${name}`, type: 'library' }), 'VERSION': '1.0\n' } : { 'README.md': `# ${name}\n` },
    });
    if (isPackage) await s.commit('acme', name, {}, { tag: '1.0.0', message: 'release' });
  }
  for (const r of ['repo-00', 'repo-01', 'repo-02']) s.grantTeam('acme', 'backend', r, 'pull');
  for (const r of ['repo-05', 'repo-06']) s.grantTeam('acme', 'frontend', r, 'push');
  s.addCollaborator('acme', 'repo-07', 'bob', 'pull');

  const pky = await startPackyard(t, {
    yaml: ghesSyncYaml(ghe, { token: ADMIN_TOKEN, autoAddPackages: true, installWebhooks: true }),
  });
  const cli = async (args: string[], expectCode = 0) => {
    const r = await pky.cli(args);
    t.equal(r.code, expectCode, `packyard ${args.join(' ')}: ${(r.stderr + r.stdout).trim().slice(-800)}`);
    return r;
  };

  const dry = await cli(['sync', '--org', 'acme', '--dry-run']);
  t.match(dry.stdout, /dry-run/);
  t.match(dry.stdout, /\+ package from acme\/repo-00/);
  const first = await cli(['sync', '--org', 'acme']);
  t.match(first.stdout, /applied/);
  t.match(first.stdout, /packagesToAdd=10/, 'ten repositories with a composer.json became packages');
  t.match(first.stdout, /webhook: installed/);
  const second = await cli(['sync', '--org', 'acme']);
  t.match(second.stdout, /unchanged .*nothing to change/, 'a second run plans nothing');

  // First imports of the new packages run in the server's job runner.
  const deadline = Date.now() + 120_000;
  const pending = () => (pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM packages WHERE status = 'new'`).get() as { n: number }).n;
  while (pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.equal(pending(), 0, 'every new package was imported');

  // Three independent token creations, at once.
  const [alice, bob, owner] = (
    await Promise.all(['alice', 'bob', 'octo-owner'].map((user) => cli(['token', 'create', '--org', 'acme', '--user', user])))
  ).map((r) => r.stdout.trim()) as [string, string, string];

  await t.test('alice installs what her team (through its parent) can read; bob gets a 404', async (t) => {
    const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
    t.teardown(() => project.cleanup());
    writeAuth(project, new URL(pky.url).host, alice);
    const r = await project.run(['require', 'acme/repo-00:^1.0']);
    t.equal(r.code, 0, r.stderr);
    t.ok(existsSync(join(project.dir, 'vendor', 'acme', 'repo-00', 'VERSION')));
    t.equal(await p2Status(pky, bob, 'acme/repo-00'), 404, 'bob: 404 for a package his teams cannot read');
    t.equal(await p2Status(pky, bob, 'acme/repo-05'), 200, 'bob reads his team repository');
    t.equal(await p2Status(pky, bob, 'acme/repo-07'), 200, 'bob reads as a direct collaborator');
    t.equal(await p2Status(pky, alice, 'acme/repo-09'), 200, 'internal repositories: every member');
    t.equal(await p2Status(pky, alice, 'acme/repo-05'), 404);
    t.equal(await p2Status(pky, owner, 'acme/repo-05'), 200, 'org owners read everything');
  });

  await t.test('removing alice from her team and syncing revokes her access', async (t) => {
    s.removeTeamMember('acme', 'backend-php', 'alice');
    const r = await cli(['sync', '--org', 'acme']);
    t.match(r.stdout, /applied/);
    t.equal(await p2Status(pky, alice, 'acme/repo-00'), 404, 'revoked');
    t.equal(await p2Status(pky, alice, 'acme/repo-09'), 200, 'still a member: internal repositories');
    const audit = pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'team.member.remove'`).get() as { n: number };
    t.ok(audit.n >= 2, 'audited');
  });

  await t.test('a renamed login keeps its access; archived and deleted repositories are marked, not dropped', async (t) => {
    s.renameUser('bob', 'robert');
    s.archiveRepo('acme', 'repo-02');
    await s.deleteRepo('acme', 'repo-03');
    const r = await cli(['sync', '--org', 'acme']);
    t.match(r.stdout, /applied/);
    t.equal(await p2Status(pky, bob, 'acme/repo-05'), 200, "bob's token still reads after his login became robert");
    const login = pky.deps.sqlite.prepare(`SELECT u.login FROM users u JOIN identities i ON i.user_id = u.id WHERE i.login = 'robert'`).get() as { login: string } | undefined;
    t.equal(login?.login, 'robert', 'the Packyard user follows the rename');
    const marks = Object.fromEntries((pky.deps.sqlite.prepare(`SELECT name, forge_status AS s FROM packages WHERE name IN ('acme/repo-02', 'acme/repo-03')`).all() as { name: string; s: string }[]).map((x) => [x.name, x.s]));
    t.same(marks, { 'acme/repo-02': 'archived', 'acme/repo-03': 'deleted' });
    t.equal(await p2Status(pky, owner, 'acme/repo-03'), 200, 'a deleted repository\'s package still serves what lock files pin');
  });

  await t.test('a 500 on page 2 of the members listing revokes nobody and reports the failure', async (t) => {
    s.removeTeamMember('acme', 'frontend', 'robert');
    ghe.fault({ path: /\/orgs\/acme\/members/, page: 2, status: 500, times: 50 });
    const r = await cli(['sync', '--org', 'acme'], 1);
    t.match(r.stderr, /failed, nothing was changed/);
    t.equal(await p2Status(pky, bob, 'acme/repo-05'), 200, 'bob keeps his access while the listing is incomplete');
    const run = pky.deps.sqlite.prepare(`SELECT status, error FROM sync_runs ORDER BY id DESC LIMIT 1`).get() as { status: string; error: string };
    t.equal(run.status, 'failed');
    ghe.clearFaults();
    await cli(['sync', '--org', 'acme']);
    t.equal(await p2Status(pky, bob, 'acme/repo-05'), 404, 'the next complete sync applies the change');
  });

  await t.test('a signed push webhook for a new tag makes it visible in p2; bad signatures and replays are ignored', async (t) => {
    const repo = s.repo('acme', 'repo-01');
    const sha = await s.commit('acme', 'repo-01', { 'VERSION': '1.1\n' }, { tag: '1.1.0', message: '1.1.0' });
    const payload = await ghe.payloads.push('acme', 'repo-01', { ref: 'refs/tags/1.1.0', before: ZERO_SHA, after: sha });
    const before = jobCount(pky);
    const bad = await ghe.deliver('acme', 'push', payload, { badSignature: true });
    t.same(bad.map((d) => d.status), [401], 'bad signature: 401');
    t.equal(jobCount(pky), before, 'nothing queued');

    const started = Date.now();
    const ok = await ghe.deliver('acme', 'push', payload);
    t.same(ok.map((d) => d.status), [202]);
    let ms = -1;
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      if ((await p2Versions(pky, owner, 'acme/repo-01')).includes('1.1.0')) {
        ms = Date.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    t.ok(ms >= 0, `new tag visible in p2 ${ms} ms after the push webhook`);
    t.comment(`push webhook -> 1.1.0 in p2: ${ms} ms (repository ${repo.id})`);

    const jobsAfter = jobCount(pky);
    const replay = await ghe.deliver('acme', 'push', payload, { deliveryId: ok[0]!.deliveryId });
    t.same(replay.map((d) => d.status), [200], 'replayed delivery answered 200');
    t.equal(jobCount(pky), jobsAfter, 'and ignored');
    const log = pky.deps.sqlite.prepare(`SELECT status, outcome, targets FROM deliveries WHERE delivery_id = ?`).get(ok[0]!.deliveryId) as { status: string; outcome: string; targets: string };
    t.equal(log.status, 'accepted');
    t.match(log.outcome, /update queued/);
    const pkgId = (pky.deps.sqlite.prepare(`SELECT id FROM packages WHERE name = 'acme/repo-01'`).get() as { id: number }).id;
    t.same(JSON.parse(log.targets), { updates: [{ org: 'acme', packageId: pkgId }], repo: 'acme/repo-01' }, 'what it queued is stored for Replay');
  });
});
