// Bitbucket Cloud webhooks and sign-in: deliveries verified by X-Hub-Signature (HMAC-SHA256 of the
// raw body, constant time; missing or wrong -> 401, unsigned included), the delivery id from
// X-Request-UUID, repo:push (branches, tags, deletions) and repo:updated (renames) mapped;
// ensureWebhooks against a stub: one workspace hook where the credential may create it, else one
// per repository, kept, repaired (secret_set false, inactive, events), one failure reported; the
// OAuth consumer's URLs and current user; the client-credentials token fetched, reused, renewed.
import t, { type Test } from 'tap';
import { createHmac } from 'node:crypto';
import { createBitbucketCloudForge } from '../../../src/forges/bitbucket-cloud/index.js';
import type { BitbucketCloudIntegrationConfig } from '../../../src/forges/bitbucket-cloud/config.js';
import { signatureMatches, verifyBitbucketCloudHook } from '../../../src/forges/bitbucket-cloud/hooks.js';
import type { ForgeRepository, HookRequest } from '../../../src/forges/types.js';
import { account, bitbucketCloudStub, type Stub } from '../../helpers/bitbucket-cloud-stub.js';

const SECRET = 'hook-secret-123';
const sign = (body: Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const RID = '{10000000-0000-0000-0000-000000000100}';

function req(event: string | undefined, payload: unknown, headers: Record<string, string> = {}, signed = true): HookRequest {
  const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return { headers: { 'x-request-uuid': 'd-1', 'x-hook-uuid': '{h}', ...(event ? { 'x-event-key': event } : {}), ...(signed ? { 'x-hub-signature': sign(body) } : {}), ...headers }, body };
}

const repository = { type: 'repository', uuid: RID, full_name: 'acme/api', name: 'api' };
const push = (changes: unknown[]) => ({ actor: account(1, 'alice'), repository, push: { changes } });
const tag = { type: 'tag', name: 'v1.0.0', target: { hash: 'a'.repeat(40) } };
const branch = { type: 'branch', name: 'main', target: { hash: 'b'.repeat(40) } };

t.test('the signature: HMAC-SHA256 of the raw body, constant time; missing, unsigned or wrong is 401', async (t) => {
  const body = Buffer.from('{"a":1}');
  t.equal(signatureMatches(SECRET, body, sign(body)), true);
  t.equal(signatureMatches(SECRET, body, sign(body, 'other')), false);
  t.equal(signatureMatches(SECRET, body, 'sha256=abc'), false, 'a short signature is refused without throwing');
  t.equal(signatureMatches('', body, sign(body, '')), false, 'an empty secret matches nothing');
  const p = push([{ new: tag, old: null }]);
  t.match(verifyBitbucketCloudHook(req('repo:push', p, {}, false), SECRET), { ok: false, status: 401, reason: 'missing X-Hub-Signature', deliveryId: 'd-1', event: 'repo:push' });
  t.match(verifyBitbucketCloudHook(req('repo:push', p, { 'x-hub-signature': sign(Buffer.from('x')) }), SECRET), { ok: false, status: 401, reason: 'bad X-Hub-Signature' });
  const tampered = req('repo:push', p);
  tampered.body = Buffer.from(JSON.stringify(push([])));
  t.match(verifyBitbucketCloudHook(tampered, SECRET), { ok: false, status: 401 });
});

t.test('events: repo:push (tags, branches, deletions), repo:updated renames and transfers, others ignored', async (t) => {
  t.same(verifyBitbucketCloudHook(req('repo:push', push([{ new: tag, old: null, created: true }])), SECRET), {
    ok: true,
    deliveryId: 'd-1',
    event: 'repo:push',
    hook: { kind: 'push', repo: { id: RID, fullName: 'acme/api' }, ref: 'refs/tags/v1.0.0', deleted: false },
  });
  t.match(verifyBitbucketCloudHook(req('repo:push', push([{ new: branch, old: branch }])), SECRET), { ok: true, hook: { kind: 'push', ref: 'refs/heads/main', deleted: false } });
  t.match(verifyBitbucketCloudHook(req('repo:push', push([{ new: null, old: tag, closed: true }])), SECRET), { ok: true, hook: { kind: 'push', ref: 'refs/tags/v1.0.0', deleted: true } });
  const renamed = { repository: { ...repository, full_name: 'acme/api2' }, changes: { name: { old: 'api', new: 'api2' }, full_name: { old: 'acme/api', new: 'acme/api2' } } };
  t.match(verifyBitbucketCloudHook(req('repo:updated', renamed), SECRET), { ok: true, hook: { kind: 'repository', action: 'renamed', repo: { id: RID, fullName: 'acme/api2' } } });
  const moved = { repository: { ...repository, full_name: 'other/api' }, changes: { full_name: { old: 'acme/api', new: 'other/api' } } };
  t.match(verifyBitbucketCloudHook(req('repo:updated', moved), SECRET), { ok: true, hook: { kind: 'repository', action: 'transferred' } });
  t.match(verifyBitbucketCloudHook(req('repo:updated', { repository, changes: { description: { old: '', new: 'x' } } }), SECRET), { ok: true, hook: { kind: 'repository', action: 'other' } });
  t.match(verifyBitbucketCloudHook(req('pullrequest:created', { x: 1 }), SECRET), { ok: true, hook: { kind: 'ignored', event: 'pullrequest:created' } });
});

t.test('malformed deliveries are 400', async (t) => {
  const p = push([{ new: tag, old: null }]);
  t.match(verifyBitbucketCloudHook(req('repo:push', p, { 'x-request-uuid': '' }), SECRET), { ok: false, status: 400, reason: 'missing X-Request-UUID' });
  t.match(verifyBitbucketCloudHook(req(undefined, p), SECRET), { ok: false, status: 400, reason: 'missing X-Event-Key' });
  t.match(verifyBitbucketCloudHook(req('repo:push', 'not json'), SECRET), { ok: false, status: 400, reason: 'the body is not JSON' });
  t.match(verifyBitbucketCloudHook(req('repo:push', [1]), SECRET), { ok: false, status: 400 });
  t.match(verifyBitbucketCloudHook(req('repo:push', { repository: { uuid: 'x' }, push: { changes: [] } }), SECRET), { ok: false, status: 400, reason: /repo:push payload: repository/ });
  t.match(verifyBitbucketCloudHook(req('repo:push', p, { 'X-Request-UUID': 'upper' }), SECRET), { ok: true }, 'header names in any case');
});

const URL_ = 'https://packyard.example/hooks/bbc';
const repoOf = (id: string, fullName: string): ForgeRepository => ({ id, fullName, name: fullName.split('/')[1] ?? '', defaultBranch: 'main', visibility: 'private', archived: false, cloneUrl: 'x', sshUrl: null, pushedAt: null });
const H1 = '{20000000-0000-0000-0000-000000000001}';
const H2 = '{20000000-0000-0000-0000-000000000002}';

async function forgeOn(t: Test, s: Stub, over: Partial<BitbucketCloudIntegrationConfig> = {}) {
  const forge = createBitbucketCloudForge(
    { id: 'bbc', type: 'bitbucket-cloud', url: s.origin, api_url: s.apiUrl, username: 'svc@acme.example', token: 'tok', ...over },
    { http: { retries: 1, backoffBaseMs: 1, backoffMaxMs: 2, sleep: async () => {} } },
  );
  t.teardown(() => forge.close());
  return forge;
}

t.test('a workspace hook where the credential may: created, kept, repaired', async (t) => {
  const s = await bitbucketCloudStub(t);
  const forge = await forgeOn(t, s);
  s.on('GET', '/2.0/workspaces/acme/hooks', { body: [{ uuid: H2, url: 'https://elsewhere.example/x', active: true, events: ['repo:push'] }] });
  s.on('POST', '/2.0/workspaces/acme/hooks', (r) => ({ status: 201, body: { uuid: H1, ...(r.body as object), secret: undefined, secret_set: true } }));
  t.same(await forge.webhooks?.ensureWebhooks('acme', [], URL_, SECRET), { scope: 'source', hooks: [{ scope: 'source', target: 'acme', hookId: H1, outcome: 'created' }] });
  const post = s.requests.find((r) => r.method === 'POST');
  t.same(post?.body, { description: 'Packyard', url: URL_, active: true, events: ['repo:push', 'repo:updated'], secret: SECRET, skip_cert_verification: false });
  const ours = { uuid: H1, url: URL_, active: true, events: ['repo:push', 'repo:updated'], secret_set: true };
  s.on('GET', '/2.0/workspaces/acme/hooks', { body: [ours] });
  t.same((await forge.webhooks?.ensureWebhooks('acme', [], URL_, SECRET))?.hooks, [{ scope: 'source', target: 'acme', hookId: H1, outcome: 'ok' }]);
  const put = `/2.0/workspaces/acme/hooks/${encodeURIComponent(H1)}`;
  s.on('PUT', put, (r) => ({ body: { uuid: H1, ...(r.body as object), secret: undefined, secret_set: true } }));
  s.on('GET', '/2.0/workspaces/acme/hooks', { body: [{ ...ours, secret_set: false }] });
  t.match((await forge.webhooks?.ensureWebhooks('acme', [], URL_, SECRET))?.hooks, [{ outcome: 'repaired', detail: 'it had no secret' }]);
  t.equal((s.requests.filter((r) => r.method === 'PUT').at(-1)?.body as { secret?: string })?.secret, SECRET, 'the secret is sent again');
  s.on('GET', '/2.0/workspaces/acme/hooks', { body: [{ ...ours, active: false }] });
  t.match((await forge.webhooks?.ensureWebhooks('acme', [], URL_, SECRET))?.hooks, [{ outcome: 'repaired', detail: 'it was inactive' }]);
  s.on('GET', '/2.0/workspaces/acme/hooks', { body: [{ ...ours, events: ['repo:push'] }] });
  t.match((await forge.webhooks?.ensureWebhooks('acme', [], URL_, SECRET))?.hooks, [{ outcome: 'repaired', detail: 'events missing: repo:updated' }]);
  s.on('GET', '/2.0/workspaces/acme/hooks', { body: [ours] });
  t.match((await forge.webhooks?.ensureWebhooks('acme', [], URL_, SECRET, { secretChanged: true }))?.hooks, [{ outcome: 'repaired', detail: 'the secret changed' }]);
});

t.test('no workspace hook (not an admin): a hook per repository, one failure reported; a server error is a failure', async (t) => {
  const s = await bitbucketCloudStub(t);
  const forge = await forgeOn(t, s);
  s.on('GET', '/2.0/workspaces/acme/hooks', { status: 403, body: { error: { message: 'admin' } } });
  s.on('GET', '/2.0/repositories/acme/api/hooks', { body: [] });
  s.on('POST', '/2.0/repositories/acme/api/hooks', { status: 201, body: { uuid: H1, url: URL_, secret_set: true } });
  s.on('GET', '/2.0/repositories/acme/lib/hooks', { status: 403, body: {} });
  const got = await forge.webhooks?.ensureWebhooks('acme', [repoOf(RID, 'acme/api'), repoOf('{r2}', 'acme/lib')], URL_, SECRET);
  t.equal(got?.scope, 'repository');
  t.match(got?.hooks, [{ scope: 'repository', target: RID, hookId: H1, outcome: 'created' }, { scope: 'repository', target: '{r2}', hookId: null, outcome: 'failed' }]);
  // Listing allowed, creating refused: repository hooks too.
  s.on('GET', '/2.0/workspaces/acme/hooks', { body: [] });
  s.on('POST', '/2.0/workspaces/acme/hooks', { status: 403, body: {} });
  t.equal((await forge.webhooks?.ensureWebhooks('acme', [repoOf(RID, 'acme/api')], URL_, SECRET))?.scope, 'repository');
  s.on('GET', '/2.0/workspaces/acme/hooks', { status: 500, body: {} });
  t.match(await forge.webhooks?.ensureWebhooks('acme', [], URL_, SECRET), { scope: 'source', hooks: [{ target: 'acme', outcome: 'failed' }] });
});

t.test('sign in: the consumer URLs under url, no PKCE, scope account; the current user from /2.0/user by uuid', async (t) => {
  const s = await bitbucketCloudStub(t);
  const forge = await forgeOn(t, s, { oauth: { client_id: 'key', client_secret: 'secret' } });
  const oauth = forge.oauth;
  if (!oauth) throw new Error('no oauth');
  t.equal(oauth.authorizeUrl, `${s.origin}/site/oauth2/authorize`);
  t.equal(oauth.tokenUrl, `${s.origin}/site/oauth2/access_token`);
  t.same(oauth.scopes, ['account']);
  t.equal(oauth.pkce, false);
  t.equal(oauth.clientAuth, 'basic', 'the consumer as HTTP Basic on the token request');
  s.on('GET', '/2.0/user', (r) => (r.headers.authorization === 'Bearer at-1' ? { body: { ...account(7, 'alice.a'), account_status: 'active' } } : { status: 401, body: {} }));
  t.same(await oauth.currentUser('at-1'), { id: '{00000000-0000-0000-0000-000000000007}', login: 'alice.a', name: 'ALICE.A', email: null });
  await t.rejects(oauth.currentUser('other'), { name: 'ForgeError', kind: 'unauthorized' });
  s.on('GET', '/2.0/user', { body: account(8, 'gone', { account_status: 'closed' }) });
  await t.rejects(oauth.currentUser('at-1'), { name: 'ForgeError', kind: 'forbidden' });
  s.on('GET', '/2.0/user', { body: { nickname: 'x' } });
  await t.rejects(oauth.currentUser('at-1'), { name: 'ForgeError', kind: 'invalid' });
});

t.test('client credentials: the consumer token as Bearer, reused until it expires, x-token-auth for git', async (t) => {
  const s = await bitbucketCloudStub(t);
  let now = 1_000_000;
  let n = 0;
  s.on('POST', '/site/oauth2/access_token', (r) =>
    r.headers.authorization === `Basic ${Buffer.from('key:secret').toString('base64')}` && r.body === 'grant_type=client_credentials'
      ? { body: { access_token: `cc-${++n}`, expires_in: 7200, token_type: 'bearer' } }
      : { status: 400, body: { error: 'invalid_grant' } },
  );
  s.on('GET', '/2.0/workspaces/acme', { body: { uuid: '{w}', slug: 'acme', name: 'Acme' } });
  s.on('GET', '/2.0/repositories/acme', { body: [] });
  const forge = createBitbucketCloudForge(
    { id: 'bbc', type: 'bitbucket-cloud', url: s.origin, api_url: s.apiUrl, oauth: { client_id: 'key', client_secret: 'secret' }, oauth_client_credentials: true },
    { http: { retries: 0, sleep: async () => {} }, now: () => now },
  );
  t.teardown(() => forge.close());
  await Promise.all([forge.describeSource('acme'), forge.describeSource('acme')]);
  t.equal(n, 1, 'one token request for concurrent calls');
  t.ok(s.requests.filter((r) => r.path.startsWith('/2.0/')).every((r) => r.headers.authorization === 'Bearer cc-1'));
  t.same(await forge.codeCredential('acme'), { username: 'x-token-auth', password: 'cc-1' });
  now += 7200_000 - 30_000; // within the last minute: renewed
  t.same(await forge.codeCredential('acme'), { username: 'x-token-auth', password: 'cc-2' });
  s.on('POST', '/site/oauth2/access_token', { status: 401, body: { error: 'unauthorized_client' } });
  now += 7200_000;
  await t.rejects(forge.describeSource('acme'), { name: 'ForgeError', kind: 'unauthorized' });
});
