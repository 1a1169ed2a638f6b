// POST /hooks/generic/HOOK_TOKEN over real HTTP (a Packyard app on a loopback port, no job runner,
// so what is queued stays queued): every body kind → 202 with the delivery recorded (kind, refs,
// outcome); Azure DevOps with basic auth; a body over the limit → 413 and the server still
// answers; a burst coalesces into one queued update; an unknown token → 404 and nothing
// recorded; SNS messages go through the verifier (the real one refuses a malformed envelope, a stub verifier's
// notification queues); a replaced token's URL → 404; the token is sealed at rest.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startPackyard } from '../../helpers/packyard.js';
import { buildApp } from '../../../src/app.js';
import { createOrg } from '../../../src/services/orgs.js';
import { addPackage } from '../../../src/services/packages.js';
import { rotateHookToken } from '../../../src/services/hook-urls.js';
import { GenericDeliveries } from '../../../src/services/generic-deliveries.js';
import { GENERIC_BODY_LIMIT } from '../../../src/http/routes/hooks.js';
import { createSnsVerifier, type SnsResult } from '../../../src/services/sns.js';
import { azureServerPush, azureServicesPush, eventBridgeCodeCommit, packagistBody } from '../../helpers/generic-hook-payloads.js';

const REPO_URL = 'https://git.example/acme/lib.git';
const SHA = 'a'.repeat(40);

