// The svn driver over every transport: native svnserve with user/password, HTTP basic through
// Apache mod_dav_svn, svn+ssh with a key and a pinned host key (port in the URL). Each failure
// maps to its code with a message naming the URL and the credential, and no secret anywhere.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { AppError } from '../../../src/domain/errors.js';
import { createSvnDriver } from '../../../src/vcs/svn.js';
import { fileKey, type VcsCredential } from '../../../src/vcs/types.js';
import { makeTempDir, removeDir } from '../../helpers/git-repo.js';
import { startSshd } from '../../helpers/sshd.js';
import { freePort, makeSvnRepo, startApacheSvn, startSvnserve, svnSshUrl } from '../../helpers/svn-servers.js';
import { installSvnSpy } from './fixtures/svn-spy.js';

const SVN_PASSWORD = 'svnserve-Secret-4411';
const HTTP_PASSWORD = 'apache-Secret-9922';
const root = await makeTempDir('packyard-svn-transports-');
t.teardown(() => removeDir(root));
const repos = join(root, 'repos');
const repo = await makeSvnRepo(join(repos, 'pkg'), {
  steps: [
    { trunk: { 'composer.json': '{"name":"acme/remote"}\n', 'src/A.php': '<?php\n' } },
    { tag: '1.0.0' },
    { branch: 'feature', files: { 'src/B.php': '<?php\n' } },
  ],
});
const spyDir = await makeTempDir('packyard-svn-spy-');
const spy = await installSvnSpy(spyDir);
t.teardown(async () => {
  spy.restore();
  await removeDir(spyDir);
});
const tmpDir = join(root, 'scratch');

let n = 0;
const driverFor = (url: string, credential?: VcsCredential, extra: { timeoutMs?: number; knownHosts?: string; caFile?: string } = {}) =>
  createSvnDriver({
    url,
    mirrorDir: join(root, 'mirrors', `m${++n}`),
    tmpDir,
    timeoutMs: extra.timeoutMs ?? 30_000,
    credential,
    credentialName: 'deploy',
    knownHosts: extra.knownHosts,
    caFile: extra.caFile,
  });

const expected = (await driverFor(repo.url).listRemote()).refs;

/** Lists, reads, dates and zips through `url`; the same refs as the file:// URL gives. */
async function roundTrip(t: Test, url: string, credential: VcsCredential | undefined, caFile?: string): Promise<void> {
  const driver = driverFor(url, credential, caFile === undefined ? {} : { caFile });
  const state = await driver.listRemote();
  t.same(state.refs, expected, 'same refs and identifiers as over file://');
  const ids = state.refs.map((r) => r.commit);
  const files = await driver.readFiles(ids.map((commit) => ({ commit, path: 'composer.json' })));
  for (const id of ids) t.equal(files.get(fileKey(id, 'composer.json'))?.toString(), '{"name":"acme/remote"}\n');
  t.equal((await driver.commitTimes(ids)).size, ids.length);
  const zip = join(root, 'dists', `${n}.zip`);
  await driver.archive(ids[1] as string, zip);
  t.same(execFileSync('zipinfo', ['-1', zip], { encoding: 'utf8' }).trim().split('\n'), ['composer.json', 'src/', 'src/A.php', 'src/B.php']);
  t.same(await readdir(tmpDir), [], 'scratch directories are removed');
}

async function rejectsWith(t: Test, promise: Promise<unknown>, code: string, message: RegExp, secrets: string[] = []): Promise<void> {
  try {
    await promise;
    t.fail(`expected ${code}`);
  } catch (e) {
    t.ok(e instanceof AppError, 'an AppError');
    t.equal((e as AppError).code, code);
    t.match((e as Error).message, message);
    const text = `${(e as Error).message} ${JSON.stringify((e as AppError).details ?? {})}`;
    for (const secret of [...secrets, 'PRIVATE KEY']) t.notOk(text.includes(secret), 'no secret in the error');
  }
}

