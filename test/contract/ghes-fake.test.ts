// Contract test: every response of the fake GHES (test/fakes/ghes) and every webhook payload it
// delivers is validated against GitHub's own GHES 3.19 OpenAPI description (vendored, pruned), so
// the fake cannot drift from what a real GitHub Enterprise Server answers.
import t, { type Test } from 'tap';
import { createHmac, createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startFakeGhes, ZERO_SHA, type FakeGhes } from '../fakes/ghes/index.js';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Json = Record<string, unknown>;
const specPath = fileURLToPath(new URL('../fixtures/github-rest-api-description/ghes-3.19.subset.json', import.meta.url));
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as Json & { openapi: string; paths: Record<string, Record<string, Json>>; components: Json; 'x-webhooks': Record<string, Json> };
const SPEC_ID = 'https://packyard.test/ghes-3.19.json';

/**
 * OpenAPI 3.0 marks null with `nullable: true` (3.1 would use type arrays). ajv understands
 * `nullable` next to `type`; GitHub also writes it next to oneOf/allOf without a type, which
 * ajv rejects, so those become anyOf [schema, null].
 */
function normalizeNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalizeNullable);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = normalizeNullable(v);
  if (out['nullable'] === true && out['type'] === undefined) {
    const { nullable: _n, ...rest } = out;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addSchema({ ...(normalizeNullable(spec) as Json), $id: SPEC_ID });

const pointer = (...parts: string[]): string => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const compiled = new Map<string, ValidateFunction>();
function validatorAt(ptr: string): ValidateFunction {
  let v = compiled.get(ptr);
  if (v === undefined) {
    v = ajv.compile({ $ref: `${SPEC_ID}#/${ptr}` });
    compiled.set(ptr, v);
  }
  return v;
}

/** The JSON pointer of the response schema the description gives, or why there is none. */
function responseSchema(path: string, method: string, status: number, contentType = 'application/json'): { ptr: string | null; documented: boolean } {
  const op = spec.paths[path]?.[method.toLowerCase()] as Json | undefined;
  if (op === undefined) throw new Error(`${method} ${path} is not in the description`);
  const responses = op['responses'] as Record<string, Json>;
  let resp = responses[String(status)];
  let base = pointer('paths', path, method.toLowerCase(), 'responses', String(status));
  const documented = resp !== undefined;
  if (resp === undefined) {
    // Statuses GitHub answers everywhere but does not list on every path.
    const generic: Record<number, string> = { 401: 'requires_authentication', 403: 'forbidden', 404: 'not_found', 422: 'validation_failed' };
    const name = generic[status];
    if (name === undefined) throw new Error(`${method} ${path} ${status} is not documented`);
    resp = (spec.components['responses'] as Record<string, Json>)[name] as Json;
    base = pointer('components', 'responses', name);
  }
  const ref = resp['$ref'];
  if (typeof ref === 'string') {
    base = ref.replace(/^#\//, '');
    resp = (spec.components['responses'] as Record<string, Json>)[ref.split('/').pop() ?? ''] as Json;
  }
  const content = resp['content'] as Record<string, Json> | undefined;
  if (content?.[contentType] === undefined) {
    // A documented error status without a body schema (e.g. 404 on team memberships): GitHub's
    // basic error body all the same.
    const generic: Record<number, string> = { 401: 'requires_authentication', 403: 'forbidden', 404: 'not_found', 422: 'validation_failed' };
    const name = generic[status];
    if (name === undefined) return { ptr: null, documented };
    return { ptr: `${pointer('components', 'responses', name, 'content', contentType, 'schema')}`, documented };
  }
  return { ptr: `${base}/${pointer('content', contentType, 'schema')}`, documented };
}

const counts = { responses: 0, validated: 0, undocumentedStatus: 0, notModified: 0, webhooks: 0, linkHeaders: 0 };

interface Call {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

let gh: FakeGhes;
const received: Array<{ headers: IncomingMessage['headers']; body: Buffer }> = [];

async function call(path: string, token: string | null, init: RequestInit & { accept?: string } = {}): Promise<Call> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set('Authorization', token.startsWith('eyJ') ? `Bearer ${token}` : `token ${token}`);
  headers.set('Accept', init.accept ?? 'application/vnd.github+json');
  const res = await fetch(`${gh.apiUrl}${path}`, { ...init, headers });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Calls the fake and validates the answer against the description's schema for (path, method, status). */
async function checked(
  tt: Test,
  specPathName: string,
  url: string,
  token: string | null,
  expectStatus: number,
  init: RequestInit & { accept?: string } = {},
): Promise<Call> {
  const method = (init.method ?? 'GET').toUpperCase();
  const res = await call(url, token, init);
  counts.responses++;
  tt.equal(res.status, expectStatus, `${method} ${url} -> ${expectStatus}`);
  tt.match(res.headers.get('x-github-request-id'), /\S/, 'X-GitHub-Request-Id');
  tt.equal(res.headers.get('x-github-enterprise-version'), '3.19.0', 'X-GitHub-Enterprise-Version');
  if (res.status === 304 || res.status === 204) {
    tt.equal(res.text, '', `${res.status} has an empty body`);
    return res;
  }
  tt.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
  tt.equal(res.headers.get('x-github-media-type'), 'github.v3; format=json');
  const { ptr, documented } = responseSchema(specPathName, method, res.status);
  if (!documented) counts.undocumentedStatus++;
  tt.not(ptr, null, `${method} ${specPathName} ${res.status} has a JSON schema`);
  if (ptr !== null) {
    const validate = validatorAt(ptr);
    const ok = validate(res.json);
    counts.validated++;
    tt.ok(ok, `${method} ${url} ${res.status} matches ${ptr}`, { errors: ok ? undefined : validate.errors?.slice(0, 8) });
  }
  if (method === 'GET' && res.status === 200) tt.match(res.headers.get('etag'), /^W\/"[0-9a-f]+"$/, 'weak ETag');
  return res;
}

function jwt(appId: number, pem: string): string {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iat: now - 60, exp: now + 540, iss: appId })}`;
  return `${head}.${createSign('RSA-SHA256').update(head).sign(pem, 'base64url')}`;
}

t.before(async () => {
  gh = await startFakeGhes();
  const s = gh.state;
  s.addUser('octo-owner', { name: 'Octo Owner', email: 'owner@acme.example' });
  s.addOrg('acme', { defaultRepositoryPermission: 'none' });
  s.addOrgMember('acme', 'octo-owner', 'admin');
  s.addToken('tok-owner', 'octo-owner');
  for (let i = 1; i <= 40; i++) {
    s.addUser(`dev-${String(i).padStart(2, '0')}`, { name: `Developer ${i}` });
    s.addOrgMember('acme', `dev-${String(i).padStart(2, '0')}`, 'member');
  }
  s.addToken('tok-dev', 'dev-01', { scopes: ['repo', 'read:org'] });
  s.addUser('contractor', { email: 'c@outside.example' });
  s.addToken('tok-contractor', 'contractor', { scopes: ['repo'] });
  s.addUser('stranger');
  s.addToken('tok-stranger', 'stranger');
  s.addTeam('acme', { slug: 'platform', name: 'Platform' });
  s.addTeam('acme', { slug: 'backend', name: 'Backend', parent: 'platform' });
  s.addTeam('acme', { slug: 'backend-db', name: 'Backend DB', parent: 'backend' });
  s.addTeam('acme', { slug: 'security', name: 'Security', privacy: 'secret' });
  s.addTeamMember('acme', 'platform', 'dev-01', 'maintainer');
  s.addTeamMember('acme', 'backend', 'dev-02');
  s.addTeamMember('acme', 'backend-db', 'dev-03', 'maintainer');
  s.addTeamMember('acme', 'security', 'dev-04');
  const composer = (name: string): Record<string, string> => ({ 'composer.json': `${JSON.stringify({ name, type: 'library' }, null, 4)}\n`, 'src/Lib.php': '<?php\n' });
  await s.addRepo('acme', 'billing', { visibility: 'private', files: composer('acme/billing') });
  await s.addRepo('acme', 'shared-lib', { visibility: 'internal', files: composer('acme/shared-lib') });
  await s.addRepo('acme', 'oss-tool', { visibility: 'public', files: composer('acme/oss-tool') });
  await s.addRepo('acme', 'legacy', { visibility: 'private', archived: true, defaultBranch: 'master', files: composer('acme/legacy') });
  s.addCustomRole('acme', 'composer-reader', 'pull');
  s.grantTeam('acme', 'platform', 'billing', 'push');
  s.grantTeam('acme', 'backend', 'shared-lib', 'composer-reader');
  s.grantTeam('acme', 'backend-db', 'legacy', 'maintain');
  s.addCollaborator('acme', 'billing', 'contractor', 'pull');
});

t.teardown(async () => {
  await gh?.close();
});

t.test('the description is OpenAPI 3.0 (nullable, not type arrays) and the validator rejects drift', async (t) => {
  t.match(spec.openapi, /^3\.0\./);
  const repo = (await call('/repos/acme/billing', 'tok-owner')).json as Json;
  const v = validatorAt(responseSchema('/repos/{owner}/{repo}', 'GET', 200).ptr ?? '');
  t.ok(v(repo), 'a real answer validates');
  const { id: _id, ...noId } = repo;
  t.notOk(v(noId), 'a body missing a required property fails');
  t.notOk(v({ ...repo, private: 'yes' }), 'a wrong type fails');
  t.notOk(v({ ...repo, pushed_at: 'yesterday' }), 'a bad date-time fails');
});

t.test('root, meta, rate_limit, user', async (t) => {
  const root = await call('/', 'tok-owner');
  t.equal(root.status, 200);
  t.match(root.json, { current_user_url: `${gh.apiUrl}/user`, organization_url: `${gh.apiUrl}/orgs/{org}` });
  const head = await fetch(`${gh.apiUrl}/`, { method: 'HEAD', headers: { Authorization: 'token tok-owner' } });
  t.equal(head.headers.get('x-github-enterprise-version'), '3.19.0', 'HEAD /api/v3/ detects GHES');
  const meta = await checked(t, '/meta', '/meta', 'tok-owner', 200);
  t.equal((meta.json as Json)['installed_version'], '3.19.0');
  const rl = await checked(t, '/rate_limit', '/rate_limit', 'tok-owner', 404);
  t.equal(rl.headers.get('x-ratelimit-limit'), null, 'no rate-limit headers when limits are off');
  const me = await checked(t, '/user', '/user', 'tok-owner', 200);
  t.match(me.json, { login: 'octo-owner', name: 'Octo Owner', email: 'owner@acme.example' });
  t.ok(me.headers.get('last-modified'), 'Last-Modified on /user');
  const etag = me.headers.get('etag') ?? '';
  await checked(t, '/user', '/user', 'tok-owner', 304, { headers: { 'If-None-Match': etag } });
  counts.notModified++;
  await checked(t, '/user', '/user', 'bad-token', 401);
  const missing = await checked(t, '/user', '/user', null, 401);
  t.match(missing.json, { message: 'Requires authentication' });
  const bad = await call('/user', 'bad-token');
  t.match(bad.json, { message: 'Bad credentials', documentation_url: /^https:\/\/docs\.github\.com\// });
  await checked(t, '/user/memberships/orgs/{org}', '/user/memberships/orgs/acme', 'tok-dev', 200);
  await checked(t, '/user/memberships/orgs/{org}', '/user/memberships/orgs/acme', 'tok-stranger', 404);
});

t.test('org, members (2 pages), memberships', async (t) => {
  const org = await checked(t, '/orgs/{org}', '/orgs/acme', 'tok-owner', 200);
  t.match(org.json, { login: 'acme', default_repository_permission: 'none' });
  const asMember = await checked(t, '/orgs/{org}', '/orgs/acme', 'tok-dev', 200);
  t.notOk('default_repository_permission' in (asMember.json as Json), 'owner-only fields hidden from members');
  await checked(t, '/orgs/{org}', '/orgs/nope', 'tok-owner', 404);

  const p1 = await checked(t, '/orgs/{org}/members', '/orgs/acme/members?role=all', 'tok-owner', 200);
  t.equal((p1.json as unknown[]).length, 30, 'default per_page 30');
  const host = new URL(gh.url).host;
  t.equal(
    p1.headers.get('link'),
    `<http://${host}/api/v3/orgs/acme/members?role=all&page=2>; rel="next", <http://${host}/api/v3/orgs/acme/members?role=all&page=2>; rel="last"`,
  );
  counts.linkHeaders++;
  const p2 = await checked(t, '/orgs/{org}/members', '/orgs/acme/members?role=all&page=2', 'tok-owner', 200);
  t.equal((p2.json as unknown[]).length, 11);
  t.equal(
    p2.headers.get('link'),
    `<http://${host}/api/v3/orgs/acme/members?role=all&page=1>; rel="prev", <http://${host}/api/v3/orgs/acme/members?role=all&page=1>; rel="first"`,
  );
  counts.linkHeaders++;
  const big = await checked(t, '/orgs/{org}/members', '/orgs/acme/members?per_page=100', 'tok-owner', 200);
  t.equal((big.json as unknown[]).length, 41);
  t.equal(big.headers.get('link'), null, 'one page: no Link');
  const admins = await checked(t, '/orgs/{org}/members', '/orgs/acme/members?role=admin', 'tok-owner', 200);
  t.same((admins.json as Json[]).map((u) => u['login']), ['octo-owner']);
  await checked(t, '/orgs/{org}/members', '/orgs/acme/members?role=boss', 'tok-owner', 422);
  const etag = p2.headers.get('etag') ?? '';
  await checked(t, '/orgs/{org}/members', '/orgs/acme/members?role=all&page=2', 'tok-owner', 304, { headers: { 'If-None-Match': etag } });
  counts.notModified++;

  const m = await checked(t, '/orgs/{org}/memberships/{username}', '/orgs/acme/memberships/octo-owner', 'tok-owner', 200);
  t.match(m.json, { role: 'admin', state: 'active' });
  await checked(t, '/orgs/{org}/memberships/{username}', '/orgs/acme/memberships/stranger', 'tok-owner', 404);
});

