// The GitHub forge against the fake GHES: a complete snapshot (nested teams, several pages,
// internal and archived repositories, custom roles), collaborators, composer.json, App tokens,
// webhook installation and repair, signed deliveries, and failures that never yield partial data.
import t, { type Test } from 'tap';
import http from 'node:http';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log.js';
import type { AddressInfo } from 'node:net';
import { startFakeGhes, secondaryRateLimit, ZERO_SHA, type FakeGhes } from '../../fakes/ghes/index.js';
import { createGitHubForge, HOOK_EVENTS, type GitHubForge, type GitHubForgeDeps } from '../../../src/forges/github/index.js';
import { ForgeError, type ForgeRepository, type HookRequest } from '../../../src/forges/types.js';
import type { GitHubIntegrationConfig, IntegrationConfig } from '../../../src/forges/config.js';

const TOKEN = 'tok-owner-0123456789';

async function fake(t: Test): Promise<FakeGhes> {
  const gh = await startFakeGhes();
  t.teardown(() => gh.close());
  return gh;
}

function forgeFor(t: Test, gh: FakeGhes, extra: Partial<GitHubIntegrationConfig> = {}, deps: GitHubForgeDeps = {}): GitHubForge {
  const f = createGitHubForge({ id: 'ghe', type: 'github', url: gh.url, token: TOKEN, ...extra } as GitHubIntegrationConfig, {
    ...deps,
    http: { perPage: 10, backoffBaseMs: 1, backoffMaxMs: 5, retries: 2, maxRateLimitWaitMs: 5000, sleep: async () => undefined, ...deps.http },
  });
  t.teardown(() => f.close());
  return f;
}

/** acme: an owner, 25 members, nested teams, private/internal/public/archived repositories. */
async function seed(gh: FakeGhes): Promise<void> {
  const s = gh.state;
  s.addUser('owner1', { name: 'Olga Owner', email: 'olga@example.test' });
  s.addToken(TOKEN, 'owner1');
  s.addOrg('acme', { defaultRepositoryPermission: 'read' });
  s.addOrgMember('acme', 'owner1', 'admin');
  for (let i = 1; i <= 25; i++) {
    s.addUser(`dev${i}`);
    s.addOrgMember('acme', `dev${i}`, 'member');
  }
  s.addCustomRole('acme', 'php-reader', 'pull');
  s.addTeam('acme', { slug: 'platform', name: 'Platform' });
  s.addTeam('acme', { slug: 'platform-php', name: 'Platform PHP', parent: 'platform' });
  s.addTeam('acme', { slug: 'docs', name: 'Docs' });
  s.addTeamMember('acme', 'platform', 'dev1', 'maintainer');
  s.addTeamMember('acme', 'platform', 'dev2');
  s.addTeamMember('acme', 'platform-php', 'dev2');
  s.addTeamMember('acme', 'platform-php', 'dev3');
  for (let i = 10; i <= 22; i++) s.addTeamMember('acme', 'docs', `dev${i}`);
  await s.addRepo('acme', 'lib', { visibility: 'private', files: { 'composer.json': '{"name":"acme/lib"}\n' } });
  await s.addRepo('acme', 'internal-lib', { visibility: 'internal', defaultBranch: 'trunk', files: { 'composer.json': '{"name":"acme/internal-lib"}\n' } });
  await s.addRepo('acme', 'old', { visibility: 'private', archived: true });
  await s.addRepo('acme', 'site', { visibility: 'public' });
  s.grantTeam('acme', 'platform', 'lib', 'push');
  s.grantTeam('acme', 'platform-php', 'internal-lib', 'php-reader');
  s.grantTeam('acme', 'docs', 'site', 'triage');
  s.addCollaborator('acme', 'lib', 'dev5', 'push');
  s.addCollaborator('acme', 'lib', 'dev6', 'php-reader');
}