t.test('svnserve: user and password', async (t) => {
  const server = await startSvnserve(repos, { username: 'alice', password: SVN_PASSWORD });
  t.teardown(() => server.close());
  await spy.reset();
  await roundTrip(t, server.url('pkg'), { type: 'http-basic', username: 'alice', password: SVN_PASSWORD });
  const calls = await spy.calls();
  t.ok(calls.length > 0);
  t.notOk(calls.some((argv) => argv.some((a) => a.includes(SVN_PASSWORD))), 'the password is never on a command line');
  t.ok(calls.every((argv) => argv.includes('--password-from-stdin') && argv.includes('--non-interactive') && argv.includes('--no-auth-cache')));
  t.notOk(calls.some((argv) => argv.some((a) => a.startsWith('--trust-server-cert'))));

  await rejectsWith(
    t,
    driverFor(server.url('pkg'), { type: 'http-basic', username: 'alice', password: 'wrong-password' }).listRemote(),
    'VCS_AUTH_FAILED',
    /Authentication failed for svn:\/\/127\.0\.0\.1:\d+\/pkg with credential "deploy" http-basic \(user "alice"\); check the user name/,
    ['wrong-password', SVN_PASSWORD],
  );
  await rejectsWith(t, driverFor(server.url('pkg')).listRemote(), 'VCS_AUTH_FAILED', /needs a credential/);
  await rejectsWith(
    t,
    driverFor(server.url('nope'), { type: 'http-basic', username: 'alice', password: SVN_PASSWORD }).listRemote(),
    'VCS_NOT_FOUND',
    /svn:\/\/127\.0\.0\.1:\d+\/nope .*not found/,
    [SVN_PASSWORD],
  );
  await rejectsWith(
    t,
    driverFor(server.url('pkg'), { type: 'ssh-key', privateKey: 'x' }).listRemote(),
    'CREDENTIAL_INVALID',
    /ssh-key cannot be used with a svn repository URL/,
  );
});

t.test('Apache mod_dav_svn: HTTP basic', { skip: !existsSync('/usr/lib/apache2/modules/mod_dav_svn.so') && 'needs libapache2-mod-svn' }, async (t) => {
  const server = await startApacheSvn(repos, { username: 'bob', password: HTTP_PASSWORD });
  t.teardown(() => server.close());
  await spy.reset();
  await roundTrip(t, server.url('pkg'), { type: 'http-basic', username: 'bob', password: HTTP_PASSWORD });
  t.notOk((await spy.calls()).some((argv) => argv.some((a) => a.includes(HTTP_PASSWORD))), 'the password is never on a command line');
  await roundTrip(t, server.url('pkg'), { type: 'token', username: 'bob', token: HTTP_PASSWORD });

  await rejectsWith(
    t,
    driverFor(server.url('pkg'), { type: 'http-basic', username: 'bob', password: 'not-the-password' }).listRemote(),
    'VCS_AUTH_FAILED',
    /Authentication failed for http:\/\/127\.0\.0\.1:\d+\/svn\/pkg with credential "deploy" http-basic \(user "bob"\)/,
    ['not-the-password', HTTP_PASSWORD],
  );
  await rejectsWith(t, driverFor(server.url('pkg')).listRemote(), 'VCS_AUTH_FAILED', /needs a credential/);
  await rejectsWith(
    t,
    driverFor(server.url('nope'), { type: 'http-basic', username: 'bob', password: HTTP_PASSWORD }).listRemote(),
    'VCS_NOT_FOUND',
    /\/svn\/nope .*not found/,
    [HTTP_PASSWORD],
  );
});

