// Contract test: the fake Bitbucket Data Center's (test/fakes/bitbucket-server) answers and webhook
// payloads against shapes transcribed by hand from Atlassian's documentation
// (./bitbucket-server-shapes.ts). Atlassian's swagger description is deliberately not vendored:
// its licence is unclear (forges.md §7.3).
import t, { type Test } from 'tap';
import { createHmac } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startFakeBitbucketServer } from '../fakes/bitbucket-server/index.js';
import * as S from './bitbucket-server-shapes.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const PROJECT_PERMS = ['PROJECT_READ', 'PROJECT_WRITE', 'PROJECT_ADMIN'];
const REPO_PERMS = ['REPO_READ', 'REPO_WRITE', 'REPO_ADMIN'];

function check(tt: Test, schema: Record<string, unknown>, value: unknown, what: string): void {
  const v = ajv.compile(schema);
  const ok = v(value);
  tt.ok(ok, `${what} matches the documented shape`, { errors: ok ? undefined : v.errors?.slice(0, 8) });
}

t.test('REST answers and payloads have the documented shapes', async (t) => {
  const bb = await startFakeBitbucketServer({ contextPath: '/bitbucket' });
  t.teardown(() => bb.close());
  const s = bb.state;
  s.addUser('root', { sysAdmin: true });
  s.addToken('tok', 'root');
  s.addUser('ada');
  s.addGroup('devs', ['ada']);
  s.addProject('ACME', { description: 'Acme things' });
  s.grantProject('ACME', { user: 'ada' }, 'PROJECT_ADMIN');
  s.grantProject('ACME', { group: 'devs' }, 'PROJECT_READ');
  await s.addRepo('ACME', 'lib', { files: { 'composer.json': '{}' } });
  s.grantRepo('ACME', 'lib', { user: 'ada' }, 'REPO_WRITE');
  s.grantRepo('ACME', 'lib', { group: 'devs' }, 'REPO_ADMIN');
  const get = async (path: string, token: string | null = 'tok'): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${bb.apiUrl}${path}`, token === null ? {} : { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  };
  check(t, S.ApplicationProperties, (await get('/application-properties')).body, 'application-properties');
  check(t, S.paged(S.RestProject), (await get('/projects')).body, 'GET /projects');
  const project = (await get('/projects/ACME')).body as Record<string, unknown>;
  check(t, S.RestProject, project, 'GET /projects/{key}');
  t.notOk(ajv.validate(S.RestProject, { ...project, invented: 1 }), 'the shapes are closed: an invented attribute fails');
  check(t, S.paged(S.RestRepository), (await get('/projects/ACME/repos')).body, 'GET /projects/{key}/repos');
  check(t, S.paged(S.RestRepository), (await get('/repos?projectkey=ACME')).body, 'GET /repos');
  check(t, S.RestRepository, (await get('/projects/ACME/repos/lib')).body, 'GET /projects/{key}/repos/{slug}');
  check(t, S.paged(S.RestPermittedUser(PROJECT_PERMS)), (await get('/projects/ACME/permissions/users')).body, 'project user permissions');
  check(t, S.paged(S.RestPermittedGroup(PROJECT_PERMS)), (await get('/projects/ACME/permissions/groups')).body, 'project group permissions');
  check(t, S.paged(S.RestPermittedUser(REPO_PERMS)), (await get('/projects/ACME/repos/lib/permissions/users')).body, 'repository user permissions');
  check(t, S.paged(S.RestPermittedGroup(REPO_PERMS)), (await get('/projects/ACME/repos/lib/permissions/groups')).body, 'repository group permissions');
  check(t, S.paged(S.RestApplicationUser), (await get('/users?permission=PROJECT_READ&permission.projectKey=ACME')).body, 'GET /users with a permission filter');
  check(t, S.RestApplicationUser, (await get('/users/ada')).body, 'GET /users/{slug}');
  check(t, S.paged(S.RestDetailedUser), (await get('/admin/groups/more-members?context=devs')).body, 'GET /admin/groups/more-members');
  const errors = [await get('/projects/NOPE'), await get('/projects/ACME/repos/nope'), await get('/projects/ACME', null), await get('/users/nobody')];
  t.same(errors.map((e) => e.status), [404, 404, 401, 404]);
  for (const e of errors) check(t, S.RestErrors, e.body, `a ${e.status} error`);
  const hook = await fetch(`${bb.apiUrl}/projects/ACME/repos/lib/webhooks`, {
    method: 'POST',
    headers: { Authorization: 'Bearer tok', 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'h', url: 'http://127.0.0.1:9/h', events: ['repo:refs_changed'], configuration: { secret: 'x' } }),
  });
  check(t, S.RestWebhook, await hook.json(), 'POST webhooks');
  check(t, S.paged(S.RestWebhook), (await get('/projects/ACME/webhooks')).body, 'GET project webhooks');

  const sha = await s.commit('ACME', 'lib', { 'a.txt': 'a' }, { tag: 'v1.0.0' });
  const repo = s.repo('ACME', 'lib');
  check(t, S.RepoRefsChanged, bb.payloads.refsChanged(repo, s.user('ada'), [{ ref: 'main', fromHash: sha.replace(/^./, '0'), toHash: sha }, { ref: 'refs/tags/v1.0.0', toHash: sha }]), 'repo:refs_changed');
  const { old, now } = s.renameRepo('ACME', 'lib', 'Library');
  check(t, S.RepoModified, bb.payloads.modified(old, now, s.user('ada')), 'repo:modified');
  check(t, S.DiagnosticsPing, bb.payloads.ping(), 'diagnostics:ping');
  // The documented signature: sha256=hex(HMAC-SHA256(secret, raw body)), over the exact bytes sent.
  const d = await bb.deliver('http://127.0.0.1:9/unreachable', 'diagnostics:ping', bb.payloads.ping(), { secret: 'k' });
  t.equal(d.headers['X-Hub-Signature'], `sha256=${createHmac('sha256', 'k').update(d.body).digest('hex')}`);
});