t.test('teams: nesting, members including child teams, memberships, repos with role_name', async (t) => {
  const teams = await checked(t, '/orgs/{org}/teams', '/orgs/acme/teams', 'tok-owner', 200);
  t.same((teams.json as Json[]).map((x) => x['slug']), ['platform', 'backend', 'backend-db', 'security']);
  t.match((teams.json as Json[])[1], { parent: { slug: 'platform' } });
  const asDev = await checked(t, '/orgs/{org}/teams', '/orgs/acme/teams', 'tok-dev', 200);
  t.notOk((asDev.json as Json[]).some((x) => x['slug'] === 'security'), 'secret team hidden from non-members');
  await checked(t, '/orgs/{org}/teams', '/orgs/acme/teams', 'tok-stranger', 404);
  const team = await checked(t, '/orgs/{org}/teams/{team_slug}', '/orgs/acme/teams/backend', 'tok-owner', 200);
  t.match(team.json, { slug: 'backend', parent: { slug: 'platform' }, members_count: 1 });
  await checked(t, '/orgs/{org}/teams/{team_slug}', '/orgs/acme/teams/nope', 'tok-owner', 404);
  const kids = await checked(t, '/orgs/{org}/teams/{team_slug}/teams', '/orgs/acme/teams/platform/teams', 'tok-owner', 200);
  t.same((kids.json as Json[]).map((x) => x['slug']), ['backend']);
  const members = await checked(t, '/orgs/{org}/teams/{team_slug}/members', '/orgs/acme/teams/platform/members', 'tok-owner', 200);
  t.same((members.json as Json[]).map((x) => x['login']), ['dev-01', 'dev-02', 'dev-03'], 'child and grandchild team members included');
  const maint = await checked(t, '/orgs/{org}/teams/{team_slug}/members', '/orgs/acme/teams/platform/members?role=maintainer', 'tok-owner', 200);
  t.same((maint.json as Json[]).map((x) => x['login']), ['dev-01', 'dev-03']);
  const pm = await checked(t, '/orgs/{org}/teams/{team_slug}/members', '/orgs/acme/teams/platform/members?per_page=2&page=2', 'tok-owner', 200);
  t.match(pm.headers.get('link'), /rel="prev".*rel="first"/);
  counts.linkHeaders++;
  const ms = await checked(t, '/orgs/{org}/teams/{team_slug}/memberships/{username}', '/orgs/acme/teams/backend/memberships/dev-02', 'tok-owner', 200);
  t.match(ms.json, { role: 'member', state: 'active' });
  await checked(t, '/orgs/{org}/teams/{team_slug}/memberships/{username}', '/orgs/acme/teams/backend/memberships/dev-09', 'tok-owner', 404);
  const repos = await checked(t, '/orgs/{org}/teams/{team_slug}/repos', '/orgs/acme/teams/backend/repos', 'tok-owner', 200);
  t.match(repos.json, [{ name: 'shared-lib', role_name: 'composer-reader', permissions: { pull: true, push: false, admin: false } }]);
  const prepos = await checked(t, '/orgs/{org}/teams/{team_slug}/repos', '/orgs/acme/teams/platform/repos', 'tok-owner', 200);
  t.match(prepos.json, [{ name: 'billing', role_name: 'write', permissions: { pull: true, triage: true, push: true, maintain: false, admin: false } }]);
});

