// A Bitbucket Cloud workspace synced through the real reconciliation against the Bitbucket Cloud
// stub (the stateful fake is another helper's; this checks the adapter fits the sync layer):
// members and owners by uuid with nicknames as logins, group teams, repositories, the workspace
// hook installed with the secret; a second sync plans nothing; a failing permission listing
// changes nothing (fail closed); a member removed on Bitbucket is removed; signed repo:push
// deliveries at /hooks/ID accepted, deduplicated on X-Request-UUID, a bad signature refused.
import t from 'tap';
import { createHmac } from 'node:crypto';
import { buildApp } from '../../../src/app.js';
import { syncOrg } from '../../../src/sync/reconcile.js';
import { account, bitbucketCloudStub, repo } from '../../helpers/bitbucket-cloud-stub.js';
import { startPackyard } from '../../helpers/packyard.js';

t.test('a Bitbucket Cloud workspace syncs, idempotently and fail closed', async (t) => {
  const s = await bitbucketCloudStub(t);
  const alice = account(1, 'alice');
  const bob = account(2, 'bob');
  const WS = { uuid: '{aaaaaaaa-0000-0000-0000-000000000001}', slug: 'acme', name: 'Acme' };
  const api = repo(100, 'acme', 'api');
  let members = [alice, bob];
  s.on('GET', '/2.0/workspaces/acme', { body: WS });
  s.on('GET', '/2.0/workspaces/acme/members', () => ({ body: members.map((user) => ({ user })) }));
  s.on('GET', '/2.0/workspaces/acme/permissions', { body: [{ permission: 'owner', user: alice }, { permission: 'member', user: bob }] });
  s.on('GET', '/2.0/repositories/acme', { body: [api] });
  s.on('GET', '/2.0/workspaces/acme/permissions/repositories', () => ({ body: members.map((user) => ({ permission: 'read', user, repository: { uuid: api.uuid, full_name: api.full_name } })) }));
  s.on('GET', '/1.0/groups/acme', { body: [{ name: 'Developers', slug: 'devs', members: [bob] }] });
  s.on('GET', '/2.0/workspaces/acme/hooks', { body: [] });
  s.on('POST', '/2.0/workspaces/acme/hooks', (r) => ({ status: 201, body: { uuid: '{20000000-0000-0000-0000-000000000001}', ...(r.body as object), secret: undefined, secret_set: true } }));

  const pky = await startPackyard(t, {
    listen: false,
    yaml: [
      'integrations:',
      `  - { id: bbc, type: bitbucket-cloud, url: "${s.origin}", api_url: "${s.apiUrl}", username: "svc@acme.example", token: t, webhook_secret: hook-secret }`,
      'organizations:',
      '  - { name: acme, sync: { integration: bbc, source: acme, schedule: "0 0 1 1 *", auto_add_packages: false, install_webhooks: true } }',
    ].join('\n'),
  });
  const sqlite = pky.deps.sqlite;
  const rows = (sql: string) => sqlite.prepare(sql).all();

  const first = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
  t.equal(first.status, 'applied', first.error ?? '');
  t.same(rows(`SELECT i.external_id AS id, i.login, m.role FROM identities i JOIN org_members m ON m.user_id = i.user_id WHERE i.integration = 'bbc' ORDER BY i.login`), [
    { id: alice.uuid, login: 'alice', role: 'owner' },
    { id: bob.uuid, login: 'bob', role: 'member' },
  ]);
  t.same(rows(`SELECT slug, external_id AS id FROM teams WHERE external_id LIKE 'group:%'`), [{ slug: 'devs', id: 'group:devs' }]);
  t.same(rows(`SELECT external_id AS id, full_name AS fullName, clone_url AS cloneUrl FROM forge_repos`), [{ id: api.uuid, fullName: 'acme/api', cloneUrl: 'https://bitbucket.org/acme/api.git' }]);
  t.match(first.webhook ?? '', /created|installed|workspace/i, first.webhook ?? '');
  t.equal((s.requests.find((r) => r.method === 'POST')?.body as { secret?: string })?.secret, 'hook-secret');

  const second = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
  t.equal(second.status, 'unchanged', 'a second sync plans nothing');

  members = [alice];
  s.on('GET', '/2.0/workspaces/acme/permissions/repositories', { status: 503, body: {} });
  const failed = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
  t.equal(failed.status, 'failed');
  t.equal(rows(`SELECT user_id FROM org_members`).length, 2, 'nobody is removed on a failed listing');

  s.on('GET', '/2.0/workspaces/acme/permissions/repositories', () => ({ body: [{ permission: 'read', user: alice, repository: { uuid: api.uuid, full_name: api.full_name } }] }));
  const removed = await syncOrg(pky.deps, 'acme', { trigger: 'test' });
  t.equal(removed.status, 'applied', removed.error ?? '');
  t.same(rows(`SELECT i.login FROM identities i JOIN org_members m ON m.user_id = i.user_id`), [{ login: 'alice' }], 'bob left the workspace: removed');

  const app = await buildApp(pky.deps);
  t.teardown(() => app.close());
  const body = JSON.stringify({ repository: { uuid: api.uuid, full_name: api.full_name }, push: { changes: [{ new: { type: 'tag', name: 'v1.0.0' }, old: null }] } });
  const deliver = (uuid: string, secret = 'hook-secret') =>
    app.inject({ method: 'POST', url: '/hooks/bbc', payload: body, headers: { 'content-type': 'application/json', 'x-event-key': 'repo:push', 'x-request-uuid': uuid, 'x-hub-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` } });
  const ok = await deliver('11111111-1111-1111-1111-111111111111');
  t.equal(ok.statusCode, 202, ok.body);
  const again = await deliver('11111111-1111-1111-1111-111111111111');
  t.equal(again.statusCode, 200);
  t.match(again.json(), { status: 'duplicate' });
  const bad = await deliver('22222222-2222-2222-2222-222222222222', 'wrong');
  t.equal(bad.statusCode, 401);
});