async function rejects(t: Test, p: Promise<unknown>, kind: string): Promise<ForgeError> {
  try {
    await p;
  } catch (e) {
    t.type(e, ForgeError);
    t.equal((e as ForgeError).kind, kind, `ForgeError ${kind}: ${(e as Error).message}`);
    return e as ForgeError;
  }
  t.fail(`expected ForgeError ${kind}`);
  throw new Error('unreachable');
}

t.test('snapshot: org, owners, members over several pages, nested teams, grants, repositories', async (t) => {
  const gh = await fake(t);
  await seed(gh);
  const forge = forgeFor(t, gh);
  const snap = await forge.snapshot('acme');
  const s = gh.state;
  const idOf = (login: string) => String(s.user(login).id);
  const teamId = (slug: string) => String(s.team('acme', slug).id);
  const repoId = (name: string) => String(s.repo('acme', name).id);

  t.same(snap.org, { id: String(s.org('acme').id), login: 'acme' });
  const loginOf = new Map(snap.users.map((u) => [u.id, u.login]));
  t.equal(snap.members.length, 26, 'every member once (3 pages of 10)');
  t.same(
    snap.members.filter((m) => m.role === 'owner').map((m) => loginOf.get(m.userId)),
    ['owner1'],
  );
  t.equal(new Set(snap.members.map((m) => m.userId)).size, 26);
  t.ok(snap.members.every((m) => loginOf.has(m.userId)), 'every member is a user of the snapshot');
  t.ok(gh.requests.some((r) => r.path === '/api/v3/orgs/acme/members' && /page=3/.test(r.query)), 'the third page was read');

  t.same(
    snap.teams.map((x) => [x.slug, x.parentId]).sort(),
    [
      ['docs', null],
      ['platform', null],
      ['platform-php', teamId('platform')],
    ],
  );
  const members = (slug: string) => (snap.teamMembers.get(teamId(slug)) ?? []).map((m) => [s.users.get(Number(m.userId))?.login, m.role]).sort();
  t.same(members('platform'), [
    ['dev1', 'maintainer'],
    ['dev2', 'member'],
    ['dev3', 'member'],
  ], 'the parent lists child-team members, dev2 once');
  t.same(members('platform-php'), [
    ['dev2', 'member'],
    ['dev3', 'member'],
  ]);
  t.equal(members('docs').length, 13, 'team members over two pages');

  const teamGrants = (team: string) =>
    snap.grants.filter((g) => g.subject.kind === 'team' && g.subject.teamId === team).map((g) => ({ repoId: g.repoId, read: g.read, label: g.label }));
  t.same(teamGrants(teamId('platform')), [{ repoId: repoId('lib'), read: true, label: 'push' }]);
  t.same(teamGrants(teamId('platform-php')), [{ repoId: repoId('internal-lib'), read: true, label: 'php-reader' }], 'custom role kept by name');
  t.same(teamGrants(teamId('docs')), [{ repoId: repoId('site'), read: true, label: 'triage' }]);
  // The org's base permission (read: pull) and internal/public visibility are grants to every member.
  const membersGrants = Object.fromEntries(snap.grants.filter((g) => g.subject.kind === 'members').map((g) => [g.repoId, [g.read, g.label]]));
  t.same(membersGrants, {
    [repoId('lib')]: [true, 'org default (pull)'],
    [repoId('old')]: [true, 'org default (pull)'],
    [repoId('internal-lib')]: [true, 'internal'],
    [repoId('site')]: [true, 'public'],
  });
  t.equal(snap.grants.filter((g) => g.subject.kind === 'user').length, 0, 'no user grants in a GitHub snapshot');

  const repos = new Map(snap.repositories.map((r) => [r.name, r]));
  t.same([...repos.keys()].sort(), ['internal-lib', 'lib', 'old', 'site']);
  t.match(repos.get('internal-lib'), { visibility: 'internal', defaultBranch: 'trunk', archived: false, fullName: 'acme/internal-lib' });
  t.match(repos.get('old'), { archived: true, visibility: 'private' });
  t.match(repos.get('site'), { visibility: 'public' });
  const lib = repos.get('lib') as ForgeRepository;
  t.equal(lib.cloneUrl, `${gh.url}/acme/lib.git`);
  t.match(lib.pushedAt, /^\d{4}-\d\d-\d\dT/);
  t.ok(gh.requests.every((r) => r.token === TOKEN), 'every request authenticated');
});

