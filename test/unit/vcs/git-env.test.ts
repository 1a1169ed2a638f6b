// What a git subprocess gets: a minimal environment, credentials only in variables (never in
// argv), strict ssh options; and how git's failures become errors without secrets.
import t from 'tap';
import { readdir, readFile, stat } from 'node:fs/promises';
import { describeCredential, prepareGitInvocation, shellQuote } from '../../../src/vcs/git-env.js';
import { gitError } from '../../../src/vcs/git-errors.js';
import { gitHostSpellings } from '../../../src/vcs/credential-hosts.js';
import { spawnSync } from 'node:child_process';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';

const home = await makeTempDir('packyard-git-env-');
t.teardown(() => removeDir(home));

t.test('the environment is minimal and isolated from host config', async (t) => {
  process.env['PACKYARD_TEST_LEAK'] = 'x';
  const inv = await prepareGitInvocation({ transport: 'http', credential: undefined, home, timeoutMs: 5000 });
  t.notOk('PACKYARD_TEST_LEAK' in inv.env);
  t.match(inv.env, {
    HOME: home,
    LANG: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ALLOW_PROTOCOL: 'file:git:http:https:ssh',
  });
  t.same(inv.configArgs.slice(0, 2), ['-c', 'credential.helper='], 'inherited helpers are cleared');
  t.notOk('GIT_SSH_COMMAND' in inv.env);
});

t.test('http-basic and token credentials travel in the environment only', async (t) => {
  const secret = 'hunter2-SECRET';
  const basic = await prepareGitInvocation({
    transport: 'http',
    credential: { type: 'http-basic', username: 'bob', password: secret },
    home,
    timeoutMs: 5000,
    credentialScope: { protocol: 'https', hosts: ['git.example'] },
  });
  t.notOk(basic.configArgs.join(' ').includes(secret), 'not in argv');
  t.match(basic.configArgs.join(' '), /credential\.helper=!f\(\)/);
  t.equal(basic.env['PACKYARD_GIT_USERNAME'], 'bob');
  t.equal(basic.env['PACKYARD_GIT_PASSWORD'], secret);
  const token = await prepareGitInvocation({
    transport: 'http', credential: { type: 'token', token: secret }, home, timeoutMs: 5000, credentialScope: { protocol: 'https', hosts: ['git.example'] },
  });
  t.equal(token.env['PACKYARD_GIT_USERNAME'], 'x-access-token');
  await t.rejects(
    prepareGitInvocation({
      transport: 'http', credential: { type: 'http-basic', username: 'a', password: 'x\ny' }, home, timeoutMs: 1, credentialScope: { protocol: 'https', hosts: ['h'] },
    }),
    { code: 'CREDENTIAL_INVALID' },
  );
  await t.rejects(
    prepareGitInvocation({ transport: 'ssh', credential: { type: 'token', token: 't' }, home, timeoutMs: 1 }),
    { code: 'CREDENTIAL_INVALID' },
  );
  await t.rejects(
    prepareGitInvocation({ transport: 'http', credential: { type: 'ssh-key', privateKey: 'k' }, home, timeoutMs: 1 }),
    { code: 'CREDENTIAL_INVALID' },
  );
});

t.test('the credential helper answers only for the bound protocol and hosts (what git asks after a redirect)', async (t) => {
  const inv = await prepareGitInvocation({
    transport: 'http',
    credential: { type: 'http-basic', username: 'bob', password: 'pw-1234' },
    home,
    timeoutMs: 5000,
    credentialScope: { protocol: 'https', hosts: gitHostSpellings('https', ['git.example', 'mirror.example:8443', '[::1]']) },
  });
  t.equal(inv.env['PACKYARD_GIT_HOSTS'], 'git.example:443 git.example mirror.example:8443 [::1]:443 [::1]');
  t.equal(inv.configArgs[inv.configArgs.indexOf('http.followRedirects=initial') - 1], '-c', 'redirects followed for the first request only');
  const ask = (request: string, action = 'get'): string => {
    const helper = inv.configArgs.find((a) => a.startsWith('credential.helper=!'))?.slice('credential.helper=!'.length) ?? '';
    const r = spawnSync('/bin/sh', ['-c', `${helper} "$@"`, 'helper', action], { input: request, env: inv.env, encoding: 'utf8' });
    return r.stdout;
  };
  t.equal(ask('protocol=https\nhost=git.example\n\n'), 'username=bob\npassword=pw-1234\n');
  t.equal(ask('protocol=https\nhost=GIT.Example:443\npath=x.git\n\n'), 'username=bob\npassword=pw-1234\n', 'case and the default port');
  t.equal(ask('protocol=https\nhost=mirror.example:8443\n\n'), 'username=bob\npassword=pw-1234\n');
  t.equal(ask('protocol=https\nhost=[::1]\n\n'), 'username=bob\npassword=pw-1234\n');
  t.equal(ask('protocol=https\nhost=evil.example\n\n'), '', 'another host: nothing');
  t.equal(ask('protocol=https\nhost=git.example.evil.example\n\n'), '', 'a longer name: nothing');
  t.equal(ask('protocol=https\nhost=mirror.example\n\n'), '', 'another port: nothing');
  t.equal(ask('protocol=https\nhost=git.example:8443\n\n'), '', 'another port: nothing');
  t.equal(ask('protocol=http\nhost=git.example\n\n'), '', 'a downgrade to http: nothing');
  t.equal(ask('protocol=https\n\n'), '', 'no host: nothing');
  t.equal(ask('protocol=https\nhost=git.example\n\n', 'store'), '', 'only get answers');
  await t.rejects(
    prepareGitInvocation({ transport: 'http', credential: { type: 'token', token: 'tok-1234' }, home, timeoutMs: 1 }),
    { code: 'CREDENTIAL_INVALID' },
    'no host list: no credential',
  );
});

