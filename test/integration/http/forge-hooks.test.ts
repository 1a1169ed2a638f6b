// POST /hooks/INTEGRATION_ID end to end with GitHub's real verification (a stub forge otherwise):
// refused deliveries are logged with their reason, capped per integration, and shown in
// Activity; a delivery whose handling failed (500) runs again when the forge redelivers it and
// can be replayed; a push to a repository that is no package queues a check of that repository
// in the organization whose source holds it, not a sync of every organization.
import t from 'tap';
import type { InjectOptions } from 'fastify';
import { signIn } from '../../helpers/ui.js';
import { PASSWORD, uiFixture } from '../../helpers/ui-fixture.js';
import { waitFor } from '../../helpers/wait.js';
import { verifyGitHubHook, signBody } from '../../../src/forges/github/hooks.js';
import { REJECTED_KEPT } from '../../../src/http/routes/forge-hooks.js';
import { ForgeError } from '../../../src/forges/types.js';
import type { ForgeFactory } from '../../../src/sync/forges.js';
import { FakeForge } from '../../fakes/forge.js';

const SECRET = 'hook-secret-for-tests';
const BODY_MARK = 'body-must-not-be-logged';

/** The forge knows two repositories of corp; corp/newlib has a composer.json. Syncs fail closed. */
const pushedAt = '2026-01-01T00:00:00Z';
const fake = new FakeForge({
  org: { id: 'o1', login: 'corp' },
  users: [],
  repositories: [{ id: '3', fullName: 'corp/newlib', pushedAt, composer: '{"name":"corp/newlib"}' }, { id: '4', fullName: 'corp/plain', pushedAt }],
}, { integrationId: 'ghe' });
const closed = new ForgeError('unavailable', 'the test forge is closed');
fake.fail = { snapshot: closed, codeCredential: closed, ensureWebhook: new ForgeError('unavailable', 'not used') };
fake.hook = (req, secret) => verifyGitHubHook(req, secret, 'https://github.example');
const stubForge: ForgeFactory = () => fake;

