// The GitHub forge's pure parts: API URL derivation, the permission vocabulary, the App JWT,
// webhook verification and the mapping of every event to a HookEvent; the registry.
import t from 'tap';
import { generateKeyPairSync, verify } from 'node:crypto';
import { appJwt, atLeast, basePermission, grantOf, githubApiUrl, highestPermission, signBody, createGitHubForge } from '../../../src/forges/github/index.js';
import { createForge } from '../../../src/forges/registry.js';
import { ForgeError, type HookRequest } from '../../../src/forges/types.js';
import type { GitHubIntegrationConfig, IntegrationConfig } from '../../../src/forges/config.js';

const SECRET = 'whsec-0123456789';

function delivery(event: string | undefined, payload: unknown, opts: { secret?: string | null; delivery?: string | null; raw?: string } = {}): HookRequest {
  const body = Buffer.from(opts.raw ?? JSON.stringify(payload));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (event !== undefined) headers['x-github-event'] = event;
  if (opts.delivery !== null) headers['x-github-delivery'] = opts.delivery ?? '72d3162e-cc78-11e3-81ab-4c9367dc0958';
  if (opts.secret !== null) headers['x-hub-signature-256'] = signBody(opts.secret ?? SECRET, body);
  return { headers, body };
}

const forge = createGitHubForge({ id: 'ghe', type: 'github', url: 'https://ghe.example', token: 't' } as GitHubIntegrationConfig);
t.teardown(() => forge.close());

const repo = {
  id: 42,
  name: 'lib',
  full_name: 'acme/lib',
  private: true,
  visibility: 'internal',
  archived: false,
  default_branch: 'main',
  clone_url: 'https://ghe.example/acme/lib.git',
  ssh_url: 'git@ghe.example:acme/lib.git',
  pushed_at: 1_700_000_000,
};

t.test('API URL: api_url, github.com, GHES with or without /api/v3 and trailing slash', async (t) => {
  t.equal(githubApiUrl('https://github.com'), 'https://api.github.com');
  t.equal(githubApiUrl('https://github.com/'), 'https://api.github.com');
  t.equal(githubApiUrl('https://ghe.corp'), 'https://ghe.corp/api/v3');
  t.equal(githubApiUrl('https://ghe.corp/'), 'https://ghe.corp/api/v3');
  t.equal(githubApiUrl('https://ghe.corp/api/v3/'), 'https://ghe.corp/api/v3');
  t.equal(githubApiUrl('https://ghe.corp', 'https://api.ghe.corp/v3/'), 'https://api.ghe.corp/v3');
  t.equal(forge.apiUrl, 'https://ghe.example/api/v3');
});

t.test('permission vocabulary', async (t) => {
  t.ok(atLeast('push', 'triage'));
  t.notOk(atLeast('pull', 'push'));
  t.notOk(atLeast('custom-reader', 'pull'), 'custom roles are not ranked');
  t.equal(highestPermission({ pull: true, triage: true, push: true, maintain: false, admin: false }), 'push');
  t.equal(highestPermission({ pull: false }), null);
  t.same(grantOf('1', { pull: true, push: false }, 'security-reviewer'), { repoId: '1', read: true, roleName: 'security-reviewer' });
  t.same(grantOf('1', { pull: true, triage: true, push: true, maintain: true, admin: false }), { repoId: '1', read: true, roleName: 'maintain' });
  t.same(grantOf('1', { pull: false }, 'no-code'), { repoId: '1', read: false, roleName: 'no-code' });
  t.equal(basePermission('read'), 'pull');
  t.equal(basePermission('write'), 'push');
  t.equal(basePermission('admin'), 'admin');
  t.equal(basePermission('none'), 'none');
  t.equal(basePermission(undefined), null);
});

t.test('App JWT: RS256, iat 60 s in the past, exp within 10 minutes, iss = app id', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.parse('2026-03-01T12:00:00Z');
  const jwt = appJwt('12345', privateKey, now);
  const [h, p, s] = jwt.split('.') as [string, string, string];
  t.same(JSON.parse(Buffer.from(h, 'base64url').toString()), { alg: 'RS256', typ: 'JWT' });
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { iat: number; exp: number; iss: string };
  t.equal(claims.iss, '12345');
  t.equal(claims.iat, now / 1000 - 60);
  t.ok(claims.exp - now / 1000 <= 600 && claims.exp > now / 1000, 'expires within 10 minutes');
  t.ok(verify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url')), 'signature verifies with the public key');
});