t.test('ssh: key and known_hosts in 0600 files, strict host key checking', async (t) => {
  const dir = await makeTempDir("packyard-ssh 'q'-");
  t.teardown(() => removeDir(dir));
  const inv = await prepareGitInvocation({
    transport: 'ssh',
    credential: { type: 'ssh-key', privateKey: 'KEY-MATERIAL', knownHosts: '[h]:22 ssh-ed25519 AAAA' },
    home: dir,
    timeoutMs: 5000,
  });
  const cmd = inv.env['GIT_SSH_COMMAND'] ?? '';
  t.match(cmd, /^ssh -F \/dev\/null -o BatchMode=yes -o StrictHostKeyChecking=yes /);
  t.match(cmd, /IdentitiesOnly=yes/);
  t.notMatch(cmd, /KEY-MATERIAL/);
  t.match(cmd, new RegExp(`-i ${shellQuote(`${dir}/id_key`).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}`), 'paths are shell-quoted');
  t.same((await readdir(dir)).sort(), ['id_key', 'known_hosts']);
  t.equal((await stat(`${dir}/id_key`)).mode & 0o777, 0o600);
  t.equal((await stat(`${dir}/known_hosts`)).mode & 0o777, 0o600);
  t.equal(await readFile(`${dir}/id_key`, 'utf8'), 'KEY-MATERIAL\n');

  const bare = await prepareGitInvocation({ transport: 'ssh', credential: undefined, home, timeoutMs: 5000 });
  t.match(bare.env['GIT_SSH_COMMAND'], /IdentityFile=none/, "never the service account's own keys");
  t.equal(await readFile(`${home}/known_hosts`, 'utf8'), '', 'no pinned keys: an empty known_hosts');
});

t.test('shellQuote survives quotes', async (t) => {
  t.equal(shellQuote("a'b"), `'a'\\''b'`);
});

t.test('git failures map to stable codes without secrets', async (t) => {
  const ctx = { operation: 'fetch', url: 'https://h/x.git', credential: undefined, secrets: ['s3cr3t-value'], timeoutMs: 100 };
  const exited = (stderr: string) => ({ outcome: 'exited' as const, code: 128, signal: null, stdout: Buffer.alloc(0), stderr });
  t.equal(gitError(exited("fatal: Authentication failed for 'https://h/x.git/'"), ctx).code, 'VCS_AUTH_FAILED');
  t.equal(gitError(exited("fatal: could not read Username for 'https://h': terminal prompts disabled"), ctx).code, 'VCS_AUTH_FAILED');
  t.equal(gitError(exited('git@h: Permission denied (publickey).'), ctx).code, 'VCS_AUTH_FAILED');
  t.equal(gitError(exited("remote: Repository not found.\nfatal: repository 'https://h/x.git/' not found"), ctx).code, 'VCS_NOT_FOUND');
  t.equal(gitError(exited('Host key verification failed.'), ctx).code, 'VCS_HOST_KEY');
  t.equal(gitError({ outcome: 'timeout', stdout: Buffer.alloc(0), stderr: '' }, ctx).code, 'VCS_TIMEOUT');
  t.equal(gitError({ outcome: 'spawn-failed', error: new Error('spawn git ENOENT') }, ctx).code, 'VCS_ERROR');
  const other = gitError(exited("warning: x\nfatal: unable to access 'https://u:pw@h/': s3cr3t-value broke\n"), ctx);
  t.equal(other.code, 'VCS_ERROR');
  t.equal(other.message, "The command git fetch failed for https://h/x.git: fatal: unable to access 'https://u@h/': *** broke.");
  t.equal(describeCredential({ type: 'ssh-key', privateKey: 'k' }), 'ssh-key');
});
