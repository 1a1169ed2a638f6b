// Contract test: the fake Bitbucket Cloud's (test/fakes/bitbucket-cloud) answers, error bodies and
// webhook payloads against shapes transcribed by hand from Atlassian's OpenAPI description of API
// 2.0 and its "Event payloads" page (./bitbucket-cloud-shapes.ts). The description is not vendored:
// it carries no licence (see the shapes file).
import t, { type Test } from 'tap';
import { createHmac } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startFakeBitbucketCloud } from '../fakes/bitbucket-cloud/index.js';
import * as S from './bitbucket-cloud-shapes.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

function check(tt: Test, schema: Record<string, unknown>, value: unknown, what: string): void {
  const v = ajv.compile(schema);
  const ok = v(value);
  tt.ok(ok, `${what} matches the documented shape`, { errors: ok ? undefined : v.errors?.slice(0, 8) });
}

t.test('API 2.0 answers, errors and payloads have the documented shapes', async (t) => {
  const bb = await startFakeBitbucketCloud({ pagelen: 2 });
  t.teardown(() => bb.close());
  const s = bb.state;
  s.addWorkspace('acme', { name: 'ACME' });
  s.addUser('olga', { displayName: 'Olga' });
  s.addApiToken('olga', 'tok');
  s.setMember('acme', 'olga', 'owner');
  for (const n of ['ada', 'bob', 'cy']) {
    s.addUser(n);
    s.setMember('acme', n);
  }
  s.addProject('acme', 'CORE', { name: 'Core' });
  s.addGroup('acme', 'devs', { name: 'Developers', members: ['ada', 'bob'], permission: 'write' });
  await s.addRepo('acme', 'lib', { project: 'CORE', files: { 'composer.json': '{}' } });
  await s.addRepo('acme', 'site', { project: 'CORE', isPrivate: false });
  s.grantRepo('acme', 'lib', { group: 'devs' }, 'read');
  s.grantRepo('acme', 'lib', { user: 'cy' }, 'write');
  s.grantProject('acme', 'CORE', { group: 'devs' }, 'write');
  const auth = `Basic ${Buffer.from('olga@example.test:tok').toString('base64')}`;
  const get = async (path: string, authz: string | null = auth): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(path.startsWith('http') ? path : `${bb.apiUrl}${path}`, authz === null ? {} : { headers: { Authorization: authz } });
    return { status: res.status, body: await res.json() };
  };

  check(t, S.user, (await get('/user')).body, 'GET /user');
  check(t, S.workspace, (await get('/workspaces/acme')).body, 'GET /workspaces/{workspace}');
  const members = (await get('/workspaces/acme/members')).body as Record<string, unknown>;
  check(t, S.paginated(S.workspaceMembership), members, 'GET /workspaces/{workspace}/members');
  t.ok(typeof members['next'] === 'string', 'a first page with more to come has next');
  check(t, S.paginated(S.workspaceMembership), (await get('/workspaces/acme/members?page=2')).body, 'the last page of members');
  check(t, S.workspaceMembership, (await get(`/workspaces/acme/members/${encodeURIComponent(s.user('ada').uuid)}`)).body, 'GET /workspaces/{workspace}/members/{member}');
  check(t, S.paginated(S.workspaceMembership), (await get('/workspaces/acme/permissions')).body, 'GET /workspaces/{workspace}/permissions');
  check(t, S.paginated(S.workspaceMembership), (await get('/user/permissions/workspaces')).body, 'GET /user/permissions/workspaces');
  const perms = (await get('/workspaces/acme/permissions/repositories?pagelen=100')).body as { values: Array<Record<string, unknown>> };
  check(t, S.paginated(S.repositoryPermission), perms, 'GET /workspaces/{workspace}/permissions/repositories');
  t.ok(perms.values.length >= 4, 'owner, group, project and explicit permissions are all there');
  check(t, S.paginated(S.repositoryPermission), (await get('/workspaces/acme/permissions/repositories/lib')).body, 'GET /workspaces/{workspace}/permissions/repositories/{repo_slug}');
  check(t, S.paginated(S.repository), (await get('/repositories/acme')).body, 'GET /repositories/{workspace}');
  check(t, S.repository, (await get('/repositories/acme/lib')).body, 'GET /repositories/{workspace}/{repo_slug}');
  check(t, S.repository, (await get('/repositories/acme/site', null)).body, 'a public repository, anonymously');
  check(t, S.paginated(S.project), (await get('/workspaces/acme/projects')).body, 'GET /workspaces/{workspace}/projects');
  check(t, S.paginated(S.repositoryGroupPermission), (await get('/repositories/acme/lib/permissions-config/groups')).body, 'repository permissions-config/groups');
  check(t, S.paginated(S.repositoryUserPermission), (await get('/repositories/acme/lib/permissions-config/users')).body, 'repository permissions-config/users');
  check(t, S.paginated(S.projectGroupPermission), (await get('/workspaces/acme/projects/CORE/permissions-config/groups')).body, 'project permissions-config/groups');
  check(t, S.groups10, (await get(`${bb.url}/api/1.0/groups/acme`)).body, 'GET /1.0/groups/{workspace}');

  const errors = [
    await get('/user', null),
    await get('/user', 'Basic eDp5'),
    await get('/repositories/acme/nope'),
    await get('/workspaces/acme/permissions/repositories', `Basic ${Buffer.from('ada:x').toString('base64')}`),
    await get('/repositories/acme/lib/src/main/nope.json'),
    await get('/workspaces/acme/permissions/repositories?q=%3D%3D'),
  ];
  s.addAppPassword('ada', 'pw');
  errors.push(await get('/workspaces/acme/permissions/repositories', `Basic ${Buffer.from('ada:pw').toString('base64')}`));
  t.same(errors.map((e) => e.status), [401, 401, 404, 401, 404, 400, 403]);
  for (const e of errors) check(t, S.error, e.body, `a ${e.status} error`);

  const hook = await fetch(`${bb.apiUrl}/repositories/acme/lib/hooks`, {
    method: 'POST',
    headers: { Authorization: auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ description: 'h', url: 'http://127.0.0.1:9/h', active: true, events: ['repo:push'], secret: 'x' }),
  });
  t.equal(hook.status, 201);
  check(t, S.webhookSubscription, await hook.json(), 'POST /repositories/{workspace}/{repo_slug}/hooks');
  check(t, S.paginated(S.webhookSubscription), (await get('/repositories/acme/lib/hooks')).body, 'GET repository hooks');
  await fetch(`${bb.apiUrl}/workspaces/acme/hooks`, { method: 'POST', headers: { Authorization: auth }, body: JSON.stringify({ url: 'http://127.0.0.1:9/w', events: ['repo:push'] }) });
  check(t, S.paginated(S.webhookSubscription), (await get('/workspaces/acme/hooks')).body, 'GET workspace hooks');

  const repo = s.repo('acme', 'lib');
  const before = await s.commit('acme', 'lib', { 'a.txt': 'a' });
  const after = await s.commit('acme', 'lib', { 'a.txt': 'b' }, { tag: 'v1.0.0' });
  const payload = bb.payloads.push(repo, s.user('ada'), [
    { name: 'main', old: before, new: after },
    { type: 'tag', name: 'v1.0.0', new: after },
    { name: 'gone', old: before, new: null },
  ]);
  check(t, S.repoPush, payload, 'repo:push (branch update, new tag, deleted branch)');
  // The documented signature: sha256=hex(HMAC-SHA256(secret, raw body)), over the exact bytes sent.
  const d = await bb.deliver('http://127.0.0.1:9/unreachable', 'repo:push', payload, { secret: 'k' });
  t.equal(d.headers['X-Hub-Signature'], `sha256=${createHmac('sha256', 'k').update(d.body).digest('hex')}`);
  t.match(d.headers, { 'X-Event-Key': 'repo:push', 'X-Request-UUID': /^[0-9a-f-]{36}$/, 'X-Hook-UUID': /^[0-9a-f-]{36}$/, 'X-Attempt-Number': '1' });
  t.notOk(ajv.validate(S.repository, { ...((await get('/repositories/acme/lib')).body as object), invented: 1 }), 'the shapes are closed: an invented attribute fails');
});