t.test('the generic hook URL', async (t) => {
  const pky = await startPackyard(t, { listen: false });
  const { deps } = pky;
  createOrg(deps.db, 'acme', 'test');
  const policy = { allowLocalPaths: true, allowedProtocols: ['https', 'ssh', 'git', 'http', 'file'], vcsTypes: ['git' as const] };
  const added = addPackage(deps.db, deps.queue, policy, { org: 'acme', url: REPO_URL }, 'test', deps.box);
  const pkgId = added.pkg.id;
  // A stub SNS verifier that the test steers (helper D's verifier drops in the same way).
  let snsAnswer: SnsResult = { ok: false, status: 403, reason: 'bad signature' };
  const snsCalls: { type: string; body: string }[] = [];
  const sns = { handle: async (type: string, body: Buffer) => { snsCalls.push({ type, body: body.toString() }); return snsAnswer; } };
  const app = await buildApp({ ...deps, sns });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  let hookPath = `/hooks/generic/${added.hookToken}`;

  const log = new GenericDeliveries(deps.sqlite);
  const latest = () => log.forPackage(pkgId, 1)[0];
  const count = (sql: string, ...a: unknown[]) => (deps.sqlite.prepare(`SELECT COUNT(*) AS n FROM ${sql}`).get(...a) as { n: number }).n;
  const deliveries = () => count(`deliveries WHERE package_id = ?`, pkgId);
  const queued = () => count(`jobs WHERE lock_key = ? AND status = 'queued'`, `package:${pkgId}`);
  // The runner is off: "run" the queued update by marking it done, so the next delivery queues anew.
  const drain = () => deps.sqlite.prepare(`UPDATE jobs SET status = 'done', finished_at = ? WHERE lock_key = ? AND status = 'queued'`).run(Date.now(), `package:${pkgId}`);
  const post = (body: string | Buffer | undefined, headers: Record<string, string> = {}, path = hookPath) =>
    fetch(`${base}${path}`, { method: 'POST', headers, ...(body !== undefined ? { body } : {}) });

  await t.test('the token is stored hashed and sealed, never in clear', async (t) => {
    const row = deps.sqlite.prepare(`SELECT hook_token_hash AS h, hook_token_sealed AS s FROM packages WHERE id = ?`).get(pkgId) as { h: string; s: Buffer };
    t.match(row.h, /^[0-9a-f]{64}$/);
    t.ok(Buffer.isBuffer(row.s) && row.s.length > 29, 'sealed');
    t.notOk(row.s.includes(Buffer.from(added.hookToken)), 'not readable in the database');
  });

  const azureRefs = [{ name: 'refs/heads/main', oldObjectId: 'b'.repeat(40), newObjectId: SHA }, { name: 'refs/tags/v1.2.0', newObjectId: SHA }];
  const kinds: [string, string | Buffer | undefined, Record<string, string>, string, string[]][] = [
    ['empty', undefined, {}, 'script', []],
    ['form', 'payload=%7B%7D&ref=main', { 'content-type': 'application/x-www-form-urlencoded' }, 'script', []],
    ['XML', '<?xml version="1.0"?><push><ref>main</ref></push>', { 'content-type': 'application/xml' }, 'script', []],
    ['malformed JSON', '{"repository": {"url": ', { 'content-type': 'application/json' }, 'script', []],
    ['binary', randomBytes(4096), { 'content-type': 'application/octet-stream' }, 'script', []],
    ['text/plain JSON without SNS headers', '{"hello":"world"}', { 'content-type': 'text/plain; charset=UTF-8' }, 'script', []],
    ['Packagist-style', JSON.stringify(packagistBody('https://git.example/acme/lib')), { 'content-type': 'application/json' }, 'packagist', []],
    ['Azure DevOps Services', JSON.stringify(azureServicesPush(azureRefs)), { 'content-type': 'application/json; charset=utf-8' }, 'azure-devops', ['refs/heads/main', 'refs/tags/v1.2.0']],
    ['Azure DevOps Server', JSON.stringify(azureServerPush([{ name: 'refs/tags/v2.0.0', newObjectId: SHA }])), { 'content-type': 'application/json; charset=utf-8' }, 'azure-devops', ['refs/tags/v2.0.0']],
    ['Azure DevOps with basic auth', JSON.stringify(azureServicesPush([{ name: 'refs/heads/dev', newObjectId: SHA }])),
      { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('azure:whatever-password').toString('base64')}` }, 'azure-devops', ['refs/heads/dev']],
    ['EventBridge API destination', JSON.stringify(eventBridgeCodeCommit({ repositoryName: 'lib', referenceType: 'tag', referenceName: 'v3.0.0', commitId: SHA })),
      { 'content-type': 'application/json' }, 'eventbridge', ['refs/tags/v3.0.0']],
  ];
  for (const [name, body, headers, kind, refs] of kinds) {
    await t.test(`${name} → 202, update queued, delivery recorded`, async (t) => {
      drain();
      const before = deliveries();
      const res = await post(body, headers);
      t.equal(res.status, 202);
      const json = (await res.json()) as { status: string; kind: string; refs: string[]; job: { id: number } };
      t.match(json, { status: 'queued', kind, refs });
      t.equal(queued(), 1, 'one update queued');
      t.equal(deliveries(), before + 1);
      const d = latest();
      t.match(d, { kind, status: 'accepted', refs, outcome: `queued: update job ${json.job.id}` });
      if (name === 'Azure DevOps Server') t.equal(d?.action, 'git.push');
    });
  }

  await t.test('a Packagist-style URL naming another repository still queues, and the delivery says so', async (t) => {
    drain();
    const res = await post(JSON.stringify(packagistBody('https://user:s3cret@git.example/other/thing.git')), { 'content-type': 'application/json' });
    t.equal(res.status, 202);
    const d = latest();
    t.match(d?.outcome, /^queued: update job \d+; note: the body names https:\/\/user@git\.example\/other\/thing\.git, not this package's repository/);
    t.notMatch(d?.outcome, /s3cret/, 'no password in the log');
    for (const same of ['git@git.example:acme/lib.git', 'ssh://git@git.example/acme/lib', 'https://GIT.example/acme/lib/']) {
      drain();
      await post(JSON.stringify(packagistBody(same)), { 'content-type': 'application/json' });
      t.notMatch(latest()?.outcome, /note:/, `${same} is the same repository`);
    }
  });

  await t.test('a burst while an update is queued adds no job: the deliveries say coalesced', async (t) => {
    drain();
    const jobsBefore = count(`jobs WHERE lock_key = ?`, `package:${pkgId}`);
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => post('', {}).then((r) => r.json() as Promise<{ status: string; job: { id: number } }>)));
    t.equal(count(`jobs WHERE lock_key = ?`, `package:${pkgId}`), jobsBefore + 1, 'one job for the burst');
    t.same(new Set(answers.map((a) => a.job.id)).size, 1, 'all name the same job');
    t.same(answers.map((a) => a.status).sort(), ['coalesced', 'coalesced', 'coalesced', 'coalesced', 'queued']);
    const rows = log.forPackage(pkgId, 5);
    t.equal(rows.filter((d) => d.outcome.startsWith('coalesced: update job')).length, 4);
  });

  await t.test('a body over the limit gets 413 and the server stays healthy', async (t) => {
    drain();
    const before = deliveries();
    const res = await post(Buffer.alloc(GENERIC_BODY_LIMIT + 1024, 0x61), { 'content-type': 'application/octet-stream' });
    t.equal(res.status, 413);
    t.equal(queued(), 0, 'nothing queued');
    t.equal((await fetch(`${base}/healthz`)).status, 200);
    const ok = await post('{}', { 'content-type': 'application/json' });
    t.equal(ok.status, 202, 'a normal delivery still works');
    t.equal(deliveries(), before + 1);
  });

  await t.test('an unknown token: 404, nothing recorded, counted in the metrics', async (t) => {
    const before = count(`deliveries`);
    const jobs = count(`jobs`);
    const res = await post(JSON.stringify(azureServicesPush(azureRefs)), { 'content-type': 'application/json' }, '/hooks/generic/not-a-token');
    t.equal(res.status, 404);
    t.equal(count(`deliveries`), before, 'not recorded against any package');
    t.equal(count(`jobs`), jobs);
    t.match(await (await fetch(`${base}/metrics`)).text(), /packyard_webhook_deliveries_total\{integration="generic",outcome="unknown_token"\} 1/);
  });

  await t.test('SNS: the verifier decides; a refusal queues nothing and is recorded with its reason', async (t) => {
    drain();
    const headers = { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' };
    const envelope = JSON.stringify({ Type: 'Notification', MessageId: 'm1', Message: '{}' });
    snsAnswer = { ok: false, status: 403, reason: 'the signature does not verify' };
    const refused = await post(envelope, headers);
    t.equal(refused.status, 403);
    t.equal(queued(), 0);
    t.match(latest(), { kind: 'sns', action: 'Notification', status: 'rejected', outcome: 'refused (403): the signature does not verify' });
    t.same(snsCalls.at(-1), { type: 'Notification', body: envelope }, 'the raw body, as sent');

    snsAnswer = { ok: true, kind: 'confirmed' };
    const confirmed = await post(envelope, { ...headers, 'x-amz-sns-message-type': 'SubscriptionConfirmation' });
    t.equal(confirmed.status, 200);
    t.equal(queued(), 0, 'a confirmation queues nothing');
    t.match(latest(), { kind: 'sns-confirmation', status: 'accepted', outcome: 'subscription confirmed' });

    snsAnswer = { ok: true, kind: 'notification', source: 'codecommit', refs: ['refs/tags/v4.0.0'] };
    const note = await post(envelope, headers);
    t.equal(note.status, 202);
    t.equal(queued(), 1);
    t.match(latest(), { kind: 'sns-codecommit', refs: ['refs/tags/v4.0.0'], status: 'accepted' });
  });

  await t.test('the real verifier refuses a malformed SNS envelope and queues nothing', async (t) => {
    const bare = await buildApp({ ...deps, sns: createSnsVerifier({ hostPattern: /^sns\.[a-z0-9-]+\.amazonaws\.com$/ }) });
    t.teardown(() => bare.close());
    drain();
    const res = await bare.inject({ method: 'POST', url: hookPath, headers: { 'content-type': 'text/plain', 'x-amz-sns-message-type': 'Notification' }, payload: '{}' });
    t.equal(res.statusCode, 400);
    t.equal(queued(), 0);
  });

  await t.test('Replace: the old URL gets 404, the new one works', async (t) => {
    const old = hookPath;
    hookPath = `/hooks/generic/${rotateHookToken(deps.db, deps.box, pkgId, 'test')}`;
    drain();
    t.equal((await post('', {}, old)).status, 404);
    t.equal((await post('', {})).status, 202);
  });

  await t.test('the package going removes its deliveries', async (t) => {
    t.ok(deliveries() > 0);
    deps.sqlite.prepare(`DELETE FROM packages WHERE id = ?`).run(pkgId);
    t.equal(deliveries(), 0);
  });
});