t.test('an App private key with literal \\n escapes (from an environment variable) is accepted', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString().trim().replace(/\n/g, '\\n');
  t.notOk(pem.includes('\n'));
  const f = createGitHubForge({ id: 'app', type: 'github', url: 'https://github.com', app: { app_id: 1, private_key: pem } } as GitHubIntegrationConfig);
  t.equal(f.apiUrl, 'https://api.github.com');
  f.close();
});

t.test('a bad App private key is a clear error', async (t) => {
  t.throws(
    () => createGitHubForge({ id: 'app', type: 'github', url: 'https://github.com', app: { app_id: 1, private_key: 'not a pem' } } as GitHubIntegrationConfig),
    { name: 'ForgeError', message: /app\.private_key/ },
  );
});

t.test('verifyHook: signatures', async (t) => {
  const ok = forge.verifyHook(delivery('ping', { zen: 'Keep it simple', hook_id: 1 }), SECRET);
  t.same(ok, { ok: true, deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', event: 'ping', hook: { kind: 'ping' } });
  t.same(forge.verifyHook(delivery('ping', {}, { secret: 'other-secret' }), SECRET), { ok: false, status: 401, reason: 'bad signature', deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', event: 'ping' });
  t.same(forge.verifyHook(delivery('ping', {}, { secret: null }), SECRET), { ok: false, status: 401, reason: 'missing X-Hub-Signature-256', deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', event: 'ping' });
  const truncated = delivery('ping', {});
  truncated.headers['x-hub-signature-256'] = 'sha256=abc';
  t.match(forge.verifyHook(truncated, SECRET), { ok: false, status: 401 }, 'a short signature is rejected (length check)');
  const tampered = delivery('ping', { a: 1 });
  tampered.body = Buffer.from(JSON.stringify({ a: 2 }));
  t.match(forge.verifyHook(tampered, SECRET), { ok: false, status: 401 }, 'the signature covers the exact bytes');
  t.match(forge.verifyHook(delivery('ping', {}), ''), { ok: false, status: 401 }, 'an empty secret never verifies');
});

t.test('verifyHook: malformed deliveries are 400', async (t) => {
  t.match(forge.verifyHook(delivery(undefined, {}), SECRET), { ok: false, status: 400, reason: /X-GitHub-Event/ });
  t.notOk('event' in forge.verifyHook(delivery(undefined, {}), SECRET), 'no event sent, none claimed for the log');
  t.match(forge.verifyHook(delivery('ping', {}, { delivery: null }), SECRET), { ok: false, status: 400, reason: /X-GitHub-Delivery/ });
  t.match(forge.verifyHook(delivery('push', null, { raw: '{"ref": ' }), SECRET), { ok: false, status: 400, reason: /not JSON/ });
  t.match(forge.verifyHook(delivery('push', { ref: 'refs/heads/main' }), SECRET), { ok: false, status: 400, reason: /push payload: repository: required/ });
  t.match(forge.verifyHook(delivery('push', { ref: 'refs/heads/main', repository: { id: 'x', full_name: 'a/b' } }), SECRET), {
    ok: false,
    status: 400,
    reason: /repository\.id/,
  });
  t.match(forge.verifyHook(delivery('create', { ref: 'v1', ref_type: 'repository', repository: repo }), SECRET), { ok: false, status: 400, reason: /ref_type/ });
});

t.test('verifyHook: header names in any case', async (t) => {
  const req = delivery('ping', { zen: 'z' });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())] = String(v);
  t.ok('X-Hub-Signature-256' in headers);
  t.match(forge.verifyHook({ headers, body: req.body }, SECRET), { ok: true, event: 'ping' });
});

t.test('verifyHook: form-encoded deliveries', async (t) => {
  const body = Buffer.from(`payload=${encodeURIComponent(JSON.stringify({ zen: 'z' }))}`);
  const req: HookRequest = {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-github-event': 'ping',
      'x-github-delivery': 'd1',
      'x-hub-signature-256': signBody(SECRET, body),
    },
    body,
  };
  t.match(forge.verifyHook(req, SECRET), { ok: true, hook: { kind: 'ping' } });
});

t.test('verifyHook: every event maps to a HookEvent', async (t) => {
  const ref = { id: '42', fullName: 'acme/lib' };
  const cases: [string, unknown, unknown][] = [
    [
      'push',
      { ref: 'refs/heads/main', deleted: false, repository: repo },
      {
        kind: 'push',
        ref: 'refs/heads/main',
        deleted: false,
        repo: {
          id: '42',
          fullName: 'acme/lib',
          name: 'lib',
          defaultBranch: 'main',
          visibility: 'internal',
          archived: false,
          cloneUrl: 'https://ghe.example/acme/lib.git',
          sshUrl: 'git@ghe.example:acme/lib.git',
          pushedAt: new Date(1_700_000_000_000).toISOString(),
        },
      },
    ],
    ['push', { ref: 'refs/tags/v1.0.0', deleted: true, repository: { id: 42, full_name: 'acme/lib' } }, { kind: 'push', ref: 'refs/tags/v1.0.0', deleted: true, repo: ref }],
    ['create', { ref: 'v1.0.0', ref_type: 'tag', repository: repo }, { kind: 'ref-created', refType: 'tag', ref: 'v1.0.0', repo: ref }],
    ['delete', { ref: 'feature', ref_type: 'branch', repository: repo }, { kind: 'ref-deleted', refType: 'branch', ref: 'feature', repo: ref }],
    ['release', { action: 'published', release: { tag_name: 'v1' }, repository: repo }, { kind: 'release', action: 'published', repo: ref }],
    ['repository', { action: 'renamed', repository: { id: 42, full_name: 'acme/lib' } }, { kind: 'repository', action: 'renamed', repo: ref }],
    ['repository', { action: 'privatized', repository: { id: 42, full_name: 'acme/lib' } }, { kind: 'repository', action: 'other', repo: ref }],
    ['team', { action: 'added_to_repository', team: { id: 7, slug: 'devs' }, repository: repo }, { kind: 'team', action: 'added_to_repository', teamId: '7' }],
    ['team_add', { team: { id: 7, slug: 'devs' }, repository: repo }, { kind: 'team', action: 'added_to_repository', teamId: '7' }],
    ['membership', { action: 'added', scope: 'team', member: { id: 3, login: 'ann' }, team: { id: 7 } }, { kind: 'membership', action: 'added', teamId: '7', userId: '3' }],
    ['membership', { action: 'removed', scope: 'team', member: { id: 3 }, team: { deleted: true, name: 'gone' } }, { kind: 'membership', action: 'removed', teamId: null, userId: '3' }],
    ['member', { action: 'added', member: { id: 3, login: 'ann' }, repository: repo }, { kind: 'member', action: 'added', repo: ref, userId: '3' }],
    ['organization', { action: 'member_added', membership: { user: { id: 3 }, role: 'member' } }, { kind: 'organization', action: 'member_added', userId: '3' }],
    ['organization', { action: 'renamed' }, { kind: 'organization', action: 'renamed', userId: null }],
    ['star', { action: 'created' }, { kind: 'ignored', event: 'star' }],
  ];
  for (const [event, payload, hook] of cases) {
    const got = forge.verifyHook(delivery(event, payload), SECRET);
    t.same(got, { ok: true, deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', event, hook }, `${event} ${JSON.stringify(payload).slice(0, 40)}`);
  }
});

t.test('registry: github, and a clear error for types it does not know', async (t) => {
  const f = createForge({ id: 'ghe', type: 'github', url: 'https://ghe.example', token: 't' } as GitHubIntegrationConfig);
  t.equal(f.type, 'github');
  f.close?.();
  t.throws(() => createForge({ id: 'gt', type: 'gitea', url: 'https://gitea.example', token: 't' } as unknown as IntegrationConfig), {
    message: /forge type "gitea" \(integration gt\) is not supported yet/,
  });
  t.type(new ForgeError('invalid', 'x'), Error);
});

t.test('the forge names itself for people: GitHub, or GitHub Enterprise for a server', async (t) => {
  t.equal(forge.displayName, 'GitHub Enterprise');
  const dotcom = createGitHubForge({ id: 'gh', type: 'github', url: 'https://github.com', token: 't' } as GitHubIntegrationConfig);
  t.teardown(() => dotcom.close());
  t.equal(dotcom.displayName, 'GitHub');
  t.equal(dotcom.oauth, undefined, 'no sign-in capability without an OAuth app');
  t.type(dotcom.webhooks?.ensureWebhooks, 'function', 'webhooks: one org hook (github-capabilities.test.ts)');
});
