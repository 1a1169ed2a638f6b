// GitLab webhooks end to end with the stateful fake GitLab (under /gitlab) and a real Packyard.
// Free tier: the sync installs one project hook per package with the secret as its token; a tag
// pushed in the fake's real repository is delivered by the fake to /hooks/gl and shows in p2 (the
// milliseconds are printed); a wrong or missing X-Gitlab-Token gets 401 and queues nothing; a
// repeated Idempotency-Key is a duplicate and queues nothing; a push of 4 tags at once fires no
// hook (GitLab's push_event_hooks_limit) and the scheduled sync makes the tags visible; a Release
// Hook queues an update.
// Premium: one group hook on the source group instead, and a Member Hook queues a sync that
// gives the new member access.
import t, { type Test } from 'tap';
import { startFakeGitLab, type FakeGitLab, type Tier } from '../fakes/gitlab/index.js';
import { startPackyard, type TestPackyard } from '../helpers/packyard.js';
import { gitlabSyncYaml } from '../helpers/gitlab.js';
import { waitFor } from '../helpers/wait.js';

const ADMIN_TOKEN = 'glpat-olga-owner-of-acme';
const SECRET = 'gl-hook-secret-0123456789';

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

/** acme > acme/platform > acme/platform/libs with two packages, olga the Owner (and the integration's token). */
async function world(t: Test, tier: Tier): Promise<{ gl: FakeGitLab; pky: TestPackyard; owner: string }> {
  const gl = await startFakeGitLab({ tier, relativeRoot: '/gitlab' });
  t.teardown(() => gl.close());
  const s = gl.state;
  s.addUser('olga');
  s.addToken(ADMIN_TOKEN, 'olga', { scopes: ['api'] });
  s.addGroup('acme');
  s.addGroup('acme/platform');
  s.addGroup('acme/platform/libs');
  s.addGroupMember('acme', 'olga', 50);
  for (const [path, name] of [['acme/platform/libs/lib-a', 'acme/lib-a'], ['acme/platform/api', 'acme/api']] as const) {
    await s.addProject(path, { files: { 'composer.json': `${JSON.stringify({ name })}\n`, VERSION: '1.0\n' } });
    await s.commit(path, {}, { tag: '1.0.0' });
  }
  await s.addProject('acme/platform/docs', { files: { 'README.md': '# docs\n' } });
  const pky = await startPackyard(t, { yaml: gitlabSyncYaml(gl, { token: ADMIN_TOKEN, webhookSecret: SECRET, installWebhooks: true }) });
  const r = await pky.cli(['sync', '--org', 'acme']);
  t.equal(r.code, 0, r.stderr);
  await jobsSettled(pky);
  const owner = (await pky.cli(['token', 'create', '--org', 'acme', '--user', 'olga'])).stdout.trim();
  t.same(await p2Versions(pky, owner, 'acme/lib-a'), ['1.0.0'], 'imported');
  return { gl, pky, owner };
}