t.test('Apache over https: the CA file is trusted, an unknown certificate is VCS_TLS', { skip: !existsSync('/usr/lib/apache2/modules/mod_ssl.so') && 'needs mod_ssl' }, async (t) => {
  const server = await startApacheSvn(repos, { username: 'bob', password: HTTP_PASSWORD }, { tls: true });
  t.teardown(() => server.close());
  const cred: VcsCredential = { type: 'http-basic', username: 'bob', password: HTTP_PASSWORD };
  t.match(server.url('pkg'), /^https:/);
  await roundTrip(t, server.url('pkg'), cred, server.caFile);
  await spy.reset();
  await rejectsWith(t, driverFor(server.url('pkg'), cred).listRemote(), 'VCS_TLS', /TLS certificate of https:\/\/127\.0\.0\.1:\d+\/svn\/pkg is not trusted/, [HTTP_PASSWORD]);
  t.notOk((await spy.calls()).some((argv) => argv.some((a) => a.startsWith('--trust-server-cert'))), 'never told to trust any certificate');
});

t.test('svn+ssh: key, pinned host key, port in the URL', { skip: (!existsSync('/usr/sbin/sshd') || process.getuid?.() !== 0) && 'needs sshd and root' }, async (t) => {
  const sshd = await startSshd();
  t.teardown(() => sshd.close());
  const url = svnSshUrl(sshd, repos + '/pkg');
  t.match(url, /^svn\+ssh:\/\/[^@]+@127\.0\.0\.1:\d+\/.*\/pkg$/);
  const key: VcsCredential = { type: 'ssh-key', privateKey: sshd.clientKey, knownHosts: sshd.hostKeyLine };
  await roundTrip(t, url, key);
  // The per-host store wins over the credential's own pins.
  await driverFor(url, { type: 'ssh-key', privateKey: sshd.clientKey }, { knownHosts: sshd.hostKeyLine }).listRemote();

  const otherDir = await makeTempDir('packyard-other-key-');
  t.teardown(() => removeDir(otherDir));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(otherDir, 'k')]);
  const otherKey = await readFile(join(otherDir, 'k'), 'utf8');
  await rejectsWith(
    t,
    driverFor(url, { type: 'ssh-key', privateKey: otherKey, knownHosts: sshd.hostKeyLine }).listRemote(),
    'VCS_AUTH_FAILED',
    /Authentication failed for svn\+ssh:.* with credential "deploy" ssh-key; check that the key's public key is authorized/,
  );
  await rejectsWith(
    t,
    driverFor(url, { type: 'ssh-key', privateKey: sshd.clientKey }).listRemote(),
    'VCS_HOST_KEY',
    /host key is unknown; pin it/,
  );
  const otherHost = (await readFile(join(otherDir, 'k.pub'), 'utf8')).split(' ').slice(0, 2).join(' ');
  await rejectsWith(
    t,
    driverFor(url, { type: 'ssh-key', privateKey: sshd.clientKey, knownHosts: `[127.0.0.1]:${sshd.port} ${otherHost}` }).listRemote(),
    'VCS_HOST_KEY',
    /does not match the pinned one/,
  );
  await rejectsWith(
    t,
    driverFor(svnSshUrl(sshd, repos + '/nope'), key).listRemote(),
    'VCS_NOT_FOUND',
    /nope .*not found/,
  );
  await rejectsWith(
    t,
    driverFor(url, { type: 'http-basic', username: 'u', password: 'p-secret' }).listRemote(),
    'CREDENTIAL_INVALID',
    /http-basic cannot be used with a svn\+ssh repository URL/,
    ['p-secret'],
  );
});

t.test('a server that accepts and never answers: VCS_TIMEOUT', async (t) => {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  const started = Date.now();
  await rejectsWith(
    t,
    driverFor(`svn://127.0.0.1:${port}/pkg`, { type: 'http-basic', username: 'alice', password: SVN_PASSWORD }, { timeoutMs: 1500 }).listRemote(),
    'VCS_TIMEOUT',
    new RegExp(`svn info for svn://127\\.0\\.0\\.1:${port}/pkg did not finish within 1500 ms`),
    [SVN_PASSWORD],
  );
  t.ok(Date.now() - started < 10_000, 'stopped promptly');
});
