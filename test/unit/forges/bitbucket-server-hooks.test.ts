// Bitbucket Data Center webhooks: deliveries verified by X-Hub-Signature (HMAC-SHA256 of the raw
// body, constant time; missing or wrong -> 401), the unsigned diagnostics:ping accepted, ids from
// X-Request-Id, payloads mapped per event; and ensureWebhooks against a stub: one hook per
// project where the server offers project hooks, else one per repository, repairs, and one
// failure reported, not thrown.
import t, { type Test } from 'tap';
import { createHmac } from 'node:crypto';
import { createBitbucketServerForge } from '../../../src/forges/bitbucket-server/index.js';
import { signatureMatches, verifyBitbucketServerHook } from '../../../src/forges/bitbucket-server/hooks.js';
import type { ForgeRepository, HookRequest } from '../../../src/forges/types.js';
import { bitbucketServerStub, type Stub } from '../../helpers/bitbucket-server-stub.js';

const SECRET = 'hook-secret-123';
const sign = (body: Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function req(event: string | undefined, payload: unknown, headers: Record<string, string> = {}, signed = true): HookRequest {
  const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return { headers: { 'x-request-id': 'req-1', ...(event ? { 'x-event-key': event } : {}), ...(signed ? { 'x-hub-signature': sign(body) } : {}), ...headers }, body };
}

const repository = { id: 100, slug: 'api', name: 'api', project: { key: 'PAY', id: 10 }, public: false };
const refsChanged = { eventKey: 'repo:refs_changed', repository, changes: [{ ref: { id: 'refs/tags/v1.0.0', displayId: 'v1.0.0', type: 'TAG' }, refId: 'refs/tags/v1.0.0', fromHash: '0'.repeat(40), toHash: 'a'.repeat(40), type: 'ADD' }] };

t.test('the signature: HMAC-SHA256 of the raw body, constant time; missing or wrong is 401', async (t) => {
  const body = Buffer.from('{"a":1}');
  t.equal(signatureMatches(SECRET, body, sign(body)), true);
  t.equal(signatureMatches(SECRET, body, sign(body, 'other')), false);
  t.equal(signatureMatches(SECRET, body, 'sha256=abc'), false, 'a short signature is refused without throwing');
  t.equal(signatureMatches(SECRET, body, sign(body).replace('sha256=', 'sha1=')), false);
  t.equal(signatureMatches('', body, sign(body, '')), false, 'an empty secret matches nothing');
  t.match(verifyBitbucketServerHook(req('repo:refs_changed', refsChanged, { 'x-hub-signature': sign(Buffer.from('x')) }), SECRET), { ok: false, status: 401, deliveryId: 'req-1', event: 'repo:refs_changed' });
  t.match(verifyBitbucketServerHook(req('repo:refs_changed', refsChanged, {}, false), SECRET), { ok: false, status: 401, reason: 'missing X-Hub-Signature' });
  const tampered = req('repo:refs_changed', refsChanged);
  tampered.body = Buffer.from(JSON.stringify({ ...refsChanged, changes: [] }));
  t.match(verifyBitbucketServerHook(tampered, SECRET), { ok: false, status: 401 });
});

t.test('events: refs_changed -> push, modified -> renamed or transferred, ping, others ignored', async (t) => {
  t.same(verifyBitbucketServerHook(req('repo:refs_changed', refsChanged), SECRET), { ok: true, deliveryId: 'req-1', event: 'repo:refs_changed', hook: { kind: 'push', repo: { id: '100', fullName: 'PAY/api' }, ref: 'refs/tags/v1.0.0', deleted: false } });
  const del = { ...refsChanged, changes: [{ ...refsChanged.changes[0], type: 'DELETE' }] };
  t.match(verifyBitbucketServerHook(req('repo:refs_changed', del), SECRET), { ok: true, hook: { kind: 'push', deleted: true } });
  const renamed = { old: repository, new: { ...repository, slug: 'api2' } };
  t.match(verifyBitbucketServerHook(req('repo:modified', renamed), SECRET), { ok: true, hook: { kind: 'repository', action: 'renamed', repo: { id: '100', fullName: 'PAY/api2' } } });
  const moved = { old: repository, new: { ...repository, project: { key: 'WEB', id: 20 } } };
  t.match(verifyBitbucketServerHook(req('repo:modified', moved), SECRET), { ok: true, hook: { kind: 'repository', action: 'transferred', repo: { fullName: 'WEB/api' } } });
  t.match(verifyBitbucketServerHook(req('pr:opened', { x: 1 }), SECRET), { ok: true, hook: { kind: 'ignored', event: 'pr:opened' } });
  t.match(verifyBitbucketServerHook(req('diagnostics:ping', { test: true }), SECRET), { ok: true, hook: { kind: 'ping' } }, 'a signed ping');
  t.same(verifyBitbucketServerHook(req('diagnostics:ping', '', {}, false), SECRET), { ok: true, deliveryId: 'req-1', event: 'diagnostics:ping', hook: { kind: 'ping' } }, 'the unsigned ping of the Test button');
  t.match(verifyBitbucketServerHook(req('diagnostics:ping', { test: true }, { 'x-hub-signature': 'sha256=' + '0'.repeat(64) }), SECRET), { ok: false, status: 401 }, 'a ping with a wrong signature is refused');
});

t.test('malformed deliveries are 400', async (t) => {
  t.match(verifyBitbucketServerHook(req('repo:refs_changed', refsChanged, { 'x-request-id': '' }), SECRET), { ok: false, status: 400, reason: 'missing X-Request-Id' });
  t.match(verifyBitbucketServerHook(req(undefined, refsChanged), SECRET), { ok: false, status: 400, reason: 'missing X-Event-Key' });
  t.match(verifyBitbucketServerHook(req('repo:refs_changed', 'not json'), SECRET), { ok: false, status: 400, reason: 'the body is not JSON' });
  t.match(verifyBitbucketServerHook(req('repo:refs_changed', [1]), SECRET), { ok: false, status: 400 });
  t.match(verifyBitbucketServerHook(req('repo:refs_changed', { repository: { id: 'x' }, changes: [] }), SECRET), { ok: false, status: 400, reason: /repo:refs_changed payload: repository/ });
  t.match(verifyBitbucketServerHook(req('repo:refs_changed', refsChanged, { 'X-Request-Id': 'upper' }), SECRET), { ok: true }, 'header names in any case');
});

const URL_ = 'https://packyard.example/hooks/bbs';
const repoOf = (id: string, fullName: string): ForgeRepository => ({ id, fullName, name: fullName.split('/')[1] ?? '', defaultBranch: 'main', visibility: 'private', archived: false, cloneUrl: 'x', sshUrl: null, pushedAt: null });

async function forgeOn(t: Test, s: Stub) {
  const forge = createBitbucketServerForge({ id: 'bbs', type: 'bitbucket-server', url: s.url, token: 'tok' }, { http: { retries: 1, backoffBaseMs: 1, backoffMaxMs: 2, sleep: async () => {} } });
  t.teardown(() => forge.close());
  return forge;
}

t.test('project hooks where the server offers them: created, kept, repaired', async (t) => {
  const s = await bitbucketServerStub(t);
  const forge = await forgeOn(t, s);
  s.on('GET', '/projects/PAY/webhooks', { body: [] });
  s.on('GET', '/projects/WEB/webhooks', { body: [{ id: 7, url: URL_, active: false, events: ['repo:refs_changed', 'repo:modified'] }] });
  s.on('POST', '/projects/PAY/webhooks', (r) => ({ status: 201, body: { id: 5, ...(r.body as object) } }));
  s.on('PUT', '/projects/WEB/webhooks/7', (r) => ({ body: { id: 7, ...(r.body as object) } }));
  s.on('PUT', '/projects/PAY/webhooks/5', (r) => ({ body: { id: 5, ...(r.body as object) } }));
  const got = await forge.webhooks?.ensureWebhooks('PAY,WEB', [], URL_, SECRET);
  t.same(got, { scope: 'source', hooks: [{ scope: 'source', target: 'PAY', hookId: '5', outcome: 'created' }, { scope: 'source', target: 'WEB', hookId: '7', outcome: 'repaired', detail: 'it was inactive' }] });
  const post = s.requests.find((r) => r.method === 'POST');
  t.same(post?.body, { name: 'Packyard', url: URL_, active: true, events: ['repo:refs_changed', 'repo:modified'], configuration: { secret: SECRET }, sslVerificationRequired: true });
  t.equal(post?.headers['x-atlassian-token'], 'no-check');
  s.on('GET', '/projects/PAY/webhooks', { body: [{ id: 5, url: URL_, active: true, events: ['repo:refs_changed', 'repo:modified'] }] });
  s.on('GET', '/projects/WEB/webhooks', { body: [{ id: 7, url: URL_, active: true, events: ['repo:refs_changed', 'repo:modified'] }] });
  t.same((await forge.webhooks?.ensureWebhooks('PAY,WEB', [], URL_, SECRET))?.hooks.map((h) => h.outcome), ['ok', 'ok']);
  t.same((await forge.webhooks?.ensureWebhooks('PAY,WEB', [], URL_, SECRET, { secretChanged: true }))?.hooks.map((h) => h.detail), ['the secret changed', 'the secret changed']);
});

t.test('no project hooks (before 8.x, or no PROJECT_ADMIN): a hook per repository, one failure reported', async (t) => {
  const s = await bitbucketServerStub(t);
  const forge = await forgeOn(t, s);
  // /projects/PAY/webhooks is not routed: 404.
  s.on('GET', '/projects/PAY/repos/api/webhooks', { body: [] });
  s.on('POST', '/projects/PAY/repos/api/webhooks', { status: 201, body: { id: 11, url: URL_ } });
  s.on('GET', '/projects/PAY/repos/lib/webhooks', { status: 403, body: {} });
  const got = await forge.webhooks?.ensureWebhooks('PAY', [repoOf('100', 'PAY/api'), repoOf('101', 'PAY/lib')], URL_, SECRET);
  t.equal(got?.scope, 'repository');
  t.match(got?.hooks, [{ scope: 'repository', target: '100', hookId: '11', outcome: 'created' }, { scope: 'repository', target: '101', hookId: null, outcome: 'failed' }]);
  s.on('GET', '/projects/PAY/webhooks', { status: 500, body: {} });
  t.match(await forge.webhooks?.ensureWebhooks('PAY', [], URL_, SECRET), { scope: 'source', hooks: [{ target: 'PAY', outcome: 'failed' }] }, 'a server error is a failure, not a fallback');
});