t.test('Free: one project hook per package; Tag Push Hooks, tokens, duplicates, and the >3 refs push', async (t) => {
  const { gl, pky, owner } = await world(t, 'free');
  const s = gl.state;
  const hookUrl = `${pky.url}/hooks/gl`;

  await t.test('the sync installed a project hook on each package project, with the secret as token', async (t) => {
    const lib = s.project('acme/platform/libs/lib-a');
    const api = s.project('acme/platform/api');
    const docs = s.project('acme/platform/docs');
    for (const p of [lib, api]) {
      const hooks = s.hooksOf('project', p.id);
      t.equal(hooks.length, 1, `one hook on ${p.path}`);
      t.match(hooks[0], { url: hookUrl, token: SECRET, events: { push_events: true, tag_push_events: true, releases_events: true } });
    }
    t.same(s.hooksOf('project', docs.id), [], 'no hook on a project that is no package');
    t.same(s.hooksOf('group', s.group('acme').id), [], 'no group hook on Free');
    const again = await pky.cli(['sync', '--org', 'acme']);
    t.equal(again.code, 0, again.stderr);
    t.equal(s.hooksOf('project', lib.id).length, 1, 'a second sync adds no hook');
  });

  let delivered: Awaited<ReturnType<FakeGitLab['push']>>['deliveries'] = [];
  await t.test('a Tag Push Hook makes the new tag visible', async (t) => {
    await s.commit('acme/platform/libs/lib-a', { VERSION: '1.1\n' }, { message: 'work' });
    const started = Date.now();
    const pushed = await gl.push('acme/platform/libs/lib-a', { tags: { '1.1.0': 'main' }, as: 'olga' });
    delivered = pushed.deliveries;
    t.same(pushed.deliveries.map((d) => [d.event, d.status]), [['Tag Push Hook', 202]], 'the fake delivered one Tag Push Hook, accepted');
    await waitFor('1.1.0 in p2', async () => ((await p2Versions(pky, owner, 'acme/lib-a')).includes('1.1.0') ? true : null), 30_000, 20);
    const ms = Date.now() - started;
    t.pass(`1.1.0 visible in p2 ${ms} ms after the push`);
    t.comment(`Tag Push Hook -> 1.1.0 in p2: ${ms} ms`);
    const log = pky.deps.sqlite.prepare(`SELECT status, outcome FROM deliveries WHERE delivery_id = ?`).get(pushed.deliveries[0]!.deliveryId) as { status: string; outcome: string };
    t.equal(log.status, 'accepted');
    t.match(log.outcome, /update queued/);
  });

  await t.test('a wrong or missing X-Gitlab-Token gets 401 and queues nothing', async (t) => {
    await jobsSettled(pky);
    const lib = s.project('acme/platform/libs/lib-a');
    const sha = (await s.refSha(lib, 'refs/heads/main')) ?? '';
    const payload = gl.payloads.tagPush(lib, s.user('olga'), '1.1.0', '0'.repeat(40), sha);
    const before = jobCount(pky);
    const wrong = await gl.deliver(hookUrl, 'Tag Push Hook', payload, { token: 'not-the-secret' });
    t.equal(wrong.status, 401, 'wrong token');
    const missing = await gl.deliver(hookUrl, 'Tag Push Hook', payload);
    t.equal(missing.status, 401, 'no token');
    t.equal(jobCount(pky), before, 'no job queued');
    const rejected = pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE status = 'rejected'`).get() as { n: number };
    t.equal(rejected.n, 2, 'both logged as rejected');
  });

  await t.test('a delivery repeated with the same Idempotency-Key is a duplicate and queues nothing', async (t) => {
    await jobsSettled(pky);
    const first = delivered[0]!;
    const before = jobCount(pky);
    const again = await gl.deliver(hookUrl, 'Tag Push Hook', first.payload as object, { token: SECRET, idempotencyKey: first.deliveryId });
    t.equal(again.status, 200);
    t.equal(jobCount(pky), before, 'nothing new queued');
  });

  await t.test('a Release Hook queues an update of that package', async (t) => {
    await jobsSettled(pky);
    const api = s.project('acme/platform/api');
    const sha = (await s.refSha(api, 'refs/tags/1.0.0')) ?? '';
    const before = jobCount(pky);
    const d = await gl.deliver(hookUrl, 'Release Hook', gl.payloads.release(api, '1.0.0', sha), { token: SECRET });
    t.equal(d.status, 202);
    const job = pky.deps.sqlite.prepare(`SELECT type, trigger, json_extract(payload, '$.packageId') AS pkg FROM jobs ORDER BY id DESC LIMIT 1`).get() as { type: string; trigger: string; pkg: number };
    const pkg = (pky.deps.sqlite.prepare(`SELECT package_id AS id FROM forge_repos WHERE full_name = 'acme/platform/api'`).get() as { id: number }).id;
    t.equal(jobCount(pky), before + 1);
    t.same(job, { type: 'update-package', trigger: 'webhook:gl', pkg });
  });

  await t.test('a push of 4 tags fires no hook; the scheduled sync makes them visible', async (t) => {
    await jobsSettled(pky);
    await s.commit('acme/platform/libs/lib-a', { VERSION: '2.0\n' }, { message: 'two' });
    const before = jobCount(pky);
    const tags = ['2.0.0', '2.0.1', '2.0.2', '2.0.3'];
    const pushed = await gl.push('acme/platform/libs/lib-a', { tags: Object.fromEntries(tags.map((x) => [x, 'main'])), as: 'olga' });
    t.equal(pushed.changes.length, 4);
    t.equal(pushed.deliveries.length, 0, 'GitLab fires no hook for more than 3 tags in one push');
    t.equal(jobCount(pky), before, 'nothing was queued');
    t.notOk((await p2Versions(pky, owner, 'acme/lib-a')).includes('2.0.0'), 'the new tags are not visible yet');
    const job = pky.deps.schedules.jobs.find((j) => j.name === 'sync-org:acme');
    t.ok(job, 'the organization has a sync schedule');
    job!.enqueue();
    const visible = await waitFor('the 2.0.x tags in p2', async () => {
      const v = await p2Versions(pky, owner, 'acme/lib-a');
      return tags.every((x) => v.includes(x)) ? v : null;
    }, 30_000, 50).catch((e: Error) => e);
    t.notOk(visible instanceof Error, visible instanceof Error ? visible.message : 'the scheduled sync made all four visible');
    const sync = pky.deps.sqlite.prepare(`SELECT status, trigger FROM jobs WHERE type = 'sync-org' ORDER BY id DESC LIMIT 1`).get() as { status: string; trigger: string };
    t.match(sync, { trigger: 'schedule' });
    const update = pky.deps.sqlite.prepare(`SELECT trigger FROM jobs WHERE type = 'update-package' ORDER BY id DESC LIMIT 1`).get() as { trigger: string };
    t.equal(update.trigger, 'sync:gl', 'the update came from the sync (the repository was pushed since the last one)');
  });
});

t.test('Premium: one group hook on the source group; a Member Hook queues a sync', async (t) => {
  const { gl, pky } = await world(t, 'premium');
  const s = gl.state;
  const hookUrl = `${pky.url}/hooks/gl`;
  const groupHooks = s.hooksOf('group', s.group('acme').id);
  t.equal(groupHooks.length, 1, 'one group hook');
  t.match(groupHooks[0], { url: hookUrl, token: SECRET, events: { push_events: true, tag_push_events: true, member_events: true, subgroup_events: true } });
  for (const p of ['acme/platform/libs/lib-a', 'acme/platform/api']) t.same(s.hooksOf('project', s.project(p).id), [], `no project hook on ${p}`);

  s.addUser('nina');
  s.addGroupMember('acme/platform', 'nina', 20);
  await jobsSettled(pky);
  const before = jobCount(pky);
  const fired = await gl.fire({ group: 'acme/platform' }, 'Member Hook', gl.payloads.member(s.group('acme/platform'), s.user('nina'), 'user_add_to_group', 20));
  t.same(fired.map((d) => d.status), [202], 'delivered to the group hook of acme (an ancestor), accepted');
  t.equal(jobCount(pky), before + 1, 'one job queued');
  const job = pky.deps.sqlite.prepare(`SELECT type, trigger FROM jobs ORDER BY id DESC LIMIT 1`).get() as { type: string; trigger: string };
  t.same(job, { type: 'sync-org', trigger: 'webhook:gl' });
  await jobsSettled(pky);
  const nina = pky.deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM users WHERE login = 'nina'`).get() as { n: number };
  t.equal(nina.n, 1, 'the sync the hook queued created the new member');
  const token = (await pky.cli(['token', 'create', '--org', 'acme', '--user', 'nina'])).stdout.trim();
  t.same(await p2Versions(pky, token, 'acme/lib-a'), ['1.0.0'], 'and she reads the subgroup package');

  await s.commit('acme/platform/api', { VERSION: '1.2\n' });
  const pushed = await gl.push('acme/platform/api', { tags: { '1.2.0': 'main' }, as: 'olga' });
  t.same(pushed.deliveries.map((d) => [d.event, d.status]), [['Tag Push Hook', 202]], 'a tag push reaches the group hook');
  const seen = await waitFor('1.2.0 in p2', async () => ((await p2Versions(pky, token, 'acme/api')).includes('1.2.0') ? true : null), 30_000, 20).catch((e: Error) => e);
  t.equal(seen, true, 'the group hook updated the package');
});