t.test('forge webhook deliveries', async (t) => {
  const yaml = ['integrations:', '  - id: ghe', '    type: github', '    url: "https://github.example"', '    token: "test-token"', `    webhook_secret: "${SECRET}"`].join('\n');
  const { pky, app } = await uiFixture(t, { yaml, forgeFactory: stubForge });
  const sqlite = pky.deps.sqlite;
  const now = Date.now();
  // Another organization syncs from the same integration, from another forge organization.
  sqlite.prepare(`INSERT INTO organizations (name, sync_integration, sync_source, acl_changed_at, packages_changed_at, created_at) VALUES ('other', 'ghe', 'other', ?, ?, ?)`).run(now, now, now);
  const frank = await signIn(app, 'frank', PASSWORD);
  const hx = { 'hx-request': 'true', 'x-csrf-token': frank.csrf };

  const post = (event: string, deliveryId: string, payload: unknown, sign: 'ok' | 'bad' | 'none' = 'ok') => {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': deliveryId };
    if (sign !== 'none') headers['x-hub-signature-256'] = signBody(sign === 'ok' ? SECRET : 'wrong-secret', body);
    return app.inject({ method: 'POST', url: '/hooks/ghe', headers, payload: body } as InjectOptions);
  };
  const row = (deliveryId: string) => sqlite.prepare(`SELECT id, status, event, outcome, targets FROM deliveries WHERE delivery_id = ?`).get(deliveryId) as
    { id: number; status: string; event: string; outcome: string; targets: string | null } | undefined;
  const count = (sql: string, ...args: unknown[]) => (sqlite.prepare(`SELECT COUNT(*) AS n FROM ${sql}`).get(...args) as { n: number }).n;
  const membership = { action: 'added', member: null, team: { id: 1 }, note: BODY_MARK };

  await t.test('a refused delivery is logged with its reason, reaches the logger, and shows in Activity', async (t) => {
    const warned: unknown[][] = [];
    const log = pky.deps.log as unknown as { warn: (...a: unknown[]) => void };
    const warn = log.warn;
    log.warn = (...a: unknown[]) => void warned.push(a);
    t.teardown(() => { log.warn = warn; });
    const res = await post('membership', 'd-forged', membership, 'none');
    t.equal(res.statusCode, 401, 'still a 401');
    t.same(res.json(), { error: 'missing X-Hub-Signature-256' });
    const rejected = sqlite.prepare(`SELECT delivery_id AS d, event, action, status, outcome, targets FROM deliveries WHERE status = 'rejected'`).all() as
      { d: string; event: string; action: string | null; outcome: string; targets: string }[];
    t.equal(rejected.length, 1);
    t.match(rejected[0], { event: 'membership', action: null, targets: '{}' });
    t.match(rejected[0]!.outcome, /^Rejected \(401\): missing X-Hub-Signature-256; delivery id as sent: d-forged$/);
    t.notMatch(JSON.stringify(rejected), BODY_MARK, 'no body');
    t.not(rejected[0]!.d, 'd-forged', 'the forged request does not take the delivery id');
    t.match(warned, [[{ integration: 'ghe', status: 401, reason: 'missing X-Hub-Signature-256', deliveryId: 'd-forged', event: 'membership' }, 'webhook rejected']]);

    const bad = await post('push', 'd-bad', { ref: 'refs/heads/main', repository: { id: 4, full_name: 'corp/plain' } }, 'bad');
    t.equal(bad.statusCode, 401);
    t.notMatch(JSON.stringify(warned), SECRET, 'no secret logged');
    const page = await frank.get('/corp/-/activity');
    t.match(page.body, /<span class="badge error">rejected<\/span><\/td><td>Rejected \(401\): bad signature; delivery id as sent: d-bad<\/td>/, 'the owner sees it with its reason');
    t.notMatch(page.body, new RegExp(`/deliveries/${row('d-forged')?.id ?? 'x'}/replay`));
    const rejectedIds = (sqlite.prepare(`SELECT id FROM deliveries WHERE status = 'rejected'`).all() as { id: number }[]).map((r) => r.id);
    for (const id of rejectedIds) t.notMatch(page.body, `/deliveries/${id}/replay`, 'nothing to replay');
    t.match((await frank.post(`/corp/-/activity/deliveries/${rejectedIds[0]}/replay`, {}, hx)).body, 'nothing to replay', 'a refused delivery replays nothing');

    const real = await post('membership', 'd-forged', membership);
    t.equal(real.statusCode, 202, 'the real delivery with the id a forged request claimed is not a duplicate');
    t.equal(row('d-forged')?.status, 'accepted');
  });

  await t.test('refused deliveries are capped per integration, newest kept', async (t) => {
    for (let i = 0; i < REJECTED_KEPT + 20; i++) t.equal((await post('push', `flood-${i}`, {}, 'bad')).statusCode, 401);
    t.equal(count(`deliveries WHERE integration = 'ghe' AND status = 'rejected'`), REJECTED_KEPT);
    t.equal(count(`deliveries WHERE outcome LIKE '%as sent: flood-${REJECTED_KEPT + 19}'`), 1, 'the newest is kept');
    t.equal(count(`deliveries WHERE outcome LIKE '%as sent: flood-0'`), 0, 'the oldest went');
    t.equal(row('d-forged')?.status, 'accepted', 'accepted deliveries are not touched');
  });

  await t.test('a delivery whose handling failed runs again when redelivered and can be replayed', async (t) => {
    const queue = pky.deps.queue as unknown as { enqueue: unknown };
    const enqueue = queue.enqueue;
    queue.enqueue = () => { throw new Error('database is locked'); };
    const failed = await post('membership', 'd-fail', membership);
    queue.enqueue = enqueue;
    t.equal(failed.statusCode, 500);
    t.match(row('d-fail'), { status: 'failed', outcome: 'database is locked', targets: '{}' });

    const page = await frank.get('/corp/-/activity');
    const id = row('d-fail')!.id;
    t.match(page.body, `action="/corp/-/activity/deliveries/${id}/replay"`, 'a failed delivery can be replayed');
    const replay = await frank.post(`/corp/-/activity/deliveries/${id}/replay`, {}, hx);
    t.equal(replay.statusCode, 202);
    const job = Number(/Sync #(\d+) queued\./.exec(replay.body)?.[1]);
    t.match(sqlite.prepare(`SELECT type, lock_key AS lockKey FROM jobs WHERE id = ?`).get(job), { type: 'sync-org', lockKey: 'sync:corp' });

    const again = await post('membership', 'd-fail', membership);
    t.equal(again.statusCode, 202, 'the forge redelivers it: not a duplicate');
    t.match(again.json(), { status: 'accepted', outcome: /sync of corp, other queued/ });
    t.match(row('d-fail'), { status: 'accepted', targets: JSON.stringify({ syncs: ['corp', 'other'] }) });
    t.equal(count(`deliveries WHERE delivery_id = 'd-fail'`), 1, 'one row per delivery');
    const once = await post('membership', 'd-fail', membership);
    t.equal(once.statusCode, 200, 'once it succeeded, it is a duplicate');
    t.match(once.json(), { status: 'duplicate' });
  });

  await t.test('a push to a repository that is no package checks that repository in the org whose source holds it', async (t) => {
    const jobsBefore = (sqlite.prepare(`SELECT COALESCE(MAX(id), 0) AS id FROM jobs`).get() as { id: number }).id;
    const newJobs = (type: string) => sqlite.prepare(`SELECT lock_key AS lockKey, payload FROM jobs WHERE id > ? AND type = ?`).all(jobsBefore, type) as { lockKey: string; payload: string }[];
    const push = (id: number, fullName: string, deliveryId: string) => post('push', deliveryId, { ref: 'refs/heads/main', repository: { id, full_name: fullName } });

    const lib = await push(3, 'corp/newlib', 'd-newlib');
    t.equal(lib.statusCode, 202);
    t.match(lib.json(), { status: 'accepted', outcome: /^push on corp\/newlib, not a package: check for a composer.json in corp queued/ });
    t.same(JSON.parse(row('d-newlib')!.targets as string), { checks: ['corp'], repo: 'corp/newlib' });
    t.equal(newJobs('sync-org').length, 0, 'no sync queued by the push itself');
    t.same(newJobs('check-repo').map((j) => j.lockKey), ['check-repo:corp:3'], 'one check, in corp only');
    const sync = await waitFor('the sync the check queues', () =>
      (sqlite.prepare(`SELECT lock_key AS lockKey FROM jobs WHERE id > ? AND type = 'sync-org' AND trigger = 'check-repo:corp/newlib'`).get(jobsBefore) as { lockKey: string } | undefined) ?? null);
    t.equal(sync.lockKey, 'sync:corp', 'it has a composer.json: the sync of corp adds it');

    t.equal((await push(4, 'corp/plain', 'd-plain')).statusCode, 202);
    const checked = await waitFor('the check of corp/plain', () =>
      (sqlite.prepare(`SELECT result FROM jobs WHERE id > ? AND lock_key = 'check-repo:corp:4' AND status = 'done'`).get(jobsBefore) as { result: string } | undefined) ?? null);
    t.match(JSON.parse(checked.result), { checked: true, composer: false });
    t.equal(count(`jobs WHERE id > ? AND trigger = 'check-repo:corp/plain'`, jobsBefore), 0, 'no composer.json: no sync');

    const stranger = await push(9, 'stranger/app', 'd-stranger');
    t.match(stranger.json(), { status: 'ignored', outcome: /no organization adds packages from it/ });
    t.equal(newJobs('check-repo').length, 2, 'nothing queued for a repository no source holds');
    t.equal(count(`jobs WHERE id > ? AND lock_key = 'sync:other'`, jobsBefore), 0, 'the other organization was never synced');
    await waitFor('the queued jobs', () => (count(`jobs WHERE status IN ('queued', 'running')`) === 0 ? true : null));
  });
});
