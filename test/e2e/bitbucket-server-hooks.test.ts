// Bitbucket Data Center webhooks end to end with the stateful fake (under /bitbucket) and a real
// Packyard syncing PAY,WEB. 8.19: the sync installs one project hook per source project with the
// secret; a commit and tag in the fake's real repository, then the fake fires a signed
// repo:refs_changed to /hooks/bbs and the new version shows in p2 (the milliseconds are printed);
// repo:modified (a rename) queues the sync that follows it; diagnostics:ping gets 200, signed or
// not; a bad or missing signature gets 401 and queues nothing; a repeated X-Request-Id is a
// duplicate and queues nothing. 7.21: no project hooks, so one repository hook per package.
import t, { type Test } from 'tap';
import { startFakeBitbucketServer, type FakeBitbucketServer } from '../fakes/bitbucket-server/index.js';
import { startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { bitbucketServerSyncYaml } from '../helpers/bitbucket-server.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'bbs-http-token-svc';
const SECRET = 'bbs-hook-secret-0123456789';

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

/** PAY (api, docs without composer.json) and WEB (site); svc administers both and holds the token. */
async function world(t: Test, version: '8.19' | '7.21'): Promise<{ bb: FakeBitbucketServer; pky: TestPackyard; owner: string }> {
  const bb = await startFakeBitbucketServer({ contextPath: '/bitbucket', version, pageLimit: 2, maxLimit: 2 });
  t.teardown(() => bb.close());
  const s = bb.state;
  s.addUser('svc');
  s.addToken(TOKEN, 'svc', { adminEndpoints: false });
  s.addProject('PAY');
  s.addProject('WEB');
  for (const k of ['PAY', 'WEB']) s.grantProject(k, { user: 'svc' }, 'PROJECT_ADMIN');
  for (const [key, slug, name] of [['PAY', 'api', 'acme/pay-api'], ['WEB', 'site', 'acme/web-site']] as const) {
    await s.addRepo(key, slug, { files: { 'composer.json': `${JSON.stringify({ name })}\n`, VERSION: '1.0\n' } });
    await s.commit(key, slug, {}, { tag: '1.0.0' });
  }
  await s.addRepo('PAY', 'docs', { files: { 'README.md': '# docs\n' } });
  const pky = await startPackyard(t, { yaml: bitbucketServerSyncYaml(bb, { token: TOKEN, webhookSecret: SECRET, installWebhooks: true }) });
  const r = await pky.cli(['sync', '--org', 'acme']);
  t.equal(r.code, 0, r.stderr);
  await jobsSettled(pky);
  const owner = (await pky.cli(['token', 'create', '--org', 'acme', '--user', 'svc'])).stdout.trim();
  t.same(await p2Versions(pky, owner, 'acme/pay-api'), ['1.0.0'], 'imported');
  return { bb, pky, owner };
}

t.test('8.19: one project hook per source project; refs_changed, modified, ping, signatures, duplicates', async (t) => {
  const { bb, pky, owner } = await world(t, '8.19');
  const s = bb.state;
  const hookUrl = `${pky.url}/hooks/bbs`;

  await t.test('the sync installed one project hook on each source project, with the secret', async (t) => {
    for (const key of ['PAY', 'WEB']) {
      const hooks = s.hooksOf({ type: 'project', id: s.project(key).id });
      t.equal(hooks.length, 1, `one hook on ${key}`);
      t.match(hooks[0], { url: hookUrl, secret: SECRET, active: true });
      t.ok(['repo:refs_changed', 'repo:modified'].every((e) => hooks[0]?.events.includes(e)), 'subscribed to refs_changed and modified');
    }
    const repoHooks = [...s.hooks.values()].filter((h) => h.scope.type === 'repository');
    t.same(repoHooks, [], 'no repository hooks');
    const again = await pky.cli(['sync', '--org', 'acme']);
    t.equal(again.code, 0, again.stderr);
    t.equal(s.hooks.size, 2, 'a second sync adds no hook');
  });

  let pushed: Awaited<ReturnType<FakeBitbucketServer['fire']>> = [];
  await t.test('a signed repo:refs_changed makes the new tag visible', async (t) => {
    await jobsSettled(pky);
    const sha = await s.commit('PAY', 'api', { VERSION: '1.1\n' }, { tag: '1.1.0', message: 'release 1.1' });
    const started = Date.now();
    pushed = await bb.fire('PAY', 'api', 'repo:refs_changed', bb.payloads.refsChanged(s.repo('PAY', 'api'), s.user('svc'), [{ ref: 'refs/tags/1.1.0', toHash: sha }]));
    t.same(pushed.map((d) => d.status), [202], 'delivered once (the project hook), accepted');
    t.match(pushed[0]?.headers['X-Hub-Signature'] ?? '', /^sha256=[0-9a-f]{64}$/, 'signed');
    await waitFor('1.1.0 in p2', async () => ((await p2Versions(pky, owner, 'acme/pay-api')).includes('1.1.0') ? true : null), 30_000, 20);
    const ms = Date.now() - started;
    t.pass(`1.1.0 visible in p2 ${ms} ms after the delivery`);
    t.comment(`repo:refs_changed -> 1.1.0 in p2: ${ms} ms`);
    const log = pky.deps.sqlite.prepare(`SELECT status, outcome FROM deliveries WHERE delivery_id = ?`).get(pushed[0]!.deliveryId) as { status: string; outcome: string };
    t.equal(log.status, 'accepted');
    t.match(log.outcome, /update queued/);
  });

  await t.test('a bad or missing signature gets 401 and queues nothing', async (t) => {
    await jobsSettled(pky);
    const payload = pushed[0]!.payload as object;
    const before = jobCount(pky);
    const wrong = await bb.deliver(hookUrl, 'repo:refs_changed', payload, { secret: 'not-the-secret' });
    t.equal(wrong.status, 401, 'wrong secret');
    const missing = await bb.deliver(hookUrl, 'repo:refs_changed', payload);
    t.equal(missing.status, 401, 'no signature');
    t.equal(jobCount(pky), before, 'no job queued');
    const rejected = pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE status = 'rejected'`).get() as { n: number };
    t.equal(rejected.n, 2, 'both logged as rejected');
  });

  await t.test('a delivery repeated with the same X-Request-Id is a duplicate and queues nothing', async (t) => {
    await jobsSettled(pky);
    const first = pushed[0]!;
    const before = jobCount(pky);
    const res = await fetch(hookUrl, { method: 'POST', headers: first.headers, body: first.body });
    t.equal(res.status, 200);
    t.match(await res.json(), { status: 'duplicate' });
    t.equal(jobCount(pky), before, 'nothing new queued');
  });

  await t.test('diagnostics:ping gets 200, unsigned or signed, and queues nothing', async (t) => {
    const before = jobCount(pky);
    t.equal((await bb.deliver(hookUrl, 'diagnostics:ping', bb.payloads.ping())).status, 200, 'unsigned (the Test button)');
    t.equal((await bb.deliver(hookUrl, 'diagnostics:ping', bb.payloads.ping(), { secret: SECRET })).status, 200, 'signed');
    t.equal((await bb.deliver(hookUrl, 'diagnostics:ping', bb.payloads.ping(), { secret: 'wrong' })).status, 401, 'wrongly signed');
    t.equal(jobCount(pky), before);
  });

  await t.test('repo:modified (a rename) queues the sync that follows it', async (t) => {
    await jobsSettled(pky);
    const { old, now } = s.renameRepo('PAY', 'api', 'Payments-API');
    const before = jobCount(pky);
    const fired = await bb.fire('PAY', 'payments-api', 'repo:modified', bb.payloads.modified(old, now, s.user('svc')));
    t.same(fired.map((d) => d.status), [202]);
    t.equal(jobCount(pky), before + 1, 'one job queued');
    const job = pky.deps.sqlite.prepare(`SELECT type, trigger FROM jobs ORDER BY id DESC LIMIT 1`).get() as { type: string; trigger: string };
    t.same(job, { type: 'sync-org', trigger: 'webhook:bbs' });
    await jobsSettled(pky);
    const row = pky.deps.sqlite.prepare(`SELECT p.url, f.full_name AS fullName FROM packages p JOIN forge_repos f ON f.package_id = p.id WHERE p.name = 'acme/pay-api'`).get() as { url: string; fullName: string };
    t.equal(row.fullName, 'PAY/payments-api', 'the sync followed the rename');
    t.match(row.url, /\/scm\/pay\/payments-api\.git$/);
  });
});

t.test('7.21: no project hooks, one repository hook per package', async (t) => {
  const { bb, pky, owner } = await world(t, '7.21');
  const s = bb.state;
  const hookUrl = `${pky.url}/hooks/bbs`;
  t.same([...s.hooks.values()].filter((h) => h.scope.type === 'project'), [], 'no project hook');
  for (const [key, slug] of [['PAY', 'api'], ['WEB', 'site']] as const) {
    const hooks = s.hooksOf({ type: 'repository', id: s.repo(key, slug).id });
    t.equal(hooks.length, 1, `one hook on ${key}/${slug}`);
    t.match(hooks[0], { url: hookUrl, secret: SECRET, active: true });
  }
  t.same(s.hooksOf({ type: 'repository', id: s.repo('PAY', 'docs').id }), [], 'none on a repository that is no package');
  const sha = await s.commit('WEB', 'site', { VERSION: '1.1\n' }, { tag: '1.1.0' });
  const started = Date.now();
  const fired = await bb.fire('WEB', 'site', 'repo:refs_changed', bb.payloads.refsChanged(s.repo('WEB', 'site'), s.user('svc'), [{ ref: 'refs/tags/1.1.0', toHash: sha }]));
  t.same(fired.map((d) => d.status), [202]);
  await waitFor('1.1.0 in p2', async () => ((await p2Versions(pky, owner, 'acme/web-site')).includes('1.1.0') ? true : null), 30_000, 20);
  t.comment(`7.21 repository hook: repo:refs_changed -> 1.1.0 in p2: ${Date.now() - started} ms`);
});
