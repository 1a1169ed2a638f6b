// Bitbucket Data Center repositories end to end (the fake 8.19 under /bitbucket, 2 rows per page)
// with a real Packyard: clones work with a bare personal HTTP access token (Bearer), with a
// project HTTP access token (Bearer only: the fake refuses it in Basic) and with `username` +
// password (Basic); a renamed repository is followed by id (the package
// keeps its id, its clone URL and name follow); an archived repository's package is marked
// archived; a tag pushed with no webhook becomes visible after the scheduled sync (Bitbucket
// gives no push time, so the schedule checks every package), and a sync from the CLI does not.
import t, { type Test } from 'tap';
import { startFakeBitbucketServer, type FakeBitbucketServer } from '../fakes/bitbucket-server/index.js';
import { startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { bitbucketServerSyncYaml } from '../helpers/bitbucket-server.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'bbs-http-token-svc';
const PASSWORD = 'svc-password';

async function world(t: Test): Promise<FakeBitbucketServer> {
  const bb = await startFakeBitbucketServer({ contextPath: '/bitbucket', version: '8.19', pageLimit: 2, maxLimit: 2 });
  t.teardown(() => bb.close());
  const s = bb.state;
  s.addUser('svc', { password: PASSWORD });
  s.addToken(TOKEN, 'svc', { adminEndpoints: false });
  s.addProject('PAY');
  s.addProject('WEB');
  for (const k of ['PAY', 'WEB']) s.grantProject(k, { user: 'svc' }, 'PROJECT_ADMIN');
  for (const [key, slug, name] of [['PAY', 'api', 'acme/pay-api'], ['PAY', 'core', 'acme/pay-core'], ['WEB', 'site', 'acme/web-site']] as const) {
    await s.addRepo(key, slug, { files: { 'composer.json': `${JSON.stringify({ name })}\n`, VERSION: '1.0\n' } });
    await s.commit(key, slug, {}, { tag: '1.0.0' });
  }
  return bb;
}

async function p2Versions(pky: TestPackyard, token: string, name: string): Promise<string[]> {
  const res = await fetch(`${pky.url}/acme/p2/${name}.json`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) {
    await res.arrayBuffer();
    return [];
  }
  const body = (await res.json()) as { packages: Record<string, Array<{ version: string }>> };
  return (body.packages[name] ?? []).map((v) => v.version);
}

async function jobsSettled(pky: TestPackyard): Promise<void> {
  await waitFor('queued jobs to finish', () => {
    const n = (pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')`).get() as { n: number }).n;
    return n === 0 ? true : null;
  }, 60_000, 20);
}

type PackageRow = { id: number; name: string; url: string; status: string; forgeStatus: string | null; fullName: string };
const packageRows = (pky: TestPackyard): PackageRow[] =>
  pky.deps.sqlite.prepare(
    `SELECT p.id, p.name, p.url, p.status, p.forge_status AS forgeStatus, f.full_name AS fullName FROM packages p JOIN forge_repos f ON f.package_id = p.id ORDER BY p.id`,
  ).all() as PackageRow[];

async function syncAndImport(t: Test, pky: TestPackyard): Promise<void> {
  const r = await pky.cli(['sync', '--org', 'acme']);
  t.equal(r.code, 0, r.stderr);
  await jobsSettled(pky);
}

t.test('clones with username + password (HTTP Basic)', async (t) => {
  const bb = await world(t);
  const pky = await startPackyard(t, { yaml: bitbucketServerSyncYaml(bb, { token: PASSWORD, username: 'svc', installWebhooks: false }) });
  await syncAndImport(t, pky);
  t.same(packageRows(pky).map((p) => [p.name, p.status]), [['acme/pay-api', 'ok'], ['acme/pay-core', 'ok'], ['acme/web-site', 'ok']], 'every package imported');
  t.ok(bb.gitRequests.length > 0, 'git talked to the fake');
  t.ok(bb.requests.every((r) => r.token === PASSWORD), 'the API was called with the password');
});

t.test('a project HTTP access token (no user, Bearer only) syncs and clones its project', async (t) => {
  const bb = await world(t);
  const PROJECT_TOKEN = 'bbs-project-token-pay';
  bb.state.addProjectToken(PROJECT_TOKEN, 'PAY', 'PROJECT_ADMIN');
  const pky = await startPackyard(t, { yaml: bitbucketServerSyncYaml(bb, { token: PROJECT_TOKEN, source: 'PAY', installWebhooks: false }) });
  await syncAndImport(t, pky);
  t.same(packageRows(pky).map((p) => [p.name, p.status]), [['acme/pay-api', 'ok'], ['acme/pay-core', 'ok']], "the project's packages imported");
  const git = bb.gitRequests.filter((r) => r.path.includes('/scm/'));
  t.ok(git.length > 0, 'over git');
  t.ok(git.every((r) => r.token === PROJECT_TOKEN && r.status === 200), 'every git request carried the token and was served');
  const owner = (await pky.cli(['token', 'create', '--org', 'acme', '--user', 'svc'])).stdout.trim();
  t.same(await p2Versions(pky, owner, 'acme/pay-api'), ['1.0.0'], 'the version is served');
});

t.test('a bare token: rename followed by id, archived marked, missed pushes repaired by the schedule', async (t) => {
  const bb = await world(t);
  const s = bb.state;
  const pky = await startPackyard(t, { yaml: bitbucketServerSyncYaml(bb, { token: TOKEN, installWebhooks: false }) });
  await syncAndImport(t, pky);
  t.same(packageRows(pky).map((p) => [p.name, p.status]), [['acme/pay-api', 'ok'], ['acme/pay-core', 'ok'], ['acme/web-site', 'ok']], 'every package imported with the bare token (Bearer)');
  t.ok(bb.gitRequests.length > 0, 'over git');
  const owner = (await pky.cli(['token', 'create', '--org', 'acme', '--user', 'svc'])).stdout.trim();

  await t.test('a renamed repository is followed by id', async (t) => {
    const before = packageRows(pky).find((p) => p.fullName === 'PAY/core');
    if (!before) throw new Error('no PAY/core package');
    s.renameRepo('PAY', 'core', 'Core-Lib');
    const r = await pky.cli(['sync', '--org', 'acme']);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /packagesToMove=1/);
    await jobsSettled(pky);
    const after = packageRows(pky).find((p) => p.id === before.id);
    t.equal(after?.fullName, 'PAY/core-lib', 'the same package, at the new path');
    t.match(after?.url ?? '', /\/bitbucket\/scm\/pay\/core-lib\.git$/, 'its clone URL followed');
    t.equal(after?.status, 'ok', 'and it still updates');
    t.equal(packageRows(pky).length, 3, 'no new package');
    t.same(await p2Versions(pky, owner, 'acme/pay-core'), ['1.0.0']);
    t.match((await pky.cli(['sync', '--org', 'acme'])).stdout, /unchanged/, 'the next sync plans nothing');
  });

  await t.test('an archived repository (8.x) is marked', async (t) => {
    s.repo('WEB', 'site').archived = true;
    const r = await pky.cli(['sync', '--org', 'acme']);
    t.equal(r.code, 0, r.stderr);
    t.equal(packageRows(pky).find((p) => p.name === 'acme/web-site')?.forgeStatus, 'archived');
  });

  await t.test('a tag pushed with no webhook: the scheduled sync makes it visible, a CLI sync does not', async (t) => {
    await jobsSettled(pky);
    await s.commit('PAY', 'api', { VERSION: '1.1\n' }, { tag: '1.1.0' });
    const cli = await pky.cli(['sync', '--org', 'acme']);
    t.match(cli.stdout, /unchanged/);
    await jobsSettled(pky);
    t.same(await p2Versions(pky, owner, 'acme/pay-api'), ['1.0.0'], 'not visible after a sync from the CLI');
    const job = pky.deps.schedules.jobs.find((j) => j.name === 'sync-org:acme');
    t.ok(job, 'the organization has a sync schedule');
    const started = Date.now();
    job!.enqueue();
    const seen = await waitFor('1.1.0 in p2', async () => ((await p2Versions(pky, owner, 'acme/pay-api')).includes('1.1.0') ? true : null), 30_000, 20).catch((e: Error) => e);
    t.equal(seen, true, 'visible after the scheduled sync');
    t.comment(`scheduled sync -> 1.1.0 in p2: ${Date.now() - started} ms`);
    const run = pky.deps.sqlite.prepare(`SELECT status, trigger, summary FROM sync_runs ORDER BY id DESC LIMIT 1`).get() as { status: string; trigger: string; summary: string };
    t.match(run, { status: 'unchanged', trigger: 'schedule' }, 'the run changed nothing, it only queued the checks');
    const updates = pky.deps.sqlite.prepare(`SELECT json_extract(payload, '$.packageId') AS id FROM jobs WHERE type = 'update-package' AND trigger = 'sync:bbs' AND id > (SELECT MAX(id) FROM jobs WHERE type = 'sync-org')`).all() as { id: number }[];
    const live = packageRows(pky).filter((p) => p.forgeStatus !== 'archived').map((p) => p.id).sort();
    t.same(updates.map((u) => u.id).sort(), live, 'one check per live package, none for the archived one');
  });
});
