import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { isAppError } from '../../../src/domain/errors.js';

function write(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pky-config-'));
  const file = join(dir, 'packyard.yaml');
  writeFileSync(file, text);
  return file;
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (isAppError(e) && e.code === 'CONFIG_INVALID') {
      return ((e.details.problems ?? []) as { path: string; message: string }[]).map((p) => `${p.path}: ${p.message}`);
    }
    throw e;
  }
  throw new Error('expected CONFIG_INVALID');
}

t.test('no file: the embedded defaults', async (t) => {
  const c = loadConfig({ env: {} });
  t.equal(c.server.listen, '127.0.0.1:8080');
  t.equal(c.server.public_url, 'http://127.0.0.1:8080');
  t.equal(c.data_dir, resolve('./data'));
  t.equal(c.secret_key, undefined);
  t.same(c.integrations, []);
  t.equal(c.vcs.allow_local_paths, false);
  t.same(c.vcs.allowed_protocols, ['https', 'http', 'ssh', 'git', 'svn']);
  t.ok(Object.isFrozen(c) && Object.isFrozen(c.server), 'deep-frozen');
});

t.test('config.example.yaml documents every key and loads', async (t) => {
  const c = loadConfig({
    file: resolve('config.example.yaml'),
    env: { PACKYARD_SECRET_KEY: 'x'.repeat(32), GHE_TOKEN: 't', GHE_OAUTH_SECRET: 's', GHE_WEBHOOK_SECRET: 'w', GITHUB_APP_PRIVATE_KEY: 'pem', GITLAB_TOKEN: 'glpat', BBS_TOKEN: 'bbs', BBC_API_TOKEN: 'bbc' },
  });
  t.equal(c.organizations[0]?.sync?.schedule, '*/15 * * * *');
  t.equal(c.integrations[0]?.token, 't');
  const app = c.integrations[1];
  t.equal(app?.type === 'github' ? app.app?.private_key : undefined, 'pem');
  // Every key of the schema appears in the example (so the example cannot fall behind).
  const text = (await import('node:fs')).readFileSync('config.example.yaml', 'utf8');
  const { Config } = await import('../../../src/config/schema.js');
  const keys = new Set<string>();
  const walk = (s: unknown) => {
    const o = s as { properties?: Record<string, unknown>; items?: unknown; anyOf?: unknown[] };
    for (const [k, v] of Object.entries(o.properties ?? {})) {
      keys.add(k);
      walk(v);
    }
    if (o.items) walk(o.items);
    for (const branch of o.anyOf ?? []) walk(branch); // the integrations' union on type
  };
  walk(Config);
  for (const k of keys) t.match(text, new RegExp(`^\\s*(- )?${k}:`, 'm'), `example documents ${k}`);
});

t.test('environment expansion: ${VAR}, ${VAR:-default}, VAR_FILE, $$', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pky-secret-'));
  writeFileSync(join(dir, 'key'), 'from-file-secret-0123456789\n');
  const file = write(`server:\n  listen: "\${HOST:-127.0.0.1}:\${PORT}"\n  public_url: "https://pk.example/$$x"\nsecret_key: "\${KEY}"\n`);
  const c = loadConfig({ file, env: { PORT: '9000', KEY_FILE: join(dir, 'key') } });
  t.equal(c.server.listen, '127.0.0.1:9000');
  t.equal(c.secret_key, 'from-file-secret-0123456789');
  t.equal(c.server.public_url, 'https://pk.example/$x');
});

t.test('an unset variable names the key path', async (t) => {
  const file = write(`integrations:\n  - id: ghe\n    type: github\n    url: https://ghe.example\n    token: "\${GHE_TOKEN}"\n`);
  t.same(problems(() => loadConfig({ file, env: {} })), [
    'integrations[0].token: environment variable GHE_TOKEN is not set (nor GHE_TOKEN_FILE); use ${GHE_TOKEN:-default} for a default',
  ]);
});

t.test('every unknown key, wrong type and missing value is listed with its path', async (t) => {
  const file = write(
    [
      'server:',
      '  listen: 8080',
      '  colour: blue',
      'log_level: loud',
      'vcs:',
      '  allowed_protocols: [https, ftp]',
      'integrations:',
      '  - id: ghe',
      '    url: https://ghe.example',
      'organizations:',
      '  - name: Acme',
      '    sync: { integration: ghe, source: acme, schedule: "*/15 * * * *", extra: 1 }',
      'surprise: true',
    ].join('\n'),
  );
  const got = problems(() => loadConfig({ file, env: {} }));
  t.same(got.sort(), [
    'integrations[0].token: integration "ghe" needs a credential (token, or app where its type takes one): organization "Acme" syncs from it (organizations[0].sync.integration)',
    'integrations[0].type: required key is missing',
    'log_level: must be one of: fatal, error, warn, info, debug, trace, silent',
    'organizations[0].name: organization name "Acme" must be 1 to 39 lowercase letters, digits or dashes, starting with a letter or digit',
    'organizations[0].sync.extra: unknown key',
    'server.colour: unknown key',
    'server.listen: must be string',
    'surprise: unknown key',
    'vcs.allowed_protocols[1]: must be one of: https, http, ssh, git, svn',
  ].sort());
});