t.test('collaborators, composerJson (raw and missing), repository by id', async (t) => {
  const gh = await fake(t);
  await seed(gh);
  const forge = forgeFor(t, gh);
  const snap = await forge.snapshot('acme');
  const byName = (n: string) => snap.repositories.find((r) => r.name === n) as ForgeRepository;
  const collabs = await forge.directReaders('acme', byName('lib'));
  t.same(
    collabs.map((c) => [c.user.login, c.read, c.label]).sort(),
    [
      ['dev5', true, 'push'],
      ['dev6', true, 'pull'],
    ],
    'the listing gives effective roles: dev6 reads through the custom role and the org base permission',
  );
  t.ok(gh.requests.some((r) => r.path.endsWith('/collaborators') && /affiliation=direct/.test(r.query)));

  t.equal((await forge.composerJson(byName('lib')))?.toString(), '{"name":"acme/lib"}\n', 'raw bytes');
  t.equal((await forge.composerJson(byName('internal-lib')))?.toString(), '{"name":"acme/internal-lib"}\n', 'at the default branch');
  t.equal(await forge.composerJson(byName('site')), null, 'no composer.json: null');

  const one = await forge.repository('acme', byName('lib').id, 'acme/lib');
  t.same(one, byName('lib'));
  t.equal(await forge.repository('acme', '999999', 'acme/gone'), null);
  t.same(await forge.codeCredential('acme'), { username: 'x-access-token', password: TOKEN });
});

t.test('a 500 on page 2 makes the snapshot throw, never return partial data', async (t) => {
  const gh = await fake(t);
  await seed(gh);
  const forge = forgeFor(t, gh);
  gh.fault({ path: /\/orgs\/acme\/members$/, page: 2, status: 500, times: Infinity });
  const e = await rejects(t, forge.snapshot('acme'), 'unavailable');
  t.match(e.message, /forge ghe/);
  t.notMatch(e.message, TOKEN);
  gh.clearFaults();
  gh.fault({ path: /\/orgs\/acme\/teams\/docs\/members$/, page: 2, status: 502, times: 1 });
  t.equal((await forge.snapshot('acme')).members.length, 26, 'a single 5xx is retried');
});

t.test('errors: bad token, unknown org, secondary rate limit, cross-origin next link', async (t) => {
  const gh = await fake(t);
  await seed(gh);
  await rejects(t, forgeFor(t, gh, { token: 'wrong' }).snapshot('acme'), 'unauthorized');
  await rejects(t, forgeFor(t, gh).snapshot('nope'), 'not-found');

  const waits: number[] = [];
  const f = forgeFor(t, gh, {}, { http: { sleep: async (ms) => void waits.push(ms), maxRateLimitWaitMs: 5000 } });
  gh.fault(secondaryRateLimit(/\/orgs\/acme$/, 2));
  t.equal((await f.snapshot('acme')).org.login, 'acme');
  t.ok(waits.includes(2000), 'Retry-After honoured');
  gh.fault(secondaryRateLimit(/\/orgs\/acme$/, 120));
  await rejects(t, f.snapshot('acme'), 'rate-limited');

  const bad = await startFakeGhes({ linkHost: 'github.corp.example' });
  t.teardown(() => bad.close());
  await seed(bad);
  await rejects(t, forgeFor(t, bad).snapshot('acme'), 'incomplete');
});

