// GitLab webhooks: deliveries verified by X-Gitlab-Token (constant time, missing or wrong ->
// 401), delivery ids from Idempotency-Key / X-Gitlab-Webhook-UUID / X-Gitlab-Event-UUID, payloads
// mapped per event; and ensureWebhooks against a stub: a group hook where the instance offers
// it, else one project hook per repository, repairs, and one failure reported, not thrown.
import t, { type Test } from 'tap';
import { createGitLabForge } from '../../../src/forges/gitlab/index.js';
import { tokenMatches, verifyGitLabHook } from '../../../src/forges/gitlab/hooks.js';
import type { ForgeRepository, HookRequest } from '../../../src/forges/types.js';
import { gitlabStub, group, type Stub } from '../../helpers/gitlab-stub.js';

const SECRET = 'hook-secret-123';

function req(event: string | undefined, body: unknown, headers: Record<string, string> = {}): HookRequest {
  return {
    headers: { 'x-gitlab-token': SECRET, 'idempotency-key': 'idem-1', 'x-gitlab-webhook-uuid': 'wh-1', 'x-gitlab-event-uuid': 'ev-1', ...(event ? { 'x-gitlab-event': event } : {}), ...headers },
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

const project = { id: 500, path_with_namespace: 'corp/acme/lib', default_branch: 'main' };
const push = { object_kind: 'push', ref: 'refs/heads/main', before: 'a'.repeat(40), after: 'b'.repeat(40), project_id: 500, project };

t.test('the token: constant-time compare, missing or wrong is 401', async (t) => {
  t.equal(tokenMatches(SECRET, SECRET), true);
  t.equal(tokenMatches(SECRET, `${SECRET}x`), false, 'a longer token (different length) is refused without throwing');
  t.equal(tokenMatches(SECRET, ''), false);
  t.equal(tokenMatches('', ''), false, 'an empty secret matches nothing');
  t.match(verifyGitLabHook(req('Push Hook', push, { 'x-gitlab-token': 'nope' }), SECRET), { ok: false, status: 401, deliveryId: 'idem-1', event: 'Push Hook' });
  const missing = req('Push Hook', push);
  delete missing.headers['x-gitlab-token'];
  t.match(verifyGitLabHook(missing, SECRET), { ok: false, status: 401, reason: /missing X-Gitlab-Token/ });
  t.match(verifyGitLabHook(req('Push Hook', push), ''), { ok: false, status: 401 });
  t.match(verifyGitLabHook(req('Push Hook', push, { 'X-Gitlab-Token': SECRET }), SECRET), { ok: true }, 'header names in any case');
});

t.test('delivery ids: Idempotency-Key, else the webhook UUID, else the event UUID, else 400', async (t) => {
  t.match(verifyGitLabHook(req('Push Hook', push), SECRET), { ok: true, deliveryId: 'idem-1' });
  const noIdem = req('Push Hook', push);
  delete noIdem.headers['idempotency-key'];
  t.match(verifyGitLabHook(noIdem, SECRET), { ok: true, deliveryId: 'wh-1' });
  delete noIdem.headers['x-gitlab-webhook-uuid'];
  t.match(verifyGitLabHook(noIdem, SECRET), { ok: true, deliveryId: 'ev-1' });
  delete noIdem.headers['x-gitlab-event-uuid'];
  t.match(verifyGitLabHook(noIdem, SECRET), { ok: false, status: 400 });
  t.match(verifyGitLabHook(req(undefined, push), SECRET), { ok: false, status: 400, reason: /X-Gitlab-Event/ });
  t.match(verifyGitLabHook(req('Push Hook', '{not json'), SECRET), { ok: false, status: 400, reason: /not JSON/ });
  t.match(verifyGitLabHook(req('Push Hook', [1]), SECRET), { ok: false, status: 400 });
  t.match(verifyGitLabHook(req('Push Hook', { ...push, project_id: 'x' }), SECRET), { ok: false, status: 400, reason: /project_id/ });
});

t.test('events mapped', async (t) => {
  const hook = (event: string, body: unknown) => {
    const v = verifyGitLabHook(req(event, body), SECRET);
    if (!v.ok) throw new Error(v.reason);
    return v.hook;
  };
  t.same(hook('Push Hook', push), { kind: 'push', repo: { id: '500', fullName: 'corp/acme/lib' }, ref: 'refs/heads/main', deleted: false });
  t.same(hook('Push Hook', { ...push, after: '0'.repeat(40) }), { kind: 'push', repo: { id: '500', fullName: 'corp/acme/lib' }, ref: 'refs/heads/main', deleted: true });
  t.same(hook('Tag Push Hook', { ...push, object_kind: 'tag_push', ref: 'refs/tags/v1.0.0' }), { kind: 'push', repo: { id: '500', fullName: 'corp/acme/lib' }, ref: 'refs/tags/v1.0.0', deleted: false });
  t.same(hook('Release Hook', { object_kind: 'release', action: 'create', tag: 'v1', project }), { kind: 'release', repo: { id: '500', fullName: 'corp/acme/lib' }, action: 'create' });
  t.same(hook('Member Hook', { event_name: 'user_add_to_group', group_id: 3, group_path: 'core', user_id: 104, user_username: 'erin', group_access: 'Reporter' }), {
    kind: 'membership',
    action: 'user_add_to_group',
    teamId: '3',
    userId: '104',
  });
  t.same(hook('Subgroup Hook', { event_name: 'subgroup_create', group_id: 12, full_path: 'corp/acme/new', parent_group_id: 1 }), { kind: 'team', action: 'subgroup_create', teamId: '12' });
  t.same(hook('Project Hook', { event_name: 'project_create', project_id: 9, path_with_namespace: 'corp/acme/new', project_namespace_id: 1 }), {
    kind: 'repository',
    action: 'created',
    repo: { id: '9', fullName: 'corp/acme/new' },
  });
  t.match(hook('Project Hook', { event_name: 'project_destroy', project_id: 9, path_with_namespace: 'corp/acme/new' }), { kind: 'repository', action: 'deleted' });
  t.same(hook('Merge Request Hook', { object_kind: 'merge_request' }), { kind: 'ignored', event: 'Merge Request Hook' });
  t.same(hook('System Hook', { event_name: 'project_create' }), { kind: 'ignored', event: 'System Hook' });
});

const URL_ = 'https://packyard.example/hooks/gl';
const repos: ForgeRepository[] = [500, 501, 502].map((id) => ({
  id: String(id),
  fullName: `corp/acme/p${id}`,
  name: `p${id}`,
  defaultBranch: 'main',
  visibility: 'private',
  archived: false,
  cloneUrl: 'https://x',
  sshUrl: null,
  pushedAt: null,
}));
const wantedProject = { push_events: true, tag_push_events: true, releases_events: true, enable_ssl_verification: true };
const wantedGroup = { ...wantedProject, member_events: true, subgroup_events: true, project_events: true };

async function setup(t: Test): Promise<{ s: Stub; ensure: (secretChanged?: boolean) => ReturnType<NonNullable<ReturnType<typeof createGitLabForge>['webhooks']>['ensureWebhooks']> }> {
  const s = await gitlabStub(t);
  s.on('GET', '/groups/corp%2Facme', { body: group(1, 'corp/acme', null) });
  const forge = createGitLabForge({ id: 'gl', type: 'gitlab', url: s.url, token: 'tok' }, { http: { retries: 0, sleep: async () => {} } });
  t.teardown(() => forge.close());
  const webhooks = forge.webhooks;
  if (!webhooks) throw new Error('webhooks capability expected');
  return { s, ensure: (secretChanged) => webhooks.ensureWebhooks('corp/acme', repos, URL_, SECRET, { secretChanged: secretChanged === true }) };
}

t.test('group hooks offered: one group hook, created then left alone, repaired when the secret changed', async (t) => {
  const { s, ensure } = await setup(t);
  const hooks: Record<string, unknown>[] = [{ id: 1, url: 'https://other.example/hook', push_events: true }];
  s.on('GET', '/groups/1/hooks', () => ({ body: hooks }));
  s.on('POST', '/groups/1/hooks', (r) => {
    hooks.push({ id: 7, alert_status: 'executable', ...(r.body as Record<string, unknown>) });
    return { status: 201, body: hooks[hooks.length - 1] };
  });
  s.on('PUT', '/groups/1/hooks/7', (r) => ({ body: { id: 7, ...(r.body as object) } }));
  t.same(await ensure(), { scope: 'source', hooks: [{ scope: 'source', target: 'corp/acme', hookId: '7', outcome: 'created' }] });
  const post = s.requests.find((r) => r.method === 'POST');
  t.same(post?.body, { url: URL_, token: SECRET, ...wantedGroup });
  t.same(await ensure(), { scope: 'source', hooks: [{ scope: 'source', target: 'corp/acme', hookId: '7', outcome: 'ok' }] });
  t.match(await ensure(true), { scope: 'source', hooks: [{ hookId: '7', outcome: 'repaired', detail: /secret/ }] });
  const put = s.requests.find((r) => r.method === 'PUT');
  t.same(put?.body, { url: URL_, token: SECRET, ...wantedGroup }, 'the token is always sent again');
  t.notOk(s.requests.some((r) => r.path.startsWith('/projects/')), 'no project hooks');
});

t.test('no group hooks (404, then 403): one project hook per repository; repairs; one failure reported', async (t) => {
  const { s, ensure } = await setup(t);
  s.on('GET', '/groups/1/hooks', { status: 404, body: { message: '404 Not Found' } });
  s.on('GET', '/projects/500/hooks', { body: [] });
  s.on('POST', '/projects/500/hooks', (r) => ({ status: 201, body: { id: 50, ...(r.body as object) } }));
  // 501: ours, but GitLab disabled it after failures; 502: ours with a flag off.
  s.on('GET', '/projects/501/hooks', { body: [{ id: 51, url: URL_, ...wantedProject, alert_status: 'temporarily_disabled', disabled_until: '2026-12-02T03:00:00Z' }] });
  s.on('PUT', '/projects/501/hooks/51', (r) => ({ body: { id: 51, ...(r.body as object) } }));
  s.on('GET', '/projects/502/hooks', { body: [{ id: 52, url: URL_, ...wantedProject, tag_push_events: false, alert_status: 'executable' }] });
  s.on('PUT', '/projects/502/hooks/52', { status: 500, body: { message: 'boom' } });
  const got = await ensure();
  t.equal(got.scope, 'repository');
  t.match(got.hooks, [
    { scope: 'repository', target: '500', hookId: '50', outcome: 'created' },
    { scope: 'repository', target: '501', hookId: '51', outcome: 'repaired', detail: /disabled/ },
    { scope: 'repository', target: '502', hookId: null, outcome: 'failed', detail: /HTTP 500/ },
  ]);
  t.same(s.requests.find((r) => r.method === 'POST')?.body, { url: URL_, token: SECRET, ...wantedProject });
  t.same(s.requests.find((r) => r.path === '/projects/501/hooks/51')?.body, { url: URL_, token: SECRET, ...wantedProject });
  t.ok(s.requests.some((r) => r.path === '/projects/502/hooks/52' && r.method === 'PUT'), 'flags differed: repaired (and that failed)');

  s.on('GET', '/groups/1/hooks', { status: 403, body: { message: '403 Forbidden' } });
  s.on('GET', '/projects/502/hooks', { body: [{ id: 52, url: URL_, ...wantedProject, alert_status: 'executable' }] });
  s.on('GET', '/projects/500/hooks', { body: [{ id: 50, url: URL_, ...wantedProject }] });
  s.on('GET', '/projects/501/hooks', { status: 403, body: { message: '403 Forbidden' } });
  t.match((await ensure()).hooks, [
    { target: '500', outcome: 'ok' },
    { target: '501', outcome: 'failed', detail: /forbidden/ },
    { target: '502', outcome: 'ok' },
  ]);
});

t.test('a group hook listing that fails otherwise is a failed source hook, not a throw', async (t) => {
  const { s, ensure } = await setup(t);
  s.on('GET', '/groups/1/hooks', { status: 502, body: { message: 'bad gateway' } });
  t.match(await ensure(), { scope: 'source', hooks: [{ scope: 'source', outcome: 'failed', hookId: null }] });
});