t.test('repositories: each visibility, by name and id, collaborators, contents', async (t) => {
  const all = await checked(t, '/orgs/{org}/repos', '/orgs/acme/repos?type=all&sort=full_name', 'tok-owner', 200);
  t.same((all.json as Json[]).map((r) => [r['name'], r['visibility'], r['archived']]), [
    ['billing', 'private', false],
    ['legacy', 'private', true],
    ['oss-tool', 'public', false],
    ['shared-lib', 'internal', false],
  ]);
  const priv = await checked(t, '/orgs/{org}/repos', '/orgs/acme/repos?type=private&sort=full_name', 'tok-owner', 200);
  t.same((priv.json as Json[]).map((r) => r['name']), ['billing', 'legacy']);
  const internal = await checked(t, '/orgs/{org}/repos', '/orgs/acme/repos?type=internal', 'tok-owner', 200);
  t.same((internal.json as Json[]).map((r) => r['name']), ['shared-lib']);
  const paged = await checked(t, '/orgs/{org}/repos', '/orgs/acme/repos?sort=full_name&per_page=3&page=2', 'tok-owner', 200);
  t.same((paged.json as Json[]).map((r) => r['name']), ['shared-lib']);
  counts.linkHeaders++;
  const dev = await checked(t, '/orgs/{org}/repos', '/orgs/acme/repos?sort=full_name', 'tok-dev', 200);
  t.same((dev.json as Json[]).map((r) => r['name']), ['billing', 'oss-tool', 'shared-lib'], 'a member sees what teams and visibility give');

  const repo = await checked(t, '/repos/{owner}/{repo}', '/repos/acme/billing', 'tok-owner', 200);
  t.match(repo.json, { full_name: 'acme/billing', clone_url: `${gh.url}/acme/billing.git`, default_branch: 'main', permissions: { admin: true } });
  t.ok(repo.headers.get('last-modified'));
  const byId = await call(`/repositories/${(repo.json as Json)['id'] as number}`, 'tok-owner');
  const v = validatorAt(responseSchema('/repos/{owner}/{repo}', 'GET', 200).ptr ?? '');
  t.ok(v(byId.json), '/repositories/{id} is a full-repository', { errors: v.errors });
  counts.responses++;
  counts.validated++;
  await checked(t, '/repos/{owner}/{repo}', '/repos/acme/billing', 'tok-stranger', 404);
  await checked(t, '/repos/{owner}/{repo}', '/repos/acme/legacy', 'tok-dev', 404);
  await checked(t, '/repos/{owner}/{repo}', '/repos/acme/nope', 'tok-owner', 404);

  const direct = await checked(t, '/repos/{owner}/{repo}/collaborators', '/repos/acme/billing/collaborators?affiliation=direct', 'tok-owner', 200);
  t.match(direct.json, [{ login: 'contractor', role_name: 'read', permissions: { pull: true, push: false } }]);
  const outside = await checked(t, '/repos/{owner}/{repo}/collaborators', '/repos/acme/billing/collaborators?affiliation=outside', 'tok-owner', 200);
  t.same((outside.json as Json[]).map((c) => c['login']), ['contractor']);
  const everyone = await checked(t, '/repos/{owner}/{repo}/collaborators', '/repos/acme/billing/collaborators?affiliation=all', 'tok-owner', 200);
  t.same((everyone.json as Json[]).map((c) => c['login']), ['octo-owner', 'dev-01', 'dev-02', 'dev-03', 'contractor']);
  const forbidden = await checked(t, '/repos/{owner}/{repo}/collaborators', '/repos/acme/billing/collaborators', 'tok-contractor', 403);
  t.match(forbidden.json, { message: 'Must have push access to view repository collaborators.' });

  const file = await checked(t, '/repos/{owner}/{repo}/contents/{path}', '/repos/acme/billing/contents/composer.json?ref=main', 'tok-owner', 200);
  const content = (file.json as Json)['content'] as string;
  t.ok(content.split('\n').slice(0, -2).every((l) => l.length === 60), 'base64 wrapped at 60 characters');
  t.same(JSON.parse(Buffer.from(content.replace(/\n/g, ''), 'base64').toString()), { name: 'acme/billing', type: 'library' });
  const raw = await call('/repos/acme/billing/contents/composer.json', 'tok-owner', { accept: 'application/vnd.github.raw+json' });
  t.equal(raw.status, 200);
  t.match(raw.headers.get('content-type'), /^application\/vnd\.github\.raw/);
  t.same(JSON.parse(raw.text), { name: 'acme/billing', type: 'library' });
  const dir = await checked(t, '/repos/{owner}/{repo}/contents/{path}', '/repos/acme/billing/contents/src', 'tok-owner', 200);
  t.match(dir.json, [{ name: 'Lib.php', type: 'file' }]);
  await checked(t, '/repos/{owner}/{repo}/contents/{path}', '/repos/acme/billing/contents/nope.json', 'tok-owner', 404);
  await checked(t, '/repos/{owner}/{repo}/contents/{path}', '/repos/acme/billing/contents/composer.json?ref=no-such-branch', 'tok-owner', 404);
  const etag = file.headers.get('etag') ?? '';
  await checked(t, '/repos/{owner}/{repo}/contents/{path}', '/repos/acme/billing/contents/composer.json?ref=main', 'tok-owner', 304, { headers: { 'If-None-Match': etag } });
  counts.notModified++;
  await checked(t, '/repos/{owner}/{repo}/teams', '/repos/acme/billing/teams', 'tok-owner', 200);

  await gh.state.commit('acme', 'billing', { 'CHANGELOG.md': '1.0\n' }, { tag: 'v1.0.0' });
  await gh.state.commit('acme', 'billing', { 'x.txt': 'x\n' }, { branch: 'feature/x' });
  const branches = await checked(t, '/repos/{owner}/{repo}/branches', '/repos/acme/billing/branches', 'tok-owner', 200);
  t.same((branches.json as Json[]).map((b) => b['name']), ['feature/x', 'main']);
  const tags = await checked(t, '/repos/{owner}/{repo}/tags', '/repos/acme/billing/tags', 'tok-owner', 200);
  t.same((tags.json as Json[]).map((b) => b['name']), ['v1.0.0']);
});