t.test('primary rate limit: the reset is too far away, so the snapshot stops with rate-limited', async (t) => {
  const gh = await startFakeGhes({ rateLimit: { limit: 4 } });
  t.teardown(() => gh.close());
  await seed(gh);
  const remaining: number[] = [];
  const forge = forgeFor(t, gh, {}, { metrics: { request: () => undefined, rateLimitRemaining: (_i, r) => remaining.push(r) } });
  const e = await rejects(t, forge.snapshot('acme'), 'rate-limited');
  t.match(e.message, /forge ghe: rate limited/);
  t.ok(remaining.includes(0), 'the remaining quota reached the metrics hook');
  t.ok(gh.requests.filter((r) => r.status === 403).length <= 8, 'no hammering while limited');
});

t.test('GitHub App: JWT -> installation -> installation token, cached, refreshed before expiry', async (t) => {
  const gh = await fake(t);
  await seed(gh);
  const { privateKeyPem } = gh.state.addApp({ appId: 4242 });
  const installationId = gh.state.installApp(4242, 'acme');
  const lines: string[] = [];
  const log = createLogger('trace', new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
  const forge = forgeFor(t, gh, { token: undefined, app: { app_id: '4242', private_key: privateKeyPem } } as Partial<GitHubIntegrationConfig>, { log });

  const snap = await forge.snapshot('acme');
  t.equal(snap.members.length, 26);
  const cred = await forge.codeCredential('acme');
  t.equal(cred.username, 'x-access-token');
  t.match(cred.password, /^ghs_/);
  t.equal(gh.requests.filter((r) => r.path === '/api/v3/orgs/acme/installation').length, 1, 'installation looked up once');
  t.equal(gh.requests.filter((r) => r.path.endsWith('/access_tokens')).length, 1, 'one token for the whole snapshot');
  t.ok(gh.requests.filter((r) => r.path.startsWith('/api/v3/orgs/acme/') && !r.path.endsWith('/installation')).every((r) => r.token === cred.password));

  const logged = lines.join('');
  t.ok(logged.includes('forge request'), 'requests are logged');
  t.notOk(logged.includes(cred.password), 'the installation token is not logged');
  t.notOk(/eyJ[\w-]+\.eyJ/.test(logged), 'no JWT is logged');
  t.notOk(logged.includes('PRIVATE KEY'), 'the private key is not logged');

  // A configured installation id skips the lookup; tokens living less than the 5-minute
  // margin are renewed on every use, long-lived ones are reused.
  const fixed = forgeFor(t, gh, { token: undefined, app: { app_id: 4242, private_key: privateKeyPem, installation_id: installationId } } as Partial<GitHubIntegrationConfig>);
  const lookups = gh.requests.filter((r) => r.path.endsWith('/installation')).length;
  const issued = () => gh.requests.filter((r) => r.path.endsWith('/access_tokens')).length;
  gh.state.installationTokenTtlSeconds = 200;
  const a = await fixed.codeCredential('acme');
  const b = await fixed.codeCredential('acme');
  t.not(b.password, a.password, 'refreshed when within 5 minutes of expires_at');
  t.not(a.password, cred.password);
  gh.state.installationTokenTtlSeconds = 3600;
  const c = await fixed.codeCredential('acme');
  const n = issued();
  const d = await fixed.codeCredential('acme');
  t.equal(d.password, c.password, 'a fresh token is reused');
  t.equal(issued(), n);
  t.equal(gh.requests.filter((r) => r.path.endsWith('/installation')).length, lookups, 'no installation lookup with installation_id');

  // Org hooks need an owner's token (or an App with the organization hooks permission, which the
  // fake does not model): the refusal is a forbidden ForgeError naming the integration.
  // The capability reports it in the hook's state instead of throwing.
  const refused = await forge.webhooks.ensureWebhooks('acme', [], 'https://packyard.example/hooks/ghe', 's');
  t.match(refused, { scope: 'source', hooks: [{ scope: 'source', target: 'acme', hookId: null, outcome: 'failed' }] });
  t.match(refused.hooks[0]?.detail, /forge ghe: forbidden .*orgs\/acme\/hooks.*\(forbidden\)/);

  // Not installed on the org: not-found.
  gh.state.addOrg('other');
  await rejects(t, forge.snapshot('other'), 'not-found');
});

interface Received extends HookRequest {
  headers: http.IncomingHttpHeaders;
}

async function receiver(t: Test): Promise<{ url: string; got: Received[] }> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/ghe`, got };
}

t.test('ensureWebhooks: one org hook; create, then no-op, then repair', async (t) => {
  const gh = await fake(t);
  await seed(gh);
  const forge = forgeFor(t, gh);
  const { url, got } = await receiver(t);
  const secret = 'hook-secret-1';

  const ensure = async (s: string, opts?: { secretChanged?: boolean }) => {
    const r = await forge.webhooks.ensureWebhooks('acme', [], url, s, opts);
    t.equal(r.scope, 'source');
    t.equal(r.hooks.length, 1);
    return r.hooks[0]!;
  };
  const first = await ensure(secret);
  t.match(first, { scope: 'source', target: 'acme', outcome: 'created' });
  const hook = gh.state.hooks.get(Number(first.hookId));
  t.ok(hook);
  t.same([...(hook?.events ?? [])].sort(), [...HOOK_EVENTS].sort());
  t.match(hook?.config, { url, content_type: 'json', insecure_ssl: '0', secret });
  t.equal(hook?.active, true);

  t.same(await ensure(secret), { scope: 'source', target: 'acme', hookId: first.hookId, outcome: 'ok' }, 'nothing to do');
  t.equal(gh.requests.filter((r) => r.method !== 'GET').length, 1, 'only the creation wrote');

  if (hook) hook.active = false;
  t.same(await ensure(secret), { scope: 'source', target: 'acme', hookId: first.hookId, outcome: 'repaired' }, 'inactive: repaired');
  t.equal(hook?.active, true);
  if (hook) hook.events = ['push'];
  t.match(await ensure(secret), { outcome: 'repaired' }, 'events differ: repaired');
  t.same([...(hook?.events ?? [])].sort(), [...HOOK_EVENTS].sort());
  t.match(await ensure('hook-secret-2', { secretChanged: true }), { outcome: 'repaired' }, 'new secret sent');
  t.equal(hook?.config.secret, 'hook-secret-2');
  t.equal(gh.state.hooks.size, 1, 'never a second hook for the same URL');

  // The ping the fake sends after creation verifies with the secret of that time.
  await gh.idle();
  const ping = got.find((g) => g.headers['x-github-event'] === 'ping');
  t.ok(ping, 'a ping arrived');
  if (ping) t.match(forge.verifyHook(ping, secret), { ok: true, event: 'ping', hook: { kind: 'ping' } });
});

t.test('verifyHook on deliveries from the fake: every event, bad and missing signatures', async (t) => {
  const gh = await fake(t);
  await seed(gh);
  const forge = forgeFor(t, gh);
  const { url, got } = await receiver(t);
  const secret = 'deliveries-secret';
  await forge.webhooks.ensureWebhooks('acme', [], url, secret);
  await gh.idle();
  got.length = 0;

  // Payloads built by the fake from its state, shaped as GHES 3.19's x-webhooks schemas.
  const s = gh.state;
  const P = gh.payloads;
  const lib = s.repo('acme', 'lib');
  const libRef = { id: String(lib.id), fullName: 'acme/lib' };
  const before = (await s.gitOut(lib, ['rev-parse', 'refs/heads/main'])).trim();
  const after = await s.commit('acme', 'lib', { 'composer.json': '{"name":"acme/lib","description":"x"}\n' }, { tag: 'v1.0.0' });
  const dev3 = String(s.user('dev3').id);
  const platform = String(s.team('acme', 'platform').id);
  const cases: [string, object, object][] = [
    [
      'push',
      await P.push('acme', 'lib', { ref: 'refs/heads/main', before, after }),
      { kind: 'push', ref: 'refs/heads/main', deleted: false, repo: { id: libRef.id, fullName: 'acme/lib', visibility: 'private', defaultBranch: 'main', archived: false, pushedAt: /^\d{4}-/ } },
    ],
    ['push', await P.push('acme', 'lib', { ref: 'refs/tags/v1.0.0', before: ZERO_SHA, after }), { kind: 'push', ref: 'refs/tags/v1.0.0', deleted: false }],
    ['push', await P.push('acme', 'lib', { ref: 'refs/tags/v0.9', before: after, after: ZERO_SHA }), { kind: 'push', ref: 'refs/tags/v0.9', deleted: true }],
    ['create', P.ref('create', 'acme', 'lib', 'v1.0.0', 'tag'), { kind: 'ref-created', refType: 'tag', ref: 'v1.0.0', repo: libRef }],
    ['delete', P.ref('delete', 'acme', 'lib', 'feature', 'branch'), { kind: 'ref-deleted', refType: 'branch', ref: 'feature', repo: libRef }],
    ['release', P.releasePublished('acme', 'lib', 'v1.0.0'), { kind: 'release', action: 'published', repo: libRef }],
    ['repository', P.repository('archived', 'acme', 'lib'), { kind: 'repository', action: 'archived', repo: { id: libRef.id } }],
    ['repository', P.repository('renamed', 'acme', 'lib', { from: 'library' }), { kind: 'repository', action: 'renamed', repo: { id: libRef.id } }],
    ['repository', P.repository('privatized', 'acme', 'lib'), { kind: 'repository', action: 'other' }],
    ['team', P.team('added_to_repository', 'acme', 'platform', { repo: 'lib' }), { kind: 'team', action: 'added_to_repository', teamId: platform }],
    ['team', P.team('edited', 'acme', 'platform'), { kind: 'team', action: 'edited', teamId: platform }],
    ['membership', P.membership('added', 'acme', 'platform', 'dev3'), { kind: 'membership', action: 'added', teamId: platform, userId: dev3 }],
    ['member', P.memberAdded('acme', 'lib', 'dev3', 'push'), { kind: 'member', action: 'added', repo: libRef, userId: dev3 }],
    ['organization', P.organization('member_removed', 'acme', 'dev3'), { kind: 'organization', action: 'member_removed', userId: dev3 }],
  ];
  const repo = P.ref('create', 'acme', 'lib', 'x', 'tag').repository;
  for (const [event, payload] of cases) await gh.deliver('acme', event, payload);
  t.equal(got.length, cases.length, 'every delivery arrived');
  cases.forEach(([event, , hook], i) => {
    const d = got[i] as Received;
    const v = forge.verifyHook(d, secret);
    t.match(v, { ok: true, event, deliveryId: d.headers['x-github-delivery'], hook }, event);
  });

  got.length = 0;
  await gh.deliver('acme', 'push', { ref: 'refs/heads/main', repository: repo }, { badSignature: true });
  t.same(forge.verifyHook(got[0] as Received, secret), {
    ok: false, status: 401, reason: 'bad signature', deliveryId: (got[0] as Received).headers['x-github-delivery'], event: 'push',
  }, 'refused, with the delivery id and event it claimed (for the delivery log)');
  t.match(forge.verifyHook(got[0] as Received, 'another-secret'), { ok: false, status: 401 });
  const unsigned = { ...(got[0] as Received), headers: { ...(got[0] as Received).headers } };
  delete unsigned.headers['x-hub-signature-256'];
  t.match(forge.verifyHook(unsigned, secret), { ok: false, status: 401, reason: /missing/ });
});

t.test('ETags: a second snapshot is answered with 304s and gives the same data', async (t) => {
  const gh = await fake(t);
  await seed(gh);
  const forge = forgeFor(t, gh);
  const a = await forge.snapshot('acme');
  const n = gh.requests.length;
  const b = await forge.snapshot('acme');
  const second = gh.requests.slice(n);
  t.ok(second.length > 0 && second.every((r) => r.status === 304), 'every request of the second snapshot was a 304');
  t.same(b, a);
});