t.test('semantic checks: reserved names, unknown integration, bad cron, listen form', async (t) => {
  const file = write(
    [
      'server: { listen: "nowhere" }',
      'integrations:',
      '  - { id: generic, type: github, url: "https://a.example" }',
      'organizations:',
      '  - { name: api }',
      '  - name: acme',
      '    sync: { integration: gl, source: acme, schedule: "every day" }',
    ].join('\n'),
  );
  const got = problems(() => loadConfig({ file, env: {} }));
  t.same(got.sort(), [
    'integrations[0].id: "generic" is reserved for the generic hook URL',
    'organizations[0].name: organization name "api" is reserved (api, hooks, login, logout, oauth, static, healthz, readyz, metrics, admin, settings, profile)',
    'organizations[1].sync.integration: no integration with id "gl" is configured',
    'organizations[1].sync.schedule: "every day" is not a valid cron expression',
    'server.listen: must be HOST:PORT, e.g. 0.0.0.0:8080 (got "nowhere")',
  ].sort());
});

t.test('hooks.sns_host_pattern: the AWS default, an override, and a bad regular expression stops start-up with its path', async (t) => {
  const def = new RegExp(loadConfig({ env: {} }).hooks.sns_host_pattern);
  t.ok(def.test('sns.us-east-1.amazonaws.com') && def.test('sns.cn-north-1.amazonaws.com.cn'));
  t.notOk(def.test('sns.us-east-1.amazonaws.com.evil.test'));
  t.equal(loadConfig({ file: write('hooks:\n  sns_host_pattern: "^sns\\\\.example\\\\.test$"\n'), env: {} }).hooks.sns_host_pattern, '^sns\\.example\\.test$');
  const [problem, ...rest] = problems(() => loadConfig({ file: write('hooks:\n  sns_host_pattern: "^sns\\\\.(unclosed$"\n'), env: {} }));
  t.match(problem, /^hooks\.sns_host_pattern: is not a valid regular expression: /);
  t.same(rest, []);
  t.same(problems(() => loadConfig({ file: write('hooks:\n  sns_host_pattern: ""\n'), env: {} })).map((p) => p.split(':')[0]), ['hooks.sns_host_pattern']);
});

t.test('vcs.denied_networks: an invalid CIDR stops start-up with its key path; an empty list is allowed', async (t) => {
  const bad = write('vcs:\n  denied_networks: [10.0.0.0/8, "10.0.0.0/33", intranet]\n');
  t.same(problems(() => loadConfig({ file: bad, env: {} })), [
    'vcs.denied_networks[1]: "10.0.0.0/33" is not a CIDR network (e.g. 10.0.0.0/8 or fd00::/8)',
    'vcs.denied_networks[2]: "intranet" is not a CIDR network (e.g. 10.0.0.0/8 or fd00::/8)',
  ]);
  t.same(loadConfig({ file: write('vcs:\n  denied_networks: []\n'), env: {} }).vcs.denied_networks, []);
  t.ok(loadConfig({ env: {} }).vcs.denied_networks.includes('169.254.0.0/16'), 'the default denies the metadata address');
});

t.test('messages carry line numbers and YAML syntax errors are reported', async (t) => {
  const file = write('server:\n  listen: "0.0.0.0:80"\n  nope: 1\n');
  try {
    loadConfig({ file, env: {} });
    t.fail('expected error');
  } catch (e) {
    t.match((e as Error).message, /server\.nope \(line 3\): unknown key/);
  }
  const bad = write('server:\n  listen: [\n');
  t.throws(() => loadConfig({ file: bad, env: {} }), { code: 'CONFIG_INVALID' });
  t.throws(() => loadConfig({ file: '/nonexistent/packyard.yaml', env: {} }), { code: 'CONFIG_INVALID', message: /cannot read config file/ });
});

