// Bitbucket Cloud webhooks and clone credentials end to end with the stateful fake (2 values per
// page) and a real Packyard syncing the workspace acme. With svc's Atlassian API token (svc owns
// the workspace): the sync installs one workspace hook with the secret (a second sync adds none);
// a commit and tag in the fake's real repository, then the fake fires a signed repo:push to the
// installed hook and the new version shows in p2 (the milliseconds are printed); a push to the
// main branch moves dev-main; a bad or missing signature gets 401 and queues nothing; a delivery
// repeated with the same X-Request-UUID is a duplicate and queues nothing; the imports cloned
// with the API token (git's username: x-bitbucket-api-token-auth, never the email). With svc's app password
// (username = the Bitbucket username) the sync, the clones and composer work too, and a failing
// page of /permissions/repositories (a 500 outlasting the client's retries, or a 403 on page 2,
// which is not retried) revokes nobody and fails the run with the reason (fail closed).
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeBitbucketCloud, type FakeBitbucketCloud } from '../fakes/bitbucket-cloud/index.js';
import { startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { bitbucketCloudSyncYaml } from '../helpers/bitbucket-cloud.js';
import { composerProject, writeAuth } from '../helpers/composer.js';
import { waitFor } from '../helpers/wait.js';

const API_TOKEN = 'ATATT3xFfGF0-svc-api-token';
const APP_PASSWORD = 'ATBB-svc-app-password';
const SECRET = 'bbc-hook-secret-0123456789';

async function p2Versions(pky: TestPackyard, token: string, name: string): Promise<string[]> {
  const res = await fetch(`${pky.url}/acme/p2/${name}.json`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) {
    await res.arrayBuffer();
    return [];
  }
  const body = (await res.json()) as { packages: Record<string, Array<{ version: string }>> };
  return (body.packages[name] ?? []).map((v) => v.version);
}

const jobCount = (pky: TestPackyard): number => (pky.deps.sqlite.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n;

async function jobsSettled(pky: TestPackyard): Promise<void> {
  await waitFor('queued jobs to finish', () => {
    const n = (pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')`).get() as { n: number }).n;
    return n === 0 ? true : null;
  }, 60_000, 20);
}

/** The workspace acme (svc owns it; ada a member) with lib and web (composer.json) and docs (none). */
async function fake(t: Test): Promise<FakeBitbucketCloud> {
  const bb = await startFakeBitbucketCloud({ pagelen: 2, maxPagelen: 2 });
  t.teardown(() => bb.close());
  const s = bb.state;
  s.addWorkspace('acme', { name: 'ACME' });
  for (const u of ['svc', 'ada']) s.addUser(u);
  s.addApiToken('svc', API_TOKEN);
  s.addAppPassword('svc', APP_PASSWORD);
  s.setMember('acme', 'svc', 'owner');
  s.setMember('acme', 'ada', 'member');
  s.addProject('acme', 'CORE');
  for (const slug of ['lib', 'web']) {
    await s.addRepo('acme', slug, { project: 'CORE', mainbranch: 'main', files: { 'composer.json': `${JSON.stringify({ name: `acme/${slug}` })}\n`, VERSION: '1.0\n' } });
    await s.commit('acme', slug, {}, { tag: '1.0.0' });
  }
  await s.addRepo('acme', 'docs', { project: 'CORE', mainbranch: 'main', files: { 'README.md': '# docs\n' } });
  s.grantRepo('acme', 'lib', { user: 'ada' }, 'read');
  return bb;
}

async function synced(t: Test, bb: FakeBitbucketCloud, username: string, token: string, installWebhooks: boolean): Promise<{ pky: TestPackyard; owner: string; ada: string }> {
  const pky = await startPackyard(t, { yaml: bitbucketCloudSyncYaml(bb, { username, token, webhookSecret: SECRET, installWebhooks }) });
  const r = await pky.cli(['sync', '--org', 'acme']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /packagesToAdd=2/);
  await jobsSettled(pky);
  t.same(pky.deps.sqlite.prepare(`SELECT name, status, last_error AS e FROM packages WHERE status <> 'ok'`).all(), [], 'every package imported over git');
  const owner = (await pky.cli(['token', 'create', '--org', 'acme', '--user', 'svc'])).stdout.trim();
  const ada = (await pky.cli(['token', 'create', '--org', 'acme', '--user', 'ada'])).stdout.trim();
  t.same(await p2Versions(pky, owner, 'acme/lib'), ['1.0.0'], 'imported');
  return { pky, owner, ada };
}

async function composerInstalls(t: Test, pky: TestPackyard, token: string, name: string): Promise<void> {
  const project = composerProject({ name: 'dev/app', repositories: [{ type: 'composer', url: `${pky.url}/acme/` }] });
  t.teardown(() => project.cleanup());
  writeAuth(project, new URL(pky.url).host, token);
  const r = await project.run(['require', `${name}:^1.0`]);
  t.equal(r.code, 0, r.stderr);
  t.ok(existsSync(join(project.dir, 'vendor', ...name.split('/'), 'VERSION')), `${name} installed`);
}

t.test('API token: workspace hook, signed repo:push, signatures, duplicates, clones', async (t) => {
  const bb = await fake(t);
  const s = bb.state;
  const { pky, owner, ada } = await synced(t, bb, 'svc@example.test', API_TOKEN, true);
  const hookUrl = `${pky.url}/hooks/bbc`;

  await t.test('the imports cloned with the API token and composer installs', async (t) => {
    // git asks anonymously first and answers the 401 challenge with the credential; the fake
    // takes an API token over git only with the username or x-bitbucket-api-token-auth.
    t.same([...new Set(bb.gitRequests.map((g) => g.token).filter((x) => x !== null))], [API_TOKEN], 'every authenticated git request carried the API token');
    t.same(bb.gitRequests.filter((g) => g.token !== null && g.status !== 200), [], 'and none was refused');
    t.ok(bb.gitRequests.some((g) => g.status === 200 && /git-upload-pack$/.test(g.path)), 'and fetched');
    await composerInstalls(t, pky, ada, 'acme/lib');
  });

  await t.test('the sync installed one workspace hook with the secret', async (t) => {
    const hooks = s.hooksOf({ type: 'workspace', id: s.workspace('acme').id });
    t.equal(hooks.length, 1, 'one workspace hook');
    t.match(hooks[0], { url: hookUrl, secret: SECRET, active: true });
    t.ok(hooks[0]?.events.includes('repo:push'), 'subscribed to repo:push');
    t.same([...s.hooks.values()].filter((h) => h.subject.type === 'repository'), [], 'no repository hooks');
    const again = await pky.cli(['sync', '--org', 'acme']);
    t.equal(again.code, 0, again.stderr);
    t.equal(s.hooks.size, 1, 'a second sync adds no hook');
  });

  let pushed: Awaited<ReturnType<FakeBitbucketCloud['fire']>> = [];
  await t.test('a signed repo:push with a new tag makes it visible', async (t) => {
    await jobsSettled(pky);
    const sha = await s.commit('acme', 'lib', { VERSION: '1.1\n' }, { tag: '1.1.0', message: 'release 1.1' });
    const started = Date.now();
    pushed = await bb.fire('acme', 'lib', 'repo:push', bb.payloads.push(s.repo('acme', 'lib'), s.user('svc'), [{ type: 'tag', name: '1.1.0', new: sha }]));
    t.same(pushed.map((d) => d.status), [202], 'delivered once (the workspace hook), accepted');
    t.match(pushed[0]?.headers['X-Hub-Signature'] ?? '', /^sha256=[0-9a-f]{64}$/, 'signed');
    await waitFor('1.1.0 in p2', async () => ((await p2Versions(pky, ada, 'acme/lib')).includes('1.1.0') ? true : null), 30_000, 20);
    const ms = Date.now() - started;
    t.pass(`1.1.0 visible in p2 ${ms} ms after the delivery`);
    t.comment(`Bitbucket Cloud repo:push -> 1.1.0 in p2: ${ms} ms`);
    const log = pky.deps.sqlite.prepare(`SELECT status, outcome FROM deliveries WHERE delivery_id = ?`).get(pushed[0]!.deliveryId) as { status: string; outcome: string };
    t.equal(log.status, 'accepted');
    t.match(log.outcome, /update queued/);
    t.same(await p2Versions(pky, owner, 'acme/web'), ['1.0.0'], 'the other package untouched');
  });

  await t.test('a signed repo:push to the main branch updates dev-main', async (t) => {
    await jobsSettled(pky);
    const before = s.repo('acme', 'web');
    const sha = await s.commit('acme', 'web', { VERSION: '1.1-dev\n' }, { message: 'work on main' });
    const fired = await bb.fire('acme', 'web', 'repo:push', bb.payloads.push(before, s.user('svc'), [{ type: 'branch', name: 'main', new: sha }]));
    t.same(fired.map((d) => d.status), [202]);
    const devRef = async (): Promise<string | null> => {
      const res = await fetch(`${pky.url}/acme/p2/acme/web~dev.json`, { headers: { authorization: `Bearer ${owner}` } });
      if (res.status !== 200) return (await res.arrayBuffer(), null);
      const body = (await res.json()) as { packages: Record<string, Array<{ version: string; source?: { reference?: string } }>> };
      return body.packages['acme/web']?.find((v) => v.version === 'dev-main')?.source?.reference ?? null;
    };
    await waitFor('dev-main at the pushed commit', async () => ((await devRef()) === sha ? true : null), 30_000, 20);
    t.pass('dev-main points at the pushed commit');
  });

  await t.test('a bad or missing signature gets 401 and queues nothing', async (t) => {
    await jobsSettled(pky);
    const payload = pushed[0]!.payload;
    const before = jobCount(pky);
    t.equal((await bb.deliver(hookUrl, 'repo:push', payload, { secret: 'not-the-secret' })).status, 401, 'wrong secret');
    t.equal((await bb.deliver(hookUrl, 'repo:push', payload)).status, 401, 'no signature');
    t.equal(jobCount(pky), before, 'no job queued');
    const rejected = pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE status = 'rejected'`).get() as { n: number };
    t.equal(rejected.n, 2, 'both logged as rejected');
  });

  await t.test('a delivery repeated with the same X-Request-UUID queues nothing', async (t) => {
    await jobsSettled(pky);
    const first = pushed[0]!;
    const before = jobCount(pky);
    const again = await bb.deliver(hookUrl, 'repo:push', first.payload, { secret: SECRET, requestUuid: first.deliveryId, attempt: 2 });
    t.equal(again.status, 200);
    t.equal(jobCount(pky), before, 'nothing new queued');
    const res = await fetch(hookUrl, { method: 'POST', headers: first.headers, body: first.body });
    t.equal(res.status, 200);
    t.match(await res.json(), { status: 'duplicate' });
    t.equal(jobCount(pky), before, 'still nothing queued');
  });
});

t.test('app password: the sync, the clones and composer work; a failing page revokes nobody', async (t) => {
  const bb = await fake(t);
  const s = bb.state;
  const { pky, ada } = await synced(t, bb, 'svc', APP_PASSWORD, false);
  const cli = async (args: string[], expectCode = 0) => {
    const r = await pky.cli(args);
    t.equal(r.code, expectCode, `packyard ${args.join(' ')}: ${(r.stderr + r.stdout).trim().slice(-800)}`);
    return r;
  };

  await t.test('the imports cloned with the app password and composer installs', async (t) => {
    t.same([...new Set(bb.gitRequests.map((g) => g.token).filter((x) => x !== null))], [APP_PASSWORD], 'every authenticated git request carried the app password');
    t.same(bb.gitRequests.filter((g) => g.token !== null && g.status !== 200), [], 'and none was refused');
    t.ok(bb.requests.every((r) => r.token === APP_PASSWORD), 'and every API request');
    await composerInstalls(t, pky, ada, 'acme/lib');
  });

  const lastRun = () => pky.deps.sqlite.prepare(`SELECT status, error FROM sync_runs ORDER BY id DESC LIMIT 1`).get() as { status: string; error: string | null };
  const permissionPage2 = (from: number) => bb.requests.slice(from).filter((x) => /\/permissions\/repositories$/.test(x.path) && /(^|&)page=2(&|$)/.test(x.query));

  await t.test('a 500 on page 2 of the permission listing, outlasting the retries, revokes nobody', async (t) => {
    s.grantRepo('acme', 'lib', { user: 'ada' }, null);
    bb.fault({ path: /\/permissions\/repositories$/, page: 2, status: 500, times: 1000 });
    const from = bb.requests.length;
    const r = await cli(['sync', '--org', 'acme'], 1);
    t.match(r.stderr, /failed, nothing was changed/);
    t.ok(permissionPage2(from).length > 1 && permissionPage2(from).every((x) => x.status === 500), 'page 2 failed, retried');
    t.same(await p2Versions(pky, ada, 'acme/lib'), ['1.0.0'], 'ada keeps her access while the listing is incomplete');
    const run = lastRun();
    t.equal(run.status, 'failed');
    t.match(run.error, /nothing was changed/);
    t.match(run.error, /500|server error|unavailable/i, 'the reason names the failure');
    bb.clearFaults();
  });

  await t.test('a 403 on page 2 of the permission listing (not retried) revokes nobody', async (t) => {
    bb.fault({ path: /\/permissions\/repositories$/, page: 2, status: 403, times: 1000, body: { type: 'error', error: { message: 'Forbidden' } } });
    const from = bb.requests.length;
    const r = await cli(['sync', '--org', 'acme'], 1);
    t.match(r.stderr, /failed, nothing was changed/);
    t.same(permissionPage2(from).map((x) => x.status), [403], 'asked once: a 403 is not retried');
    t.same(await p2Versions(pky, ada, 'acme/lib'), ['1.0.0'], 'ada keeps her access');
    const run = lastRun();
    t.equal(run.status, 'failed');
    t.match(run.error, /403|forbidden|permission/i, 'the reason names the refusal');
    bb.clearFaults();
    await cli(['sync', '--org', 'acme']);
    t.same(await p2Versions(pky, ada, 'acme/lib'), [], 'the next complete sync applies the removal');
  });
});