t.test('org hooks: create (422s), list, get, patch, ping, delete; 403 without owner', async (t) => {
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => receiver.close(() => r())));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/ghe`;
  const post = (body: unknown, token = 'tok-owner') =>
    checked(t, '/orgs/{org}/hooks', '/orgs/acme/hooks', token, 201, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  const body = { name: 'web', active: true, events: ['push', 'create', 'delete', 'release', 'repository', 'team', 'membership', 'member', 'organization'], config: { url: hookUrl, content_type: 'json', secret: 'hook-secret', insecure_ssl: '0' } };
  const created = await post(body);
  t.match(created.json, { name: 'web', config: { url: hookUrl, content_type: 'json', secret: '********' } });
  const hookId = (created.json as Json)['id'] as number;
  await gh.idle();
  t.equal(received.at(-1)?.headers['x-github-event'], 'ping', 'creating a hook pings it');

  const bad = async (b: unknown, status: number) =>
    checked(t, '/orgs/{org}/hooks', '/orgs/acme/hooks', 'tok-owner', status, { method: 'POST', body: JSON.stringify(b), headers: { 'Content-Type': 'application/json' } });
  const dup = await bad(body, 422);
  t.match(dup.json, { message: 'Validation Failed', errors: [{ resource: 'Hook', code: 'custom', message: 'Hook already exists on this organization' }] });
  await bad({ name: 'email', config: { url: hookUrl } }, 422);
  await bad({ name: 'web', config: { url: 'ftp://x' } }, 422);
  await bad({ name: 'web', config: { url: `${hookUrl}/2` }, events: ['bogus'] }, 422);
  await bad({ name: 'web' }, 422);
  const denied = await checked(t, '/orgs/{org}/hooks', '/orgs/acme/hooks', 'tok-dev', 403);
  t.match(denied.json, { message: /owner/ });
  const list = await checked(t, '/orgs/{org}/hooks', '/orgs/acme/hooks', 'tok-owner', 200);
  t.equal((list.json as unknown[]).length, 1);
  await checked(t, '/orgs/{org}/hooks/{hook_id}', `/orgs/acme/hooks/${hookId}`, 'tok-owner', 200);
  await checked(t, '/orgs/{org}/hooks/{hook_id}', '/orgs/acme/hooks/999', 'tok-owner', 404);
  const patched = await checked(t, '/orgs/{org}/hooks/{hook_id}', `/orgs/acme/hooks/${hookId}`, 'tok-owner', 200, {
    method: 'PATCH',
    body: JSON.stringify({ active: true, events: ['*'] }),
    headers: { 'Content-Type': 'application/json' },
  });
  t.same((patched.json as Json)['events'], ['*']);
  await checked(t, '/orgs/{org}/hooks/{hook_id}', `/orgs/acme/hooks/${hookId}`, 'tok-owner', 422, { method: 'PATCH', body: JSON.stringify({ config: { url: 'nope' } }), headers: { 'Content-Type': 'application/json' } });
  const before = received.length;
  const ping = await call(`/orgs/acme/hooks/${hookId}/pings`, 'tok-owner', { method: 'POST' });
  t.equal(ping.status, 204);
  await gh.idle();
  t.equal(received.length, before + 1);
  const extra = await post({ ...body, config: { ...body.config, url: `${hookUrl}/extra` } });
  await checked(t, '/orgs/{org}/hooks/{hook_id}', `/orgs/acme/hooks/${(extra.json as Json)['id'] as number}`, 'tok-owner', 204, { method: 'DELETE' });
  await gh.idle();

  // Every delivery so far (pings) and one of each event Packyard handles, validated against x-webhooks.
  const p = gh.payloads;
  const sha1 = await gh.state.commit('acme', 'billing', { 'src/New.php': '<?php\n', 'composer.json': '{"name":"acme/billing","type":"library"}\n' }, { message: 'feature', tag: 'v1.1.0' });
  const sends: Array<[string, string, object]> = [
    ['push', 'push', await p.push('acme', 'billing', { ref: 'refs/heads/main', before: ZERO_SHA, after: sha1 })],
    ['create', 'create', p.ref('create', 'acme', 'billing', 'v1.1.0', 'tag')],
    ['delete', 'delete', p.ref('delete', 'acme', 'billing', 'old-branch', 'branch')],
    ['release', 'release-published', p.releasePublished('acme', 'billing', 'v1.1.0')],
    ['repository', 'repository-created', p.repository('created', 'acme', 'oss-tool')],
    ['repository', 'repository-deleted', p.repository('deleted', 'acme', 'legacy')],
    ['repository', 'repository-renamed', p.repository('renamed', 'acme', 'shared-lib', { from: 'common' })],
    ['team', 'team-created', p.team('created', 'acme', 'backend')],
    ['team', 'team-deleted', p.team('deleted', 'acme', 'security')],
    ['team', 'team-edited', p.team('edited', 'acme', 'backend', { changes: { name: { from: 'Back end' } } })],
    ['team', 'team-added-to-repository', p.team('added_to_repository', 'acme', 'platform', { repo: 'billing' })],
    ['team', 'team-removed-from-repository', p.team('removed_from_repository', 'acme', 'platform', { repo: 'billing' })],
    ['membership', 'membership-added', p.membership('added', 'acme', 'backend', 'dev-02')],
    ['membership', 'membership-removed', p.membership('removed', 'acme', 'backend', 'dev-02')],
    ['member', 'member-added', p.memberAdded('acme', 'billing', 'contractor', 'pull')],
    ['organization', 'organization-member-added', p.organization('member_added', 'acme', 'dev-05')],
    ['organization', 'organization-member-removed', p.organization('member_removed', 'acme', 'dev-06')],
  ];
  for (const [event, , payload] of sends) {
    const results = await gh.deliver('acme', event, payload);
    t.same(results.map((r) => r.status), [202], `${event} delivered`);
  }
  const replay = await gh.deliver('acme', 'push', sends[0]?.[2] ?? {}, { deliveryId: 'replayed-id' });
  t.equal(replay[0]?.deliveryId, 'replayed-id');
  const forged = await gh.deliver('acme', 'push', sends[0]?.[2] ?? {}, { badSignature: true });
  t.equal(forged.length, 1);

  const pushPayload = sends[0]?.[2] as { commits: Array<{ id: string; added: string[]; modified: string[] }> };
  t.same(pushPayload.commits.at(-1)?.added, ['src/New.php']);
  t.same(pushPayload.commits.at(-1)?.modified, ['composer.json']);
  t.equal(pushPayload.commits.at(-1)?.id, sha1);

  const hookKey = (event: string, body: Json): string => (['push', 'create', 'delete', 'ping'].includes(event) ? event : `${event}-${String(body['action']).replace(/_/g, '-')}`);
  let signed = 0;
  for (const d of received) {
    const event = String(d.headers['x-github-event']);
    const body = JSON.parse(d.body.toString('utf8')) as Json;
    const key = hookKey(event, body);
    t.ok(spec['x-webhooks'][key] !== undefined, `x-webhooks has ${key}`);
    const v = validatorAt(pointer('x-webhooks', key, 'post', 'requestBody', 'content', 'application/json', 'schema'));
    t.ok(v(body), `${key} payload matches x-webhooks`, { errors: v.errors?.slice(0, 8) });
    counts.webhooks++;
    t.match(d.headers['x-github-delivery'], /^[0-9a-f-]{36}$|^replayed-id$/);
    t.ok(gh.deliveries.some((x) => String(x.hookId) === d.headers['x-github-hook-id']), 'X-GitHub-Hook-ID names the hook');
    t.equal(d.headers['x-github-enterprise-version'], '3.19.0');
    t.equal(d.headers['x-github-enterprise-host'], new URL(gh.url).host);
    t.match(d.headers['user-agent'], /^GitHub-Hookshot\//);
    const good = `sha256=${createHmac('sha256', 'hook-secret').update(d.body).digest('hex')}`;
    if (d.headers['x-hub-signature-256'] === good) signed++;
  }
  t.equal(signed, received.length - 1, 'every delivery signed over its exact body except the forged one');
});

t.test('GitHub App: installation lookup and access token', async (t) => {
  const { privateKeyPem } = gh.state.addApp({ appId: 4242 });
  const instId = gh.state.installApp(4242, 'acme');
  const token = jwt(4242, privateKeyPem);
  const inst = await call('/orgs/acme/installation', token);
  t.equal(inst.status, 200);
  t.match(inst.json, { id: instId, app_id: 4242, target_type: 'Organization', account: { login: 'acme' }, access_tokens_url: `${gh.apiUrl}/app/installations/${instId}/access_tokens` });
  t.equal((await call('/orgs/acme/installation', 'tok-owner')).status, 401, 'a PAT is no JWT');
  const appRes = await call('/app', token);
  const appSchema = validatorAt(pointer('components', 'schemas', 'integration'));
  t.ok(appSchema(appRes.json), 'GET /app is an integration', { errors: appSchema.errors });
  counts.responses++;
  counts.validated++;
  t.match(appRes.json, { id: 4242, owner: { login: 'acme' } });
  const created = await checked(t, '/app/installations/{installation_id}/access_tokens', `/app/installations/${instId}/access_tokens`, token, 201, { method: 'POST' });
  const ghs = (created.json as Json)['token'] as string;
  t.match(ghs, /^ghs_/);
  await checked(t, '/app/installations/{installation_id}/access_tokens', '/app/installations/999/access_tokens', token, 404, { method: 'POST' });
  await checked(t, '/app/installations/{installation_id}/access_tokens', `/app/installations/${instId}/access_tokens`, 'tok-owner', 401, { method: 'POST' });
  const repos = await checked(t, '/orgs/{org}/repos', '/orgs/acme/repos', ghs, 200);
  t.equal((repos.json as unknown[]).length, 4, 'an installation token reads every repository of the org');
  await checked(t, '/installation/repositories', '/installation/repositories', ghs, 200);
});

t.test('every GET endpoint: 304 on a matching ETag, 401 without valid credentials', async (t) => {
  const id = gh.state.repo('acme', 'billing').id;
  const gets: Array<[string, string]> = [
    ['/meta', '/meta'],
    ['/user', '/user'],
    ['/user/memberships/orgs/{org}', '/user/memberships/orgs/acme'],
    ['/orgs/{org}', '/orgs/acme'],
    ['/orgs/{org}/members', '/orgs/acme/members?role=member&page=2'],
    ['/orgs/{org}/memberships/{username}', '/orgs/acme/memberships/dev-01'],
    ['/orgs/{org}/teams', '/orgs/acme/teams'],
    ['/orgs/{org}/teams/{team_slug}', '/orgs/acme/teams/platform'],
    ['/orgs/{org}/teams/{team_slug}/teams', '/orgs/acme/teams/platform/teams'],
    ['/orgs/{org}/teams/{team_slug}/members', '/orgs/acme/teams/platform/members?role=all'],
    ['/orgs/{org}/teams/{team_slug}/memberships/{username}', '/orgs/acme/teams/platform/memberships/dev-01'],
    ['/orgs/{org}/teams/{team_slug}/repos', '/orgs/acme/teams/platform/repos'],
    ['/orgs/{org}/repos', '/orgs/acme/repos?type=all&sort=full_name'],
    ['/repos/{owner}/{repo}', '/repos/acme/billing'],
    ['/repos/{owner}/{repo}', `/repositories/${id}`],
    ['/repos/{owner}/{repo}/collaborators', '/repos/acme/billing/collaborators?affiliation=direct'],
    ['/repos/{owner}/{repo}/contents/{path}', '/repos/acme/billing/contents/composer.json'],
    ['/repos/{owner}/{repo}/teams', '/repos/acme/billing/teams'],
    ['/repos/{owner}/{repo}/branches', '/repos/acme/billing/branches'],
    ['/repos/{owner}/{repo}/tags', '/repos/acme/billing/tags'],
    ['/orgs/{org}/hooks', '/orgs/acme/hooks'],
  ];
  for (const [specName, url] of gets) {
    const first = await call(url, 'tok-owner');
    t.equal(first.status, 200, `GET ${url}`);
    const etag = first.headers.get('etag');
    t.match(etag, /^W\/"[0-9a-f]{64}"$/, `weak ETag on ${url}`);
    await checked(t, specName, url, 'tok-owner', 304, { headers: { 'If-None-Match': etag ?? '' } });
    counts.notModified++;
    const changed = await call(url, 'tok-owner', { headers: { 'If-None-Match': 'W/"0000"' } });
    t.equal(changed.status, 200, 'a stale ETag gets the full body');
    if (specName !== '/meta') {
      const bad = await checked(t, specName, url, 'ghp_invalid', 401);
      t.match(bad.json, { message: 'Bad credentials' });
      await checked(t, specName, url, null, 401);
    }
  }
});

t.test('rate limits when enabled: headers, 403 when exhausted, /rate_limit', async (t) => {
  const limited = await startFakeGhes({ rateLimit: { limit: 2 } });
  t.teardown(() => limited.close());
  limited.state.addUser('u');
  limited.state.addToken('tok', 'u');
  const saved = gh;
  gh = limited;
  t.teardown(() => {
    gh = saved;
  });
  const a = await checked(t, '/user', '/user', 'tok', 200);
  for (const h of ['limit', 'remaining', 'used', 'reset', 'resource']) t.ok(a.headers.get(`x-ratelimit-${h}`), `X-RateLimit-${h}`);
  t.equal(a.headers.get('x-ratelimit-remaining'), '1');
  await checked(t, '/user', '/user', 'tok', 304, { headers: { 'If-None-Match': a.headers.get('etag') ?? '' } });
  await checked(t, '/user', '/user', 'tok', 200);
  const over = await checked(t, '/user', '/user', 'tok', 403);
  t.match(over.json, { message: /^API rate limit exceeded for user ID \d+\./ });
  t.equal(over.headers.get('x-ratelimit-remaining'), '0');
  t.ok(Number(over.headers.get('x-ratelimit-reset')) > Date.now() / 1000);
  const rl = await checked(t, '/rate_limit', '/rate_limit', 'tok', 200);
  t.match(rl.json, { rate: { limit: 2, remaining: 0, used: 2 } });
});

t.test('summary', async (t) => {
  t.comment(JSON.stringify(counts));
  t.ok(counts.validated >= 100, `validated ${counts.validated} responses against the description`);
  t.ok(counts.webhooks >= 20, `validated ${counts.webhooks} webhook payloads`);
  t.ok(counts.notModified >= 20, `${counts.notModified} conditional requests answered 304`);
});