t.test('a synced organization needs an integration with token or app; app keys are checked', async (t) => {
  const file = write(
    [
      'integrations:',
      '  - { id: bare, type: github, url: "https://ghe.example" }',
      '  - id: both',
      '    type: github',
      '    url: "https://ghe.example"',
      '    token: t',
      '    app: { app_id: 12, private_key: pem }',
      '  - id: app',
      '    type: github',
      '    url: "https://github.com"',
      '    app: { app_id: "12a", private_key: "${KEY}", installation_id: 5 }',
      'organizations:',
      '  - { name: a, sync: { integration: bare, source: a } }',
      '  - { name: b, sync: { integration: app, source: b } }',
    ].join('\n'),
  );
  const got = problems(() => loadConfig({ file, env: { KEY: 'pem' } }));
  t.same(got.sort(), [
    'integrations[0].token: integration "bare" needs a credential (token, or app where its type takes one): organization "a" syncs from it (organizations[0].sync.integration)',
    'integrations[1].app: set either token or app, not both',
    'integrations[2].app.app_id: must be integer',
  ].sort());
  const ok = write(
    ['integrations:', '  - id: app', '    type: github', '    url: "https://github.com"', '    app: { app_id: "12", private_key: "${KEY}" }', 'organizations:', '  - { name: b, sync: { integration: app, source: b } }'].join('\n'),
  );
  const c = loadConfig({ file: ok, env: { KEY: 'pem' } });
  const i0 = c.integrations[0];
  t.equal(i0?.type === 'github' ? i0.app?.app_id : undefined, '12');
});

t.test('integrations are checked per type: unsupported types and keys a type does not use name their path', async (t) => {
  const file = write(
    [
      'integrations:',
      '  - { id: gl, type: gitlab, url: "https://git.example/gitlab", token: t, app: { app_id: 1, private_key: pem } }',
      '  - { id: bbs, type: bitbucket-server, url: "https://bb.example/bitbucket", nope: 1 }',
      '  - { id: bbc, type: bitbucket-cloud, url: "https://bitbucket.org", app: 1 }',
      '  - { id: x, type: gitea, url: "https://gitea.example" }',
      '  - { id: y, url: "https://y.example" }',
      '  - { id: gl2, type: gitlab, url: "ftp://nope", api_concurrency: 0, ca_file: "" }',
      '  - { id: gh, type: github, url: "https://ghe.example", nope: 1 }',
    ].join('\n'),
  );
  const got = problems(() => loadConfig({ file, env: {} }));
  t.same(got.sort(), [
    'integrations[0].app: not a key of type gitlab',
    'integrations[1].nope: not a key of type bitbucket-server',
    'integrations[2].app: not a key of type bitbucket-cloud',
    'integrations[3].type: must be one of: github, gitlab, bitbucket-server, bitbucket-cloud',
    'integrations[4].type: required key is missing',
    'integrations[5].api_concurrency: must be >= 1',
    'integrations[5].ca_file: must not have fewer than 1 characters',
    'integrations[5].url: must match pattern "^https?://"',
    'integrations[6].nope: not a key of type github',
  ].sort());
  const e = (() => {
    try {
      loadConfig({ file, env: {} });
    } catch (err) {
      return err as Error;
    }
    return null;
  })();
  t.match(e?.message, /integrations\[0\]\.app \(line 2\): not a key of type gitlab/, 'the message names the path and the line');
});

t.test('a bitbucket-cloud integration: url defaults to bitbucket.org; the OAuth consumer may be its credential', async (t) => {
  const file = write(
    [
      'integrations:',
      '  - { id: bbc, type: bitbucket-cloud, username: "svc@acme.example", token: t }',
      '  - { id: cc, type: bitbucket-cloud, oauth: { client_id: k, client_secret: s }, oauth_client_credentials: true }',
      '  - { id: self, type: bitbucket-cloud, url: "https://bb.test.example", token: t }',
      'organizations:',
      '  - { name: acme, sync: { integration: cc, source: acme } }',
    ].join('\n'),
  );
  const c = loadConfig({ file, env: {} });
  t.same(c.integrations.map((i) => i.url), ['https://bitbucket.org', 'https://bitbucket.org', 'https://bb.test.example']);
  const cc = c.integrations[1];
  t.equal(cc?.type === 'bitbucket-cloud' ? cc.oauth_client_credentials : undefined, true);
  const bare = write(['integrations:', '  - { id: cc, type: bitbucket-cloud }', 'organizations:', '  - { name: acme, sync: { integration: cc, source: acme } }'].join('\n'));
  t.match(problems(() => loadConfig({ file: bare, env: {} })), [/integrations\[0\]\.token: integration "cc" needs a credential/]);
});

t.test('a gitlab integration loads with its keys', async (t) => {
  const file = write(
    [
      'integrations:',
      '  - id: gl',
      '    type: gitlab',
      '    url: "https://git.example/gitlab"',
      '    token: "${GL_TOKEN}"',
      '    oauth: { client_id: c, client_secret: s }',
      '    webhook_secret: w',
      '    api_concurrency: 4',
      'organizations:',
      '  - { name: acme, sync: { integration: gl, source: acme/platform } }',
    ].join('\n'),
  );
  const c = loadConfig({ file, env: { GL_TOKEN: 'glpat-x' } });
  const gl = c.integrations[0];
  t.equal(gl?.type, 'gitlab');
  t.equal(gl?.token, 'glpat-x');
  t.equal(gl?.url, 'https://git.example/gitlab');
});
